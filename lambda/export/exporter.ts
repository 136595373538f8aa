import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import type { CleanRoomsMLClient } from '../cleanroomsml/client';
import type { ListAudienceGenerationJobsCommandOutput } from '../cleanroomsml/types';
import { paginateListAudienceGenerationJobs } from '../cleanroomsml/paginate';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { JobFingerprintSet } from '../snapshot/job-fingerprint-set';
import { manifestKey, snapshotObjectKey } from '../snapshot/key-layout';
import { type CollaborationManifestEntry, type RunManifest, writeManifest } from '../snapshot/manifest';
import { NdjsonObjectWriter } from '../snapshot/ndjson-writer';
import type { SnapshotRecord } from '../snapshot/record-schema';
import type { ExporterConfig } from './config';
import { CredentialsRejectedError, isCredentialRejection } from './credentials';
import { DEFAULT_DEADLINE_MARGIN_MS, DeadlineExceededError, deadlineSignal } from './deadline';
import { pageRecords, type PageRecordsContext } from './page-records';
import { prefetchNext } from './prefetch';

/**
 * GetAudienceGenerationJob calls in flight, per collaboration exported in parallel. Each walk needs its failed
 * jobs' details within one page fetch (they overlap the next page); a run-wide pool smaller than the walks' demand
 * would queue them and lengthen every walk.
 */
const DETAIL_CONCURRENCY_PER_COLLABORATION = 4;
/** Fetched pages whose records may still wait for their GetAudienceGenerationJob calls (memory: ~60 KB each). */
const MAX_PAGES_AHEAD = 4;
/** Collaboration id used in the manifest for a failed `*` walk whose failure cannot be pinned on one. */
export const ALL_COLLABORATIONS = '*';

export interface ExportRunInput {
  config: ExporterConfig;
  scheduledTime: Date;
  cleanRooms: CleanRoomsMLClient;
  s3: S3Client;
  /** Milliseconds left in the invocation (Lambda's `context.getRemainingTimeInMillis()`); none locally. */
  remainingTimeMs?: () => number;
  /** Stop this long before the deadline. Default 15 s. */
  deadlineMarginMs?: number;
  now?: () => Date;
}

export interface ExportRunResult {
  manifest: RunManifest;
  manifestKey: string;
}

interface SnapshotSink {
  collaborationId: string;
  writer: NdjsonObjectWriter;
  key: string;
  jobCount: number;
  statusCounts: Record<string, number>;
}

interface RunContext extends Omit<PageRecordsContext, 'seen' | 'queriedCollaborationId'> {
  input: ExportRunInput;
  /** Stops the whole run when the credentials are rejected: every further request would be refused too. */
  stop: AbortController;
}

/**
 * One export run: every page of every selected collaboration, streamed to one object per
 * collaboration; then the manifest. A collaboration that fails leaves no object; the others complete.
 * Resolves with the manifest in every case but a failed manifest write; the caller decides on failure.
 */
export async function runExport(input: ExportRunInput): Promise<ExportRunResult> {
  const { config, scheduledTime, cleanRooms } = input;
  const now = input.now ?? (() => new Date());
  const startedAt = now();
  const deadline = input.remainingTimeMs
    ? deadlineSignal(input.remainingTimeMs(), input.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS)
    : undefined;
  const stop = new AbortController();
  const ctx: RunContext = {
    input,
    client: cleanRooms,
    limitDetails: pLimit(DETAIL_CONCURRENCY_PER_COLLABORATION * config.maxConcurrency),
    abortSignal: deadline ? AbortSignal.any([deadline.signal, stop.signal]) : stop.signal,
    snapshotTime: scheduledTime.toISOString(),
    stop,
  };
  let entries: CollaborationManifestEntry[];
  try {
    if (config.collaborations.kind === 'all') {
      entries = await exportAllCollaborations(ctx);
    } else {
      const limit = pLimit(config.maxConcurrency);
      entries = await Promise.all(config.collaborations.collaborationIds.map((id) => limit(() => exportCollaboration(ctx, id))));
    }
  } finally {
    deadline?.dispose();
  }
  const manifest = buildManifest(input, entries, startedAt, now(), deadline?.signal.aborted ?? false);
  const key = manifestKey(config.prefix, scheduledTime);
  await writeManifest(input.s3, config.bucket, key, manifest);
  return { manifest, manifestKey: key };
}

