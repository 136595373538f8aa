import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, METRIC, REGION_DIMENSION } from '../commons/constants';
import type { RunManifest } from '../snapshot/manifest';
import { type ChangeCounts, noChanges } from '../status/snapshot-diff';
import { ALL_COLLABORATIONS } from './exporter';

/**
 * The run's metrics, as EMF. Totals carry only the `service` dimension (the alarms read those);
 * per-collaboration values add `AccountId`, `CollaborationId` and `Region` (for a `*` source, one value for all its
 * collaborations: see {@link publishPerCollaboration}). Job counts cover the succeeded collaborations, i.e.
 * what is in S3. `DeleteFailedJobs` is emitted even when it is 0, so its alarm sees a steady series; so are the
 * status-change totals: `StatusChanges`, `NewDeleteFailedJobs`, `NewCreateFailedJobs` (what the comparisons with the
 * previous snapshots found) and `StatusEventsFailed` (events not delivered, from the manifest).
 */
export function publishRunMetrics(
  metrics: Metrics,
  manifest: RunManifest,
  runDurationMs: number,
  statusChanges: ChangeCounts = noChanges(),
): void {
  publishPerCollaboration(metrics, manifest);
  metrics.addMetric(METRIC.EXPORTED_JOBS, MetricUnit.Count, manifest.totals.jobs);
  metrics.addMetric(METRIC.DELETE_FAILED_JOBS, MetricUnit.Count, manifest.totals.delete_failed_jobs);
  metrics.addMetric(METRIC.FAILED_COLLABORATIONS, MetricUnit.Count, manifest.totals.failed);
  metrics.addMetric(METRIC.EXPORT_SUCCEEDED, MetricUnit.Count, manifest.status === 'succeeded' ? 1 : 0);
  metrics.addMetric(METRIC.RUN_DURATION, MetricUnit.Milliseconds, runDurationMs);
  metrics.addMetric(METRIC.STATUS_CHANGES, MetricUnit.Count, statusChanges.changes);
  metrics.addMetric(METRIC.NEW_DELETE_FAILED_JOBS, MetricUnit.Count, statusChanges.newDeleteFailed);
  metrics.addMetric(METRIC.NEW_CREATE_FAILED_JOBS, MetricUnit.Count, statusChanges.newCreateFailed);
  metrics.addMetric(METRIC.STATUS_EVENTS_FAILED, MetricUnit.Count, statusEventsFailed(manifest));
  metrics.publishStoredMetrics();
}

/** Status-change events not delivered, over the run's collaborations. */
export function statusEventsFailed(manifest: RunManifest): number {
  return manifest.collaborations.reduce((n, entry) => n + (entry.status_events_failed ?? 0), 0);
}

/** A run that could not even start (bad configuration) still tells the heartbeat and failure alarms. */
export function publishAbortedRunMetrics(metrics: Metrics): void {
  metrics.addMetric(METRIC.EXPORT_SUCCEEDED, MetricUnit.Count, 0);
  metrics.publishStoredMetrics();
}

/**
 * `ExportedJobs` and `DeleteFailedJobs` per collaboration, one EMF document each (both values), for the
 * collaborations a source lists. A `*` source gets one document for all its collaborations, with `CollaborationId`
 * `*`: each (account, Region, collaboration) is a custom metric, billed per metric and month, and a `*` over 5,000
 * collaborations would make 10,000 of them, more than the dashboard's SEARCH (500 series) even shows; per
 * collaboration, the snapshots and Athena have the counts. The documents go through the one `metrics` instance
 * (`publishStoredMetrics` clears the dimensions it was given): a `singleMetric()` per value is a new Powertools
 * `Metrics` with its own `Console`, which each pending stdout write kept alive until the loop yielded (70 MB of heap
 * at 10,000 values).
 */
function publishPerCollaboration(metrics: Metrics, manifest: RunManifest): void {
  const sourceKey = (region: string, roleArn: string | null) => `${region} ${roleArn ?? ''}`;
  const allSources = new Set(manifest.sources.filter((s) => s.collaboration_selection === '*').map((s) => sourceKey(s.region, s.role_arn)));
  const perAllSource = new Map<string, { accountId: string; region: string; jobs: number; deleteFailed: number }>();
  for (const entry of manifest.collaborations) {
    if (entry.status !== 'succeeded') continue;
    // A succeeded entry always knows its account: it was learned before anything was listed.
    const accountId = entry.account_id ?? 'unknown';
    const key = sourceKey(entry.region, entry.role_arn);
    if (!allSources.has(key)) {
      publishDocument(metrics, accountId, entry.collaboration_id, entry.region, entry.job_count, entry.delete_failed_jobs);
      continue;
    }
    let total = perAllSource.get(key);
    if (!total) perAllSource.set(key, (total = { accountId, region: entry.region, jobs: 0, deleteFailed: 0 }));
    total.jobs += entry.job_count;
    total.deleteFailed += entry.delete_failed_jobs;
  }
  for (const total of perAllSource.values())
    publishDocument(metrics, total.accountId, ALL_COLLABORATIONS, total.region, total.jobs, total.deleteFailed);
}

function publishDocument(
  metrics: Metrics,
  accountId: string,
  collaborationId: string,
  region: string,
  jobs: number,
  deleteFailed: number,
): void {
  metrics.addDimension(ACCOUNT_DIMENSION, accountId);
  metrics.addDimension(COLLABORATION_DIMENSION, collaborationId);
  metrics.addDimension(REGION_DIMENSION, region);
  metrics.addMetric(METRIC.EXPORTED_JOBS, MetricUnit.Count, jobs);
  metrics.addMetric(METRIC.DELETE_FAILED_JOBS, MetricUnit.Count, deleteFailed);
  metrics.publishStoredMetrics();
}
