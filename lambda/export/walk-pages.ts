import type { CleanRoomsMLClient } from '../cleanroomsml/client';
import { paginateListAudienceGenerationJobs } from '../cleanroomsml/paginate';
import type { ListAudienceGenerationJobsCommandOutput } from '../cleanroomsml/types';
import { JobFingerprintSet } from '../snapshot/job-fingerprint-set';
import type { SnapshotRecord } from '../snapshot/record-schema';
import { pageRecords, type PageRecordsContext } from './page-records';
import { prefetchNext } from './prefetch';

/** Fetched pages whose records may still wait for their GetAudienceGenerationJob calls (memory: ~60 KB each). */
const MAX_PAGES_AHEAD = 4;

export interface WalkContext {
  client: CleanRoomsMLClient;
  /** Bounds the GetAudienceGenerationJob calls of the whole run. */
  limitDetails: PageRecordsContext['limitDetails'];
  abortSignal: AbortSignal | undefined;
  snapshotTime: string;
  configuredAudienceModelArn: string | undefined;
}

/**
 * Pages of records, in API order, of one collaboration, or of every collaboration (`collaborationId` undefined). The
 * chain of pages never waits for a page's GetAudienceGenerationJob calls: the next page is fetched while they run, and
 * the walk goes on while they are pending, up to {@link MAX_PAGES_AHEAD} pages, so that a slow or retried Get does not
 * lengthen the chain. A page's records are handed out once complete.
 */
export async function* walkPages(
  ctx: WalkContext,
  collaborationId: string | undefined,
  onPage: () => void,
): AsyncGenerator<SnapshotRecord[]> {
  const pageContext: PageRecordsContext = { ...ctx, seen: new JobFingerprintSet(), queriedCollaborationId: collaborationId };
  const pages = paginateListAudienceGenerationJobs(
    { client: ctx.client, abortSignal: ctx.abortSignal },
    { collaborationId, configuredAudienceModelArn: ctx.configuredAudienceModelArn },
  );
  // Records of fetched pages, oldest first; `settled` once their GetAudienceGenerationJob calls are done.
  const pending: { records: Promise<SnapshotRecord[]>; settled: boolean }[] = [];
  const walk = prefetchNext(pages);
  try {
    for (;;) {
      let next: IteratorResult<ListAudienceGenerationJobsCommandOutput>;
      try {
        next = await walk.next();
      } catch (error) {
        // The listing failed: the pages fetched before it are handed out first, as a walk that waited for them would.
        while (pending.length > 0) yield await pending.shift()!.records;
        throw error;
      }
      if (next.done) break;
      onPage();
      const entry = { records: pageRecords(next.value, pageContext), settled: false };
      const settle = () => void (entry.settled = true);
      entry.records.then(settle, settle);
      pending.push(entry);
      while (pending.length > 0 && (pending[0].settled || pending.length > MAX_PAGES_AHEAD)) {
        yield await pending.shift()!.records;
      }
    }
    while (pending.length > 0) yield await pending.shift()!.records;
  } finally {
    // Stopped early (a failed page, or the consumer gave up): close the listing, and let the Get calls already
    // started settle, so that nothing this walk started outlives it.
    await walk.return(undefined);
    await Promise.allSettled(pending.map((entry) => entry.records));
  }
}
