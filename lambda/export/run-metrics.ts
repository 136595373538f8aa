import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, METRIC, REGION_DIMENSION } from '../commons/constants';
import type { CollaborationManifestEntry } from '../snapshot/manifest';
import type { RunManifest } from '../snapshot/manifest';

/**
 * The run's metrics, as EMF. Totals carry only the `service` dimension (the alarms read those);
 * per-collaboration values add `AccountId`, `CollaborationId` and `Region`. Job counts cover the succeeded collaborations, i.e.
 * what is in S3. `DeleteFailedJobs` is emitted even when it is 0, so its alarm sees a steady series.
 */
export function publishRunMetrics(metrics: Metrics, manifest: RunManifest, runDurationMs: number): void {
  for (const entry of manifest.collaborations) {
    if (entry.status !== 'succeeded') continue;
    publishPerCollaboration(metrics, entry, METRIC.EXPORTED_JOBS, entry.job_count);
    publishPerCollaboration(metrics, entry, METRIC.DELETE_FAILED_JOBS, entry.delete_failed_jobs);
  }
  metrics.addMetric(METRIC.EXPORTED_JOBS, MetricUnit.Count, manifest.totals.jobs);
  metrics.addMetric(METRIC.DELETE_FAILED_JOBS, MetricUnit.Count, manifest.totals.delete_failed_jobs);
  metrics.addMetric(METRIC.FAILED_COLLABORATIONS, MetricUnit.Count, manifest.totals.failed);
  metrics.addMetric(METRIC.EXPORT_SUCCEEDED, MetricUnit.Count, manifest.status === 'succeeded' ? 1 : 0);
  metrics.addMetric(METRIC.RUN_DURATION, MetricUnit.Milliseconds, runDurationMs);
  metrics.publishStoredMetrics();
}

/** A run that could not even start (bad configuration) still tells the heartbeat and failure alarms. */
export function publishAbortedRunMetrics(metrics: Metrics): void {
  metrics.addMetric(METRIC.EXPORT_SUCCEEDED, MetricUnit.Count, 0);
  metrics.publishStoredMetrics();
}

/** singleMetric() flushes on addMetric and then forgets its dimensions, so each value needs its own. */
function publishPerCollaboration(metrics: Metrics, entry: CollaborationManifestEntry, name: string, value: number): void {
  const single = metrics.singleMetric();
  // A succeeded entry always knows its account: it was learned before anything was listed.
  single.addDimension(ACCOUNT_DIMENSION, entry.account_id ?? 'unknown');
  single.addDimension(COLLABORATION_DIMENSION, entry.collaboration_id);
  single.addDimension(REGION_DIMENSION, entry.region);
  single.addMetric(name, MetricUnit.Count, value);
}
