import pLimit from 'p-limit';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import type { CollaborationManifestEntry } from '../snapshot/manifest';
import type { SnapshotRecord } from '../snapshot/record-schema';
import { SpillFile } from '../snapshot/spill-file';
import {
  abortQuietly,
  completeStatus,
  linesOf,
  objectKey,
  openStatus,
  openWriter,
  originFields,
  type SourceContext,
  stopOnRejectedCredentials,
} from './collaboration-export';
import { type EntryCounts, failedEntry, notStartedCounts, succeededEntry } from './manifest-entries';
import { exportUnlistedCollaborations } from './unlisted-collaborations';
import { walkPages } from './walk-pages';

/**
 * Uploads in flight per `*` walk, once its walk is complete. Most `*` collaborations are small (one PutObject of a few
 * KB, nearly no memory); a large one holds up to 3 parts of 5 MiB, so those get fewer slots.
 */
export const SMALL_UPLOAD_CONCURRENCY = 16;
export const LARGE_UPLOAD_CONCURRENCY = 2;
/** Above this many bytes of NDJSON, a collaboration's upload counts as large (a multipart upload). */
const LARGE_OBJECT_BYTES = 4 * 1024 * 1024;
/** The collaboration id of the manifest entry that stands for a whole failed `*` walk. */
const ALL = '*';

/**
 * `*`: one walk with no collaboration filter, in which jobs of thousands of collaborations arrive interleaved. Records
 * are appended to one spill file on the ephemeral storage, with only the byte ranges of each collaboration in memory;
 * once the walk is complete, each collaboration's lines are uploaded as its one object, a bounded number at a time;
 * then, with status events on, the collaborations of the source's index that the walk no longer listed get an empty
 * one (unlisted-collaborations.ts). A failed walk leaves no object at all; a failed upload fails only its collaboration.
 */
export async function exportAllCollaborations(ctx: SourceContext): Promise<CollaborationManifestEntry[]> {
  const started = Date.now();
  const spill = await SpillFile.create();
  const counts = new Map<string, SpilledCounts>();
  let pages = 0;
  try {
    try {
      for await (const records of walkPages(ctx, undefined, () => pages++)) {
        await spill.append(groupByCollaboration(records, counts, started));
      }
    } catch (error) {
      if (!stopOnRejectedCredentials(ctx, error)) {
        logger.error(LOG_MESSAGE.ALL_COLLABORATIONS_EXPORT_FAILED, {
          accountId: ctx.origin.accountId,
          region: ctx.origin.region,
          pages,
          collaborations: counts.size,
          error: errorDetails(error),
        });
      }
      const entries = [...counts.values()].map((c) => failedEntry(ctx.origin, { ...c, pages }, error));
      const whole = { ...notStartedCounts(ALL), started, pages, jobCount: entries.reduce((n, e) => n + e.job_count, 0) };
      return [failedEntry(ctx.origin, whole, error), ...entries];
    }
    const small = pLimit(SMALL_UPLOAD_CONCURRENCY);
    const large = pLimit(LARGE_UPLOAD_CONCURRENCY);
    const uploaded = await Promise.all(
      [...counts.values()].map((c) => {
        const limit = (c.bytes ?? 0) > LARGE_OBJECT_BYTES ? large : small;
        return limit(() => uploadCollaboration(ctx, spill, { ...c, pages }));
      }),
    );
    // Collaborations the index names that this walk did not list: each uploaded as a collaboration with no lines.
    const unlisted = await exportUnlistedCollaborations(ctx, new Set(counts.keys()), uploaded, (collaborationId) =>
      small(() => uploadCollaboration(ctx, spill, { ...notStartedCounts(collaborationId), pages })),
    );
    return [...uploaded, ...unlisted];
  } finally {
    await spill.dispose();
  }
}

/** A collaboration's counts, and how many bytes of lines it has in the spill file. */
type SpilledCounts = EntryCounts & { bytes?: number };

/** One page's records as one block of lines per collaboration, counted per collaboration. */
function groupByCollaboration(
  records: readonly SnapshotRecord[],
  counts: Map<string, SpilledCounts>,
  started: number,
): { group: string; text: string }[] {
  const byCollaboration = new Map<string, SnapshotRecord[]>();
  for (const record of records) {
    const group = byCollaboration.get(record.collaboration_id);
    if (group) group.push(record);
    else byCollaboration.set(record.collaboration_id, [record]);
  }
  const blocks: { group: string; text: string }[] = [];
  for (const [collaborationId, group] of byCollaboration) {
    let c = counts.get(collaborationId);
    if (!c) counts.set(collaborationId, (c = { ...notStartedCounts(collaborationId), started }));
    const text = linesOf(group, c);
    c.bytes = (c.bytes ?? 0) + Buffer.byteLength(text);
    blocks.push({ group: collaborationId, text });
  }
  return blocks;
}

async function uploadCollaboration(ctx: SourceContext, spill: SpillFile, counts: SpilledCounts): Promise<CollaborationManifestEntry> {
  const { collaborationId } = counts;
  if (ctx.abortSignal?.aborted) return failedEntry(ctx.origin, counts, ctx.abortSignal.reason);
  const key = objectKey(ctx, collaborationId);
  // Per collaboration at upload time: its previous snapshot is compared with the lines the spill file gives back.
  const status = await openStatus(ctx, collaborationId);
  const writer = openWriter(ctx, key);
  try {
    for await (const chunk of spill.read(collaborationId)) {
      await writer.write(chunk);
      await status.observeLines(chunk);
    }
    const object = await writer.complete();
    return succeededEntry(ctx.origin, counts, object, await completeStatus(ctx, status, object.key));
  } catch (error) {
    await status.dispose();
    await abortQuietly(writer, key);
    if (!stopOnRejectedCredentials(ctx, error)) {
      logger.error(LOG_MESSAGE.SNAPSHOT_UPLOAD_FAILED, { ...originFields(ctx, collaborationId), error: errorDetails(error) });
    }
    return failedEntry(ctx.origin, counts, error);
  }
}
