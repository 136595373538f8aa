import type { CleanRoomsMLClient } from '../cleanroomsml/client';
import { ioTurn } from '../commons/io-turn';
import { paginateListAudienceGenerationJobs } from '../cleanroomsml/paginate';
import type { ListAudienceGenerationJobsCommandOutput } from '../cleanroomsml/types';
import { JobFingerprintSet } from '../snapshot/job-fingerprint-set';
import type { SnapshotRecord } from '../snapshot/record-schema';
import { pageRecords, type PageRecordsContext } from './page-records';
import { readAhead } from './read-ahead';

/** Fetched pages whose records may still wait for their GetAudienceGenerationJob calls (memory: ~60 KB each). */
const MAX_PAGES_AHEAD = 4;
/**
 * Pages fetched before the walk asks for them (memory: ~60 KB each), so that the chain of List requests keeps going
 * while the consumer waits on gzip or S3, as it does for a moment on every page.
 */
const LIST_PAGES_AHEAD = 4;

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
 * lengthen the chain. A page's records are handed out once complete. `seen` remembers the ARNs written (a job listed
 * twice is written once).
 */
export async function* walkPages(
  ctx: WalkContext,
  collaborationId: string | undefined,
  onPage: () => void,
  seen = new JobFingerprintSet(),
): AsyncGenerator<SnapshotRecord[]> {
  const pageContext: PageRecordsContext = { ...ctx, seen, queriedCollaborationId: collaborationId };
  const pages = paginateListAudienceGenerationJobs(
    { client: ctx.client, abortSignal: ctx.abortSignal },
    { collaborationId, configuredAudienceModelArn: ctx.configuredAudienceModelArn },
  );
  // Records of fetched pages, oldest first; `settled` once their GetAudienceGenerationJob calls are done.
  const pending: { records: Promise<SnapshotRecord[]>; settled: boolean }[] = [];
  const walk = readAhead(pages, LIST_PAGES_AHEAD);
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
      // The page's work (and the consumer's, for the page handed out below) takes its turn: on a busy event loop, the
      // other walks' answers that arrived meanwhile, and the next requests they let go, wait for one page's work at
      // most, not for all the pages that a burst of answers queued up.
      await ioTurn();
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
