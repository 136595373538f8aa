import type { AudienceGenerationJobSummary, StatusDetails } from '../cleanroomsml/types';
import type { SnapshotRecord } from './record-schema';

/** `arn:{partition}:cleanrooms-ml:{region}:{account}:audience-generation-job/...` → its region and account. */
export function parseJobArn(arn: string): { region: string; accountId: string } {
  const parts = arn.split(':');
  const region = parts[3];
  const accountId = parts[4];
  if (parts.length < 6 || parts[0] !== 'arn' || !region || !accountId || !/^[0-9]{12}$/.test(accountId)) {
    throw new Error(`Job ARN ${JSON.stringify(arn.slice(0, 200))} has no region and account id`);
  }
  return { region, accountId };
}

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
