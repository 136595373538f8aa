/** What a status-change event must carry, computed from the specification independently of the exporter. */
import { createHash } from 'node:crypto';
import type { EmulatorJob } from '../../local/emulator';

/** The series an event describes: the account the job was listed with, its Region and the collaboration. */
export interface EventOwner {
  accountId: string;
  region: string;
  collaborationId: string;
}

const iso = (t: string) => new Date(t).toISOString();

/** The event id the specification describes: a UUID-shaped SHA-256 of the change and the scheduled time. */
export function expectedEventId(fields: [string, string, string, string, string, string | null, string, string]): string {
  const digest = createHash('sha256').update(JSON.stringify(fields), 'utf8').digest();
  digest[6] = (digest[6] & 0x0f) | 0x80;
  digest[8] = (digest[8] & 0x3f) | 0x80;
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The detail an event must carry, from the emulator's job (its state in the snapshot the event describes). */
export function expectedDetail(
  change: 'created' | 'status_changed' | 'removed',
  job: EmulatorJob,
  previousStatus: string | null,
  owner: EventOwner,
  times: { snapshot: string; previous: string },
) {
  const failed = job.status === 'CREATE_FAILED' || job.status === 'DELETE_FAILED';
  const status = job.status;
  const snapshotTime = iso(times.snapshot);
  return {
    event_id: expectedEventId([
      owner.accountId,
      owner.region,
      owner.collaborationId,
      job.audienceGenerationJobArn,
      change,
      previousStatus,
      status,
      snapshotTime,
    ]),
    change,
    audience_generation_job_arn: job.audienceGenerationJobArn,
    name: job.name,
    collaboration_id: owner.collaborationId,
    account_id: owner.accountId,
    region: owner.region,
    previous_status: previousStatus,
    status,
    status_details:
      failed && job.statusDetails
        ? { status_code: job.statusDetails.statusCode ?? null, message: job.statusDetails.message ?? null }
        : null,
    update_time: new Date(job.updateTime).toISOString(),
    snapshot_time: snapshotTime,
    previous_snapshot_time: iso(times.previous),
  };
}
