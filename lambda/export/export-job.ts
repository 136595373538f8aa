import { s3Client } from '../commons/aws-clients';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import { metrics } from '../commons/metrics';
import { loadExporterConfig } from './config';
import { checkCredentials } from './credentials';
import { type ExportRunInput, type ExportRunResult, runExport } from './exporter';
import { awsSourceOpener, type OpenSource } from './source-session';
import { publishAbortedRunMetrics, publishRunMetrics, statusEventsFailed } from './run-metrics';
import { resolveScheduledTime } from './scheduled-time';

export interface ExportJobOptions {
  /** Milliseconds left in the invocation; the run stops `deadlineMarginMs` before it ends. */
  remainingTimeMs?: () => number;
  /** How long before the end of the invocation the run stops. Default 15 s. */
  deadlineMarginMs?: number;
  now?: () => Date;
  /** Resolves each source's account and client; default STS GetCallerIdentity with the source's credentials. */
  openSource?: OpenSource;
  /** Retry settings of the status-event publisher (tests shorten its backoff). */
  eventPublisher?: ExportRunInput['eventPublisher'];
}

/**
 * The whole job, shared by the Lambda handler and the CLI: configuration from the environment, the
 * scheduled time from the event, the run, the metrics. Throws a ConfigurationError before any API call
 * on bad input; otherwise resolves with the manifest, successful or not.
 */
export async function runExportJob(event: unknown, env: NodeJS.ProcessEnv, options: ExportJobOptions = {}): Promise<ExportRunResult> {
  const now = options.now ?? (() => new Date());
  let config;
  let scheduledTime;
  let s3;
  try {
    config = loadExporterConfig(env);
    scheduledTime = resolveScheduledTime(event, now());
    s3 = s3Client(config.region);
  } catch (error) {
    logger.error(LOG_MESSAGE.EXPORT_NOT_STARTED_BAD_INPUT, { error: errorDetails(error) });
    publishAbortedRunMetrics(metrics);
    throw error;
  }
  try {
    // Missing or expired credentials: one clear error now, rather than the same failure per collaboration.
    await checkCredentials(() => s3.config.credentials(), now());
  } catch (error) {
    logger.error(LOG_MESSAGE.EXPORT_NOT_STARTED_NO_CREDENTIALS, { error: errorDetails(error) });
    publishAbortedRunMetrics(metrics);
    throw error;
  }
  const started = Date.now();
  logger.info(LOG_MESSAGE.EXPORT_STARTED, {
    scheduledTime: scheduledTime.toISOString(),
    sources: config.sources.length,
    collaborations: config.sources.some((s) => s.collaborations.kind === 'all')
      ? '*'
      : config.sources.reduce((n, s) => n + (s.collaborations.kind === 'listed' ? s.collaborations.collaborationIds.length : 0), 0),
    bucket: config.bucket,
    prefix: config.prefix,
    maxConcurrency: config.maxConcurrency,
  });
  let result: ExportRunResult;
  try {
    const openSource =
      options.openSource ?? awsSourceOpener({ maxAttempts: config.maxAttempts, requestTimeoutMs: config.requestTimeoutMs });
    result = await runExport({
      config,
      scheduledTime,
      openSource,
      s3,
      remainingTimeMs: options.remainingTimeMs,
      deadlineMarginMs: options.deadlineMarginMs,
      now,
      eventPublisher: options.eventPublisher,
    });
  } catch (error) {
    // Only the manifest write gets here: the snapshots may be complete but the run is not recorded.
    logger.error(LOG_MESSAGE.MANIFEST_WRITE_FAILED, { error: errorDetails(error) });
    publishAbortedRunMetrics(metrics);
    throw error;
  }
  const { manifest, manifestKey } = result;
  publishRunMetrics(metrics, manifest, Date.now() - started, result.statusChanges);
  const log = manifest.status === 'succeeded' ? logger.info.bind(logger) : logger.error.bind(logger);
  log(LOG_MESSAGE.EXPORT_FINISHED, {
    status: manifest.status,
    reason: manifest.reason,
    manifestKey,
    jobs: manifest.totals.jobs,
    deleteFailedJobs: manifest.totals.delete_failed_jobs,
    statusCounts: manifest.totals.status_counts,
    succeeded: manifest.totals.succeeded,
    failed: manifest.totals.failed,
    statusChanges: result.statusChanges.changes,
    statusEventsFailed: statusEventsFailed(manifest),
    durationMs: Date.now() - started,
  });
  return result;
}
