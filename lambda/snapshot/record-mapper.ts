import type { AudienceGenerationJobSummary, StatusDetails } from '../cleanroomsml/types';
import type { SnapshotRecord } from './record-schema';

/** `arn:{partition}:cleanrooms-ml:{region}:{account}:audience-generation-job/...` → its region and account. */
export function parseJobArn(arn: string): { region: string; accountId: string } {
  // indexOf rather than split: this runs once per job, and the resource part may hold more colons.
  const afterPartition = arn.indexOf(':', 4);
  const afterService = afterPartition < 0 ? -1 : arn.indexOf(':', afterPartition + 1);
  const afterRegion = afterService < 0 ? -1 : arn.indexOf(':', afterService + 1);
  const afterAccount = afterRegion < 0 ? -1 : arn.indexOf(':', afterRegion + 1);
  const region = arn.slice(afterService + 1, afterRegion);
  const accountId = arn.slice(afterRegion + 1, afterAccount);
  if (!arn.startsWith('arn:') || afterAccount < 0 || !region || !ACCOUNT_ID.test(accountId)) {
    throw new Error(`Job ARN ${JSON.stringify(arn.slice(0, 200))} has no region and account id`);
  }
  return { region, accountId };
}

const ACCOUNT_ID = /^[0-9]{12}$/;

/**
 * One API job summary → one snapshot record. Absent optional values become null, so every key is on
 * every line. `statusDetails` is given only for the failed statuses it was fetched for.
 */
export function toSnapshotRecord(
  job: AudienceGenerationJobSummary,
  context: { queriedCollaborationId: string; snapshotTime: string; statusDetails?: StatusDetails | null },
): SnapshotRecord {
  const { region, accountId } = parseJobArn(job.audienceGenerationJobArn);
  const details = context.statusDetails;
  return {
    audience_generation_job_arn: job.audienceGenerationJobArn,
    name: job.name,
    description: job.description ?? null,
    status: job.status,
    configured_audience_model_arn: job.configuredAudienceModelArn,
    collaboration_id: job.collaborationId ?? context.queriedCollaborationId,
    started_by: job.startedBy ?? null,
    create_time: job.createTime.toISOString(),
    update_time: job.updateTime.toISOString(),
    status_details: details ? { status_code: details.statusCode ?? null, message: details.message ?? null } : null,
    snapshot_time: context.snapshotTime,
    account_id: accountId,
    region,
  };
}
