import type { S3Client } from '@aws-sdk/client-s3';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import { snapshotObjectKey } from '../snapshot/key-layout';
import type { CollaborationManifestEntry } from '../snapshot/manifest';
import { JobFingerprintSet } from '../snapshot/job-fingerprint-set';
import { NdjsonObjectWriter } from '../snapshot/ndjson-writer';
import type { SnapshotRecord } from '../snapshot/record-schema';
import { CollaborationStatus, type StatusEventsSettings } from '../status/collaboration-status';
import type { ChangeCounts } from '../status/snapshot-diff';
import type { ExporterConfig } from './config';
import { CredentialsRejectedError, isCredentialRejection } from './credentials';
import { DeadlineExceededError } from './deadline';
import { type EntryCounts, type EntryEvents, type EntryOrigin, failedEntry, notStartedCounts, succeededEntry } from './manifest-entries';
import { walkPages, type WalkContext } from './walk-pages';

/** One source being exported: its client and origin, and the run it belongs to. */
export interface SourceContext extends WalkContext {
  run: {
    input: { config: ExporterConfig; scheduledTime: Date; s3: S3Client };
    runStop: AbortController;
    limitCollaborations: <T>(fn: () => Promise<T>) => Promise<T>;
    limitDetails: WalkContext['limitDetails'];
    /** The bus and publisher of the status-change events; undefined when STATUS_EVENTS is off. */
    statusEvents: StatusEventsSettings['events'];
    /** What the comparisons of the run's collaborations found, summed (for the metrics). */
    statusChanges: ChangeCounts;
  };
  origin: EntryOrigin & { accountId: string };
  /** Aborted when the credentials are rejected: this source's, and the run's too for the function's own credentials. */
  stop: AbortController[];
}

/** Listed collaboration: one walk filtered by collaborationId, streamed to one object. */
export async function exportCollaboration(ctx: SourceContext, collaborationId: string): Promise<CollaborationManifestEntry> {
  const counts = notStartedCounts(collaborationId);
  if (ctx.abortSignal?.aborted) return failedEntry(ctx.origin, counts, notStarted(ctx.abortSignal.reason));
  const key = objectKey(ctx, collaborationId);
  // The previous snapshot loads while the first page is fetched; a failed walk stops it.
  const statusStop = new AbortController();
  const status = openStatus(ctx, collaborationId, statusStop.signal);
  // Sized at once for as many jobs as the previous snapshot had, rather than grown step by step next to its table.
  const seen = new JobFingerprintSet();
  void status.then((s) => seen.reserve(s.previousJobCount));
  const writer = openWriter(ctx, key);
  try {
    for await (const records of walkPages(ctx, collaborationId, () => counts.pages++, seen)) {
      await writer.write(linesOf(records, counts));
      await (await status).observe(records);
    }
    const object = await writer.complete();
    const events = await completeStatus(ctx, await status, object.key);
    const entry = succeededEntry(ctx.origin, counts, object, events);
    logger.info(LOG_MESSAGE.COLLABORATION_EXPORTED, {
      collaborationId,
      accountId: ctx.origin.accountId,
      region: ctx.origin.region,
      pages: counts.pages,
      jobs: entry.job_count,
      bytes: object.bytes,
      durationMs: entry.duration_ms,
      key,
      statusEventsSent: events.sent,
      statusEventsFailed: events.failed,
    });
    return entry;
  } catch (error) {
    statusStop.abort();
    await (await status).dispose();
    await abortQuietly(writer, key);
    if (!stopOnRejectedCredentials(ctx, error)) {
      logger.error(LOG_MESSAGE.COLLABORATION_EXPORT_FAILED, {
        ...originFields(ctx, collaborationId),
        pages: counts.pages,
        jobsRead: counts.jobCount,
        error: errorDetails(error),
      });
    }
    return failedEntry(ctx.origin, counts, error);
  }
}

/**
 * The service refused the caller's identity: stop the source (the run, for the function's own credentials), so that
 * in-flight requests abort and collaborations not yet started are marked failed, and say so once, instead of once per
 * collaboration. False when `error` is no such refusal.
 */
