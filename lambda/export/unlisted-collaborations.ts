import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import type { CollaborationManifestEntry } from '../snapshot/manifest';
import {
  type CollaborationIndex,
  collaborationIndexKey,
  nextCollaborationIndex,
  readCollaborationIndex,
  unlistedCollaborations,
  writeCollaborationIndex,
} from '../status/collaboration-index';
import { probeDenied } from '../status/read-failure';
import type { SourceContext } from './collaboration-export';

/**
 * After a `*` walk succeeded and its collaborations were uploaded, with status events on: the collaborations its
 * index names that this walk did not list (their last job is gone) are exported with no jobs, through
 * `exportEmpty`, so that their previous snapshot's jobs come out `removed`; then the index is written (the listed
 * collaborations last seen now). With events off nothing is read or written.
 *
 * An index that is missing (the source's first run with events) or not valid: one WARN, nothing unlisted, written
 * afresh. An index that cannot be read (a transient failure, or reads denied): one ERROR, nothing unlisted and the
 * index left alone, so its collaborations wait for the next run that reads it; the run does not fail for it (nothing is
 * lost: they stay in the index). A failed write: one ERROR; the next run reads the previous index.
 */
export async function exportUnlistedCollaborations(
  ctx: SourceContext,
  listed: ReadonlySet<string>,
  uploaded: readonly CollaborationManifestEntry[],
  exportEmpty: (collaborationId: string) => Promise<CollaborationManifestEntry>,
): Promise<CollaborationManifestEntry[]> {
  // The run is stopping (deadline, rejected credentials): it fails anyway, and the next run finds the index as it was.
  if (!ctx.run.statusEvents || ctx.abortSignal?.aborted) return [];
  const { s3, config, scheduledTime } = ctx.run.input;
  const owner = { accountId: ctx.origin.accountId, region: ctx.origin.region };
  const fields = {
    accountId: owner.accountId,
    region: owner.region,
    roleArn: ctx.origin.roleArn,
    indexKey: collaborationIndexKey(config.prefix, owner),
    scheduledTime: scheduledTime.toISOString(),
  };
  const notRead = (reason: string, error: unknown, extra: Record<string, unknown> = {}) => {
    logger.error(LOG_MESSAGE.COLLABORATION_INDEX_NOT_READ, { ...fields, reason, error: errorDetails(error), ...extra });
    return [];
  };

  let index: CollaborationIndex | undefined;
  let write = true;
  const read = await readCollaborationIndex(s3, config.bucket, config.prefix, owner, ctx.abortSignal);
  switch (read.state) {
    case 'found':
      index = read.value;
      break;
    case 'missing':
      logger.warn(LOG_MESSAGE.COLLABORATION_INDEX_MISSING, { ...fields, written: true });
      break;
    case 'invalid':
      logger.warn(LOG_MESSAGE.COLLABORATION_INDEX_UNREADABLE, { ...fields, error: errorDetails(read.error) });
      break;
    case 'failed':
      return notRead('index_read_failed', read.error);
    case 'denied': {
      // A missing key, or reads refused: a snapshot this walk has just written tells which (see read-failure.ts).
      const probeKey = uploaded.find((entry) => entry.status === 'succeeded')?.object_key ?? undefined;
      if (probeKey === undefined) {
        // Nothing to probe with: as missing, but not written, lest an index that reads cannot reach be replaced.
        write = false;
        logger.warn(LOG_MESSAGE.COLLABORATION_INDEX_MISSING, { ...fields, written: write, error: errorDetails(read.error) });
        break;
      }
      const probe = await probeDenied(s3, config.bucket, probeKey);
      if (probe.verdict !== 'missing') {
        const reason = probe.verdict === 'denied' ? 'reads_denied' : 'index_read_failed';
        return notRead(reason, read.error, { probeKey, probeError: errorDetails(probe.error) });
      }
      logger.warn(LOG_MESSAGE.COLLABORATION_INDEX_MISSING, { ...fields, written: true, error: errorDetails(read.error) });
      break;
    }
  }

  const unlisted = unlistedCollaborations(index, listed, scheduledTime);
  const entries = await Promise.all(
    unlisted.map(async ({ collaboration_id: collaborationId, last_seen: lastSeen }) => {
      const entry = await exportEmpty(collaborationId);
      if (entry.status === 'succeeded') {
        logger.info(LOG_MESSAGE.UNLISTED_COLLABORATION_EXPORTED, {
          collaborationId,
          accountId: owner.accountId,
          region: owner.region,
          lastSeen,
          key: entry.object_key,
          statusEventsSent: entry.status_events_sent,
          statusEventsFailed: entry.status_events_failed,
        });
      }
      return entry;
    }),
  );
  if (!write) return entries;
  const failed = new Set(entries.filter((entry) => entry.status === 'failed').map((entry) => entry.collaboration_id));
  try {
    await writeCollaborationIndex(s3, config.bucket, config.prefix, nextCollaborationIndex(index, owner, listed, scheduledTime, failed));
  } catch (error) {
    logger.error(LOG_MESSAGE.COLLABORATION_INDEX_WRITE_FAILED, { ...fields, error: errorDetails(error) });
  }
  return entries;
}