/** Listed collaboration: one walk filtered by collaborationId, one object. */
async function exportCollaboration(ctx: RunContext, collaborationId: string): Promise<CollaborationManifestEntry> {
  const started = Date.now();
  const { config, scheduledTime } = ctx.input;
  if (ctx.abortSignal?.aborted) {
    return failedEntry(collaborationId, started, 0, {}, 0, notStarted(ctx.abortSignal.reason));
  }
  const key = snapshotObjectKey(config.prefix, scheduledTime, collaborationId, config.compression);
  const sink = openSink(ctx, collaborationId, key);
  let pages = 0;
  try {
    for await (const records of walkPages(ctx, collaborationId, () => pages++)) {
      await writeRecords(sink, records);
    }
    const { bytes } = await sink.writer.complete();
    const entry = succeededEntry(sink, started, pages, bytes);
    logger.info('Collaboration exported', { collaborationId, pages, jobs: entry.job_count, bytes, durationMs: entry.duration_ms, key });
    return entry;
  } catch (error) {
    await abortQuietly(sink);
    if (isCredentialRejection(error) || error instanceof CredentialsRejectedError) {
      stopOnRejectedCredentials(ctx, error as Error);
    } else {
      logger.error('Collaboration export failed; no object written', { collaborationId, pages, jobsRead: sink.jobCount, error: errorDetails(error) });
    }
    return failedEntry(collaborationId, started, sink.jobCount, sink.statusCounts, pages, error as Error);
  }
}

/**
 * The service refused the caller's identity: stop the run (in-flight requests abort, collaborations not yet
 * started are marked failed) and say so once, instead of once per collaboration.
 */
function stopOnRejectedCredentials(ctx: RunContext, error: Error): void {
  if (ctx.stop.signal.aborted) return;
  const { name, message } = errorDetails(error);
  ctx.stop.abort(new CredentialsRejectedError(`The credentials were rejected (${name}: ${message}); the run stopped`));
  logger.error('Export stopped: the credentials were rejected; the remaining collaborations are not exported', { error: errorDetails(error) });
}

/** `*`: one walk with no collaboration filter; each record goes to its own collaboration's object. */
async function exportAllCollaborations(ctx: RunContext): Promise<CollaborationManifestEntry[]> {
  const started = Date.now();
  const { config, scheduledTime } = ctx.input;
  const sinks = new Map<string, SnapshotSink>();
  let pages = 0;
  try {
    for await (const records of walkPages(ctx, undefined, () => pages++)) {
      const byCollaboration = new Map<string, SnapshotRecord[]>();
      for (const record of records) {
        const group = byCollaboration.get(record.collaboration_id);
        if (group) group.push(record);
        else byCollaboration.set(record.collaboration_id, [record]);
      }
      for (const [collaborationId, group] of byCollaboration) {
        let sink = sinks.get(collaborationId);
        if (!sink) {
          sink = openSink(ctx, collaborationId, snapshotObjectKey(config.prefix, scheduledTime, collaborationId, config.compression));
          sinks.set(collaborationId, sink);
        }
        await writeRecords(sink, group);
      }
    }
  } catch (error) {
    await Promise.all([...sinks.values()].map(abortQuietly));
    logger.error('Export of all collaborations failed; no object written', { pages, collaborations: sinks.size, error: errorDetails(error) });
    const err = error as Error;
    const entries = [...sinks.values()].map((sink) => failedEntry(sink.collaborationId, started, sink.jobCount, sink.statusCounts, pages, err));
    return [failedEntry(ALL_COLLABORATIONS, started, sum(entries.map((e) => e.job_count)), {}, pages, err), ...entries];
  }
  // The walk is complete; each object now completes (or fails) on its own.
  return Promise.all(
    [...sinks.values()].map(async (sink) => {
      try {
        const { bytes } = await sink.writer.complete();
        return succeededEntry(sink, started, pages, bytes);
      } catch (error) {
        logger.error('Snapshot upload failed; no object written', { collaborationId: sink.collaborationId, error: errorDetails(error) });
        return failedEntry(sink.collaborationId, started, sink.jobCount, sink.statusCounts, pages, error as Error);
      }
    }),
  );
}

/**
 * Pages of records, in API order. The chain of pages never waits for a page's GetAudienceGenerationJob calls:
 * the next page is fetched while they run, and the walk goes on while they are pending, up to
 * {@link MAX_PAGES_AHEAD} pages, so that a slow or retried Get does not lengthen the chain. A page's records are
 * handed out once complete.
 */
