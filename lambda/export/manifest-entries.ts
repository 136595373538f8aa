import { errorDetails } from '../commons/error-details';
import type { CollaborationManifestEntry } from '../snapshot/manifest';

/** Where an entry's jobs came from: the source's account (null if unknown), Region and role. */
export interface EntryOrigin {
  accountId: string | null;
  region: string;
  roleArn: string | undefined;
}

/** What one collaboration's export counted, succeeded or not. */
export interface EntryCounts {
  collaborationId: string;
  jobCount: number;
  statusCounts: Record<string, number>;
  pages: number;
  /** `Date.now()` when the collaboration's export started. */
  started: number;
}

/** Status-change events of a succeeded collaboration; null for both when nothing was compared. */
export interface EntryEvents {
  sent: number | null;
  failed: number | null;
}

export function succeededEntry(
  origin: EntryOrigin,
  counts: EntryCounts,
  object: { key: string; bytes: number },
  events: EntryEvents = { sent: null, failed: null },
): CollaborationManifestEntry {
  return {
    ...common(origin, counts),
    status: 'succeeded',
    object_key: object.key,
    object_bytes: object.bytes,
    error: null,
    status_events_sent: events.sent,
    status_events_failed: events.failed,
  };
}

/** A failed collaboration: no object; `job_count` is what was read before it failed (none of it was kept). */
export function failedEntry(origin: EntryOrigin, counts: EntryCounts, error: unknown): CollaborationManifestEntry {
  const { name, message } = errorDetails(error);
  return {
    ...common(origin, counts),
    status: 'failed',
    object_key: null,
    object_bytes: null,
    error: { name, message },
    status_events_sent: null,
    status_events_failed: null,
  };
}

/** Counts of a collaboration that was never started. */
export function notStartedCounts(collaborationId: string): EntryCounts {
  return { collaborationId, jobCount: 0, statusCounts: {}, pages: 0, started: Date.now() };
}

function common(origin: EntryOrigin, counts: EntryCounts) {
  return {
    collaboration_id: counts.collaborationId,
    account_id: origin.accountId,
    region: origin.region,
    role_arn: origin.roleArn ?? null,
    job_count: counts.jobCount,
    status_counts: counts.statusCounts,
    delete_failed_jobs: counts.statusCounts.DELETE_FAILED ?? 0,
    pages: counts.pages,
    duration_ms: Date.now() - counts.started,
  };
}