export function stopOnRejectedCredentials(ctx: SourceContext, error: unknown): boolean {
  if (!(isCredentialRejection(error) || error instanceof CredentialsRejectedError)) return false;
  const [own] = ctx.stop;
  if (own.signal.aborted) return true;
  const { name, message } = errorDetails(error);
  const scope = ctx.origin.roleArn ? `the source ${ctx.origin.roleArn} in ${ctx.origin.region} stopped` : 'the run stopped';
  const reason = new CredentialsRejectedError(`The credentials were rejected (${name}: ${message}); ${scope}`);
  for (const controller of ctx.stop) controller.abort(reason);
  logger.error(ctx.origin.roleArn ? LOG_MESSAGE.CREDENTIALS_REJECTED_SOURCE_STOPPED : LOG_MESSAGE.CREDENTIALS_REJECTED_RUN_STOPPED, {
    accountId: ctx.origin.accountId,
    region: ctx.origin.region,
    roleArn: ctx.origin.roleArn,
    error: errorDetails(error),
  });
  return true;
}

/**
 * The status events of one collaboration of this source: the pointer read and the previous snapshot loaded (never
 * throws). `stop` ends the load early when the collaboration fails.
 */
export function openStatus(ctx: SourceContext, collaborationId: string, stop?: AbortSignal): Promise<CollaborationStatus> {
  const { s3, config, scheduledTime } = ctx.run.input;
  const signals = [ctx.abortSignal, stop].filter((s): s is AbortSignal => s !== undefined);
  return CollaborationStatus.open(
    {
      s3,
      bucket: config.bucket,
      prefix: config.prefix,
      scheduledTime,
      events: ctx.run.statusEvents,
      abortSignal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
    },
    { accountId: ctx.origin.accountId, region: ctx.origin.region, collaborationId, roleArn: ctx.origin.roleArn },
  );
}

/** The object is complete: the collaboration's events are sent and its pointer advanced; what they found joins the run's. */
export async function completeStatus(ctx: SourceContext, status: CollaborationStatus, key: string): Promise<EntryEvents> {
  const outcome = await status.complete(key);
  const totals = ctx.run.statusChanges;
  totals.changes += outcome.counts.changes;
  totals.newDeleteFailed += outcome.counts.newDeleteFailed;
  totals.newCreateFailed += outcome.counts.newCreateFailed;
  return { sent: outcome.sent, failed: outcome.failed };
}

export function objectKey(ctx: SourceContext, collaborationId: string): string {
  const { config, scheduledTime } = ctx.run.input;
  return snapshotObjectKey(
    config.prefix,
    scheduledTime,
    { accountId: ctx.origin.accountId, region: ctx.origin.region, collaborationId },
    config.compression,
  );
}

export function openWriter(ctx: SourceContext, key: string): NdjsonObjectWriter {
  const { s3, config } = ctx.run.input;
  // The run's signal (deadline, rejected credentials) also stops waiting for an S3 request that hangs.
  return new NdjsonObjectWriter({ s3, bucket: config.bucket, key, compression: config.compression, abortSignal: ctx.abortSignal });
}

/** The records as NDJSON lines, counted into `counts`. */
export function linesOf(records: readonly SnapshotRecord[], counts: EntryCounts): string {
  let lines = '';
  for (const record of records) {
    lines += `${JSON.stringify(record)}\n`;
    counts.statusCounts[record.status] = (counts.statusCounts[record.status] ?? 0) + 1;
  }
  counts.jobCount += records.length;
  return lines;
}

export async function abortQuietly(writer: NdjsonObjectWriter, key: string): Promise<void> {
  try {
    await writer.abort();
  } catch (error) {
    // The multipart upload may remain; the bucket's lifecycle rule removes it after a day.
    logger.error(LOG_MESSAGE.UPLOAD_ABORT_FAILED, { key, error: errorDetails(error) });
  }
}

export function originFields(ctx: SourceContext, collaborationId: string) {
  return { collaborationId, accountId: ctx.origin.accountId, region: ctx.origin.region, roleArn: ctx.origin.roleArn };
}

export function notStarted(reason: unknown): Error {
  const error = reason instanceof Error ? reason : new DeadlineExceededError(String(reason));
  return Object.assign(new DeadlineExceededError(`Not started: ${error.message}`), { name: error.name });
}
