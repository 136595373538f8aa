import type { S3Client } from '@aws-sdk/client-s3';
import pLimit from 'p-limit';
import { eventBridgeClient } from '../commons/aws-clients';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import { manifestKey } from '../snapshot/key-layout';
import { type CollaborationManifestEntry, type ManifestSource, type RunManifest, writeManifest } from '../snapshot/manifest';
import { exportAllCollaborations } from './all-collaborations';
import { exportCollaboration, notStarted, type SourceContext } from './collaboration-export';
import type { ExporterConfig } from './config';
import { DEFAULT_DEADLINE_MARGIN_MS, deadlineSignal } from './deadline';
import { failedEntry, notStartedCounts } from './manifest-entries';
import type { OpenSource, SourceSession } from './source-session';
import { roleAccountId, type SourceSpec } from '../config-rules/sources';
import { EventPublisher, type EventPublisherOptions, type PutEventsClient } from '../status/event-publisher';
import { type ChangeCounts, noChanges } from '../status/snapshot-diff';

/**
 * GetAudienceGenerationJob calls in progress, per collaboration exported in parallel: waiting for the pacer, on the
 * wire, or waiting out a retry backoff. Each walk needs its failed jobs' details within one page fetch (they overlap
 * the next page); a run-wide pool smaller than the walks' demand would queue them and lengthen every walk. It is
 * large because a call in backoff holds its place: when every first attempt is throttled (a storm), each call waits
 * 0.5 s on average before its retry, and 4 per collaboration capped a run at about 23 calls a second (W6 of npm run
 * bench: 33 s where 6 s are enough). The quota is protected elsewhere: the pacer paces each operation and probes the
 * start of a busy period with 10 attempts, and the client lets at most 90 throttled requests wait for their retry at
 * once (what its retry quota pays for). A call in progress is a few small objects; the walk's pages ahead bound them.
 */
const DETAIL_CONCURRENCY_PER_COLLABORATION = 32;
/** Sources whose credentials and account are being resolved at once (one STS round trip or two each). */
const SOURCE_OPEN_CONCURRENCY = 4;
/** Collaboration id used in the manifest for a failed `*` walk, or source, whose failure cannot be pinned on one. */
export const ALL_COLLABORATIONS = '*';

export interface ExportRunInput {
  config: ExporterConfig;
  scheduledTime: Date;
  /** Resolves a source's account and client (STS in production). */
  openSource: OpenSource;
  s3: S3Client;
  /** Milliseconds left in the invocation (Lambda's `context.getRemainingTimeInMillis()`); none locally. */
  remainingTimeMs?: () => number;
  /** Stop this long before the deadline. Default 15 s. */
  deadlineMarginMs?: number;
  now?: () => Date;
  /** Where status-change events are sent (with STATUS_EVENTS on); default the cached EventBridge client of the Region. */
  eventBridge?: PutEventsClient;
  /** The publisher's retry settings (tests shorten the backoff). */
  eventPublisher?: Omit<EventPublisherOptions, 'client'>;
}

export interface ExportRunResult {
  manifest: RunManifest;
  manifestKey: string;
  /** What comparing each snapshot with its previous one found, over the run (zero with events off). */
  statusChanges: ChangeCounts;
}

/**
 * One export run: for every source, every page of every selected collaboration, one object per collaboration; then
 * the manifest. A collaboration (or a source) that fails leaves no object; the others complete. Collaborations are
 * exported `maxConcurrency` at a time across all sources. Resolves with the manifest in every case but a failed
 * manifest write; the caller decides on failure.
 */
export async function runExport(input: ExportRunInput): Promise<ExportRunResult> {
  const { config, scheduledTime } = input;
  const now = input.now ?? (() => new Date());
  const startedAt = now();
  const deadline = input.remainingTimeMs
    ? deadlineSignal(input.remainingTimeMs(), input.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS)
    : undefined;
  // Stops the whole run when the function's own credentials are rejected: every further request would be refused too.
  const stop = new AbortController();
  const runSignal = deadline ? AbortSignal.any([deadline.signal, stop.signal]) : stop.signal;
  const run = {
    input,
    runStop: stop,
    limitCollaborations: pLimit(config.maxConcurrency),
    limitDetails: pLimit(DETAIL_CONCURRENCY_PER_COLLABORATION * config.maxConcurrency),
    statusEvents: config.statusEvents
      ? {
          eventBusName: config.eventBusName,
          publisher: new EventPublisher({ ...input.eventPublisher, client: input.eventBridge ?? eventBridgeClient(config.region) }),
        }
      : undefined,
    statusChanges: noChanges(),
  };
  const limitOpen = pLimit(SOURCE_OPEN_CONCURRENCY);
  let results: { source: ManifestSource; entries: CollaborationManifestEntry[] }[];
  try {
    results = await Promise.all(
      config.sources.map((spec) => exportSource(run, spec, runSignal, () => limitOpen(() => input.openSource(spec, runSignal)))),
    );
  } finally {
    deadline?.dispose();
  }
  const manifest = buildManifest(input, results, startedAt, now(), deadline?.signal.aborted ?? false);
  const key = manifestKey(config.prefix, scheduledTime);
  await writeManifest(input.s3, config.bucket, key, manifest);
  return { manifest, manifestKey: key, statusChanges: run.statusChanges };
}

