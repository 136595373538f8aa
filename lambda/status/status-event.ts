import { createHash } from 'node:crypto';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { STATUS_EVENT } from '../commons/constants';
import type { SnapshotOwner } from '../snapshot/key-layout';
import type { SnapshotStatusDetails } from '../snapshot/record-schema';

/** What happened to a job between the previous snapshot and this one. */
export type StatusChange = 'created' | 'status_changed' | 'removed';

/**
 * The `Detail` of a status-change event: every key always present, null where there is no value. Key order is the
 * order of the specification (and of the JSON).
 */
export interface StatusEventDetail {
  /** The same for the same change at the same scheduled time (see {@link statusEventId}): consumers deduplicate on it. */
  event_id: string;
  change: StatusChange;
  audience_generation_job_arn: string;
  name: string;
  collaboration_id: string;
  /**
   * The account the exporter listed the job with (the source's: its role's account, or the function's own), as in the
   * snapshot's object key, the pointer and the manifest entry: with `region` and `collaboration_id` it names the series
   * the job was compared in. The job's own account is in its ARN (the snapshot row's `account_id`), which need not be
   * the same.
   */
  account_id: string;
  region: string;
  /** Null for `created`; for `removed`, the last status seen (as `status`). */
  previous_status: string | null;
  /** For `removed`, the last status seen. */
  status: string;
  status_details: SnapshotStatusDetails | null;
  update_time: string | null;
  /** This run's scheduled time, ISO-8601 with milliseconds. */
  snapshot_time: string;
  previous_snapshot_time: string | null;
}

/** The parts of a snapshot record an event carries. */
export interface EventJob {
  audience_generation_job_arn: string;
  name: string;
  status: string;
  status_details: SnapshotStatusDetails | null;
  update_time: string | null;
}

export interface StatusEventContext {
  owner: SnapshotOwner;
  /** ISO-8601 with milliseconds. */
  snapshotTime: string;
  previousSnapshotTime: string | null;
}

/**
 * The event of one change. `job` is the current record (`created`, `status_changed`) or the previous one (`removed`);
 * `previousStatus` is the status in the previous snapshot (null for `created`).
 */
export function statusEventDetail(
  change: StatusChange,
  job: EventJob,
  previousStatus: string | null,
  context: StatusEventContext,
): StatusEventDetail {
  const { owner } = context;
  return {
    event_id: statusEventId({
      ...owner,
      jobArn: job.audience_generation_job_arn,
      change,
      previousStatus,
      status: job.status,
      snapshotTime: context.snapshotTime,
    }),
    change,
    audience_generation_job_arn: job.audience_generation_job_arn,
    name: job.name,
    collaboration_id: owner.collaborationId,
    account_id: owner.accountId,
    region: owner.region,
    previous_status: previousStatus,
    status: job.status,
    status_details: job.status_details ?? null,
    update_time: job.update_time ?? null,
    snapshot_time: context.snapshotTime,
    previous_snapshot_time: context.previousSnapshotTime,
  };
}

/**
 * A UUID-shaped id (version 8, RFC 9562's custom layout) of the first 122 bits of SHA-256 over the account, Region,
 * collaboration, job ARN, change, previous status, status and scheduled time: a rerun of the same scheduled time
 * sends the same change with the same id.
 */
export function statusEventId(fields: {
  accountId: string;
  region: string;
  collaborationId: string;
  jobArn: string;
  change: StatusChange;
  previousStatus: string | null;
  status: string;
  snapshotTime: string;
}): string {
  // A JSON array separates the fields unambiguously, whatever they contain.
  const input = JSON.stringify([
    fields.accountId,
    fields.region,
    fields.collaborationId,
    fields.jobArn,
    fields.change,
    fields.previousStatus,
    fields.status,
    fields.snapshotTime,
  ]);
  const digest = createHash('sha256').update(input, 'utf8').digest();
  digest[6] = (digest[6] & 0x0f) | 0x80; // version 8
  digest[8] = (digest[8] & 0x3f) | 0x80; // variant 10
  const hex = digest.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** One PutEvents entry: the event on `eventBusName`, at the run's scheduled time. */
export function statusEventEntry(detail: StatusEventDetail, eventBusName: string, scheduledTime: Date): PutEventsRequestEntry {
  return {
    Source: STATUS_EVENT.SOURCE,
    DetailType: STATUS_EVENT.DETAIL_TYPE,
    Resources: [detail.audience_generation_job_arn],
    Time: scheduledTime,
    EventBusName: eventBusName,
    Detail: JSON.stringify(detail),
  };
}
