import type { S3Client } from '@aws-sdk/client-s3';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import { snapshotObjectKey } from '../snapshot/key-layout';
import type { CollaborationManifestEntry } from '../snapshot/manifest';
import { NdjsonObjectWriter } from '../snapshot/ndjson-writer';
import type { SnapshotRecord } from '../snapshot/record-schema';
import type { ExporterConfig } from './config';
import { CredentialsRejectedError, isCredentialRejection } from './credentials';
import { DeadlineExceededError } from './deadline';
import { type EntryCounts, type EntryOrigin, failedEntry, notStartedCounts, succeededEntry } from './manifest-entries';
import { walkPages, type WalkContext } from './walk-pages';

/** One source being exported: its client and origin, and the run it belongs to. */
export interface SourceContext extends WalkContext {
  run: {
    input: { config: ExporterConfig; scheduledTime: Date; s3: S3Client };
    runStop: AbortController;
    limitCollaborations: <T>(fn: () => Promise<T>) => Promise<T>;
    limitDetails: WalkContext['limitDetails'];
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
  const writer = openWriter(ctx, key);
  try {
    for await (const records of walkPages(ctx, collaborationId, () => counts.pages++)) {
      await writer.write(linesOf(records, counts));
    }
    const object = await writer.complete();
    const entry = succeededEntry(ctx.origin, counts, object);
    logger.info(LOG_MESSAGE.COLLABORATION_EXPORTED, {
      collaborationId,
      accountId: ctx.origin.accountId,
      region: ctx.origin.region,
      pages: counts.pages,
      jobs: entry.job_count,
      bytes: object.bytes,
      durationMs: entry.duration_ms,
      key,
    });
    return entry;
  } catch (error) {
    await abortQuietly(writer, key);
    if (!stopOnRejectedCredentials(ctx, error)) {
      logger.error(LOG_MESSAGE.COLLABORATION_EXPORT_FAILED, { ...originFields(ctx, collaborationId), pages: counts.pages, jobsRead: counts.jobCount, error: errorDetails(error) });
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
  if (own!.signal.aborted) return true;
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

export function objectKey(ctx: SourceContext, collaborationId: string): string {
  const { config, scheduledTime } = ctx.run.input;
  return snapshotObjectKey(config.prefix, scheduledTime, { accountId: ctx.origin.accountId, region: ctx.origin.region, collaborationId }, config.compression);
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