type RunState = SourceContext['run'];

async function exportSource(
  run: RunState,
  spec: SourceSpec,
  runSignal: AbortSignal,
  open: () => Promise<SourceSession>,
): Promise<{ source: ManifestSource; entries: CollaborationManifestEntry[] }> {
  const selection = spec.collaborations.kind === 'all' ? '*' : [...spec.collaborations.collaborationIds];
  const ids = spec.collaborations.kind === 'all' ? [ALL_COLLABORATIONS] : spec.collaborations.collaborationIds;
  let session: SourceSession;
  try {
    if (runSignal.aborted) throw notStarted(runSignal.reason);
    session = await open();
  } catch (error) {
    const origin = { accountId: spec.roleArn ? (roleAccountId(spec.roleArn) ?? null) : null, region: spec.region, roleArn: spec.roleArn };
    logger.error(LOG_MESSAGE.SOURCE_NOT_EXPORTED, {
      region: spec.region,
      roleArn: spec.roleArn,
      collaborations: ids.length,
      error: errorDetails(error),
    });
    const { name, message } = errorDetails(error);
    return {
      source: {
        region: spec.region,
        role_arn: spec.roleArn ?? null,
        account_id: origin.accountId,
        collaboration_selection: selection,
        status: 'failed',
        error: { name, message },
      },
      entries: ids.map((id) => failedEntry(origin, notStartedCounts(id), error)),
    };
  }
  // Stops this source when its credentials are rejected; for the function's own credentials, the whole run.
  const sourceStop = new AbortController();
  const ctx: SourceContext = {
    run,
    client: session.client,
    limitDetails: run.limitDetails,
    abortSignal: AbortSignal.any([runSignal, sourceStop.signal]),
    snapshotTime: run.input.scheduledTime.toISOString(),
    configuredAudienceModelArn: run.input.config.configuredAudienceModelArn,
    origin: { accountId: session.accountId, region: spec.region, roleArn: spec.roleArn },
    stop: spec.roleArn === undefined ? [sourceStop, run.runStop] : [sourceStop],
  };
  const entries =
    spec.collaborations.kind === 'all'
      ? await run.limitCollaborations(() => exportAllCollaborations(ctx))
      : await Promise.all(spec.collaborations.collaborationIds.map((id) => run.limitCollaborations(() => exportCollaboration(ctx, id))));
  return {
    source: {
      region: spec.region,
      role_arn: spec.roleArn ?? null,
      account_id: session.accountId,
      collaboration_selection: selection,
      status: 'succeeded',
      error: null,
    },
    entries,
  };
}

function buildManifest(
  input: ExportRunInput,
  results: { source: ManifestSource; entries: CollaborationManifestEntry[] }[],
  startedAt: Date,
  finishedAt: Date,
  deadlineHit: boolean,
): RunManifest {
  const { config, scheduledTime } = input;
  const entries = results.flatMap((r) => r.entries);
  const sources = results.map((r) => r.source);
  const succeeded = entries.filter((e) => e.status === 'succeeded');
  const statusCounts: Record<string, number> = {};
  for (const entry of succeeded) {
    for (const [status, count] of Object.entries(entry.status_counts)) statusCounts[status] = (statusCounts[status] ?? 0) + count;
  }
  const failed = entries.length - succeeded.length;
  // The snapshots stand, but undelivered events fail the run, so that its retry sends them again.
  const eventsFailed = sum(succeeded.map((e) => e.status_events_failed ?? 0));
  const status = failed === 0 && eventsFailed === 0 ? 'succeeded' : 'failed';
  const reason = status === 'succeeded' ? null : deadlineHit ? 'deadline' : failed > 0 ? 'collaboration_failed' : 'status_events_failed';
  return {
    manifest_version: 2,
    scheduled_time: scheduledTime.toISOString(),
    started_at: startedAt.toISOString(),
    finished_at: finishedAt.toISOString(),
    status,
    reason,
    bucket: config.bucket,
    prefix: config.prefix,
    compression: config.compression,
    collaboration_selection: sources.some((s) => s.collaboration_selection === '*')
      ? '*'
      : [...new Set(sources.flatMap((s) => s.collaboration_selection as string[]))],
    sources,
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

export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