async function* walkPages(ctx: RunContext, collaborationId: string | undefined, onPage: () => void): AsyncGenerator<SnapshotRecord[]> {
  const { config } = ctx.input;
  const pageContext: PageRecordsContext = { ...ctx, seen: new JobFingerprintSet(), queriedCollaborationId: collaborationId };
  const pages = paginateListAudienceGenerationJobs(
    { client: ctx.client, abortSignal: ctx.abortSignal },
    { collaborationId, configuredAudienceModelArn: config.configuredAudienceModelArn },
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
      while (pending.length > 0 && (pending[0]!.settled || pending.length > MAX_PAGES_AHEAD)) {
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

function openSink(ctx: RunContext, collaborationId: string, key: string): SnapshotSink {
  const { s3, config } = ctx.input;
  // The run's signal (deadline, rejected credentials) also stops waiting for an S3 request that hangs.
  const writer = new NdjsonObjectWriter({ s3, bucket: config.bucket, key, compression: config.compression, abortSignal: ctx.abortSignal });
  return { collaborationId, writer, key, jobCount: 0, statusCounts: {} };
}

async function writeRecords(sink: SnapshotSink, records: SnapshotRecord[]): Promise<void> {
  let lines = '';
  for (const record of records) {
    lines += `${JSON.stringify(record)}\n`;
    sink.statusCounts[record.status] = (sink.statusCounts[record.status] ?? 0) + 1;
  }
  sink.jobCount += records.length;
  await sink.writer.write(lines);
}

async function abortQuietly(sink: SnapshotSink): Promise<void> {
  try {
    await sink.writer.abort();
  } catch (error) {
    // The multipart upload may remain; the bucket's lifecycle rule removes it after a day.
    logger.error('Could not abort the snapshot upload', { key: sink.key, error: errorDetails(error) });
  }
}

function succeededEntry(sink: SnapshotSink, started: number, pages: number, bytes: number): CollaborationManifestEntry {
  return {
    collaboration_id: sink.collaborationId,
    status: 'succeeded',
    job_count: sink.jobCount,
    status_counts: sink.statusCounts,
    delete_failed_jobs: sink.statusCounts.DELETE_FAILED ?? 0,
    pages,
    object_key: sink.key,
    object_bytes: bytes,
    duration_ms: Date.now() - started,
    error: null,
  };
}

function failedEntry(
  collaborationId: string,
  started: number,
  jobsRead: number,
  statusCounts: Record<string, number>,
  pages: number,
  error: Error,
): CollaborationManifestEntry {
  return {
    collaboration_id: collaborationId,
    status: 'failed',
    job_count: jobsRead,
    status_counts: statusCounts,
    delete_failed_jobs: statusCounts.DELETE_FAILED ?? 0,
    pages,
    object_key: null,
    object_bytes: null,
    duration_ms: Date.now() - started,
    error: { name: errorDetails(error).name, message: errorDetails(error).message },
  };
}

function notStarted(reason: unknown): Error {
  const error = reason instanceof Error ? reason : new DeadlineExceededError(String(reason));
  return Object.assign(new DeadlineExceededError(`Not started: ${error.message}`), { name: error.name });
}

function buildManifest(
  input: ExportRunInput,
  entries: CollaborationManifestEntry[],
  startedAt: Date,
  finishedAt: Date,
  deadlineHit: boolean,
): RunManifest {
  const { config, scheduledTime } = input;
  const succeeded = entries.filter((e) => e.status === 'succeeded');
  const statusCounts: Record<string, number> = {};
  for (const entry of succeeded) {
    for (const [status, count] of Object.entries(entry.status_counts)) statusCounts[status] = (statusCounts[status] ?? 0) + count;
  }
  const failed = entries.length - succeeded.length;
  return {
    manifest_version: 1,
    scheduled_time: scheduledTime.toISOString(),
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    status: failed === 0 ? 'succeeded' : 'failed',
    reason: failed === 0 ? null : deadlineHit ? 'deadline' : 'collaboration_failed',
    bucket: config.bucket,
    prefix: config.prefix,
    compression: config.compression,
    collaboration_selection: config.collaborations.kind === 'all' ? '*' : [...config.collaborations.collaborationIds],
    configured_audience_model_arn: config.configuredAudienceModelArn ?? null,
    totals: {
      collaborations: entries.length,
      succeeded: succeeded.length,
      failed,
      // Totals count what is in S3: the succeeded collaborations only.
      jobs: sum(succeeded.map((e) => e.job_count)),
      delete_failed_jobs: sum(succeeded.map((e) => e.delete_failed_jobs)),
      status_counts: statusCounts,
    },
    collaborations: entries,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
