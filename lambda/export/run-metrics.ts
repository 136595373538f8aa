import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { COLLABORATION_DIMENSION, METRIC } from '../commons/constants';
import type { RunManifest } from '../snapshot/manifest';

/**
 * The run's metrics, as EMF. Totals carry only the `service` dimension (the alarms read those);
 * per-collaboration values add `CollaborationId`. Job counts cover the succeeded collaborations, i.e.
 * what is in S3. `DeleteFailedJobs` is emitted even when it is 0, so its alarm sees a steady series.
 */
export function publishRunMetrics(metrics: Metrics, manifest: RunManifest, runDurationMs: number): void {
  for (const entry of manifest.collaborations) {
    if (entry.status !== 'succeeded') continue;
    const perCollaboration = metrics.singleMetric();
    perCollaboration.addDimension(COLLABORATION_DIMENSION, entry.collaboration_id);
    // singleMetric() flushes one metric per call; the dimension is kept for both.
    perCollaboration.addMetric(METRIC.EXPORTED_JOBS, MetricUnit.Count, entry.job_count);
    perCollaboration.addMetric(METRIC.DELETE_FAILED_JOBS, MetricUnit.Count, entry.delete_failed_jobs);
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
