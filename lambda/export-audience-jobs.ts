import type { Context } from 'aws-lambda';
import { logger } from './commons/logger';
import { ExportFailedError } from './export/export-failed-error';
import { runExportJob } from './export/export-job';

/**
 * Scheduled export of audience generation jobs. Input: `{"scheduledTime": "<ISO-8601>"}` from
 * EventBridge Scheduler, an EventBridge event (its `time`), or `{}` for now. Resolves with a summary
 * when every collaboration was exported; throws otherwise, after the manifest and metrics are written.
 */
export const handler = async (event: unknown, context: Context) => {
  logger.addContext(context);
  const { manifest, manifestKey } = await runExportJob(event, process.env, {
    remainingTimeMs: () => context.getRemainingTimeInMillis(),
  });
  if (manifest.status !== 'succeeded') {
    throw new ExportFailedError(manifest, manifestKey);
  }
  return {
    status: manifest.status,
    scheduledTime: manifest.scheduled_time,
    manifestKey,
    jobs: manifest.totals.jobs,
    collaborations: manifest.totals.collaborations,
  };
};
