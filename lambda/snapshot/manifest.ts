import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Compression } from '../config-rules/compression';

/**
 * Why a run failed: some collaborations failed, or the Lambda deadline came first; or every snapshot was written but
 * some status-change events could not be delivered, or a comparison with the previous snapshot could not be made (the
 * run's retry compares and sends them again).
 */
export type RunFailureReason = 'collaboration_failed' | 'deadline' | 'status_events_failed';

export interface ManifestError {
  name: string;
  message: string;
}

/**
 * One collaboration's outcome, from one source. A failed collaboration has no object (`object_key` null). A source
 * that could not be opened (a role that cannot be assumed) fails each of its collaborations, or its `*`.
 */
export interface CollaborationManifestEntry {
  collaboration_id: string;
  /** The account whose jobs were listed; for a source whose role could not be assumed, the role's account. */
  account_id: string | null;
  region: string;
  /** The role assumed for this source; null for the function's own credentials. */
  role_arn: string | null;
  status: 'succeeded' | 'failed';
  /** Jobs written; for a failed collaboration, the jobs read before it failed (none were kept). */
  job_count: number;
  status_counts: Record<string, number>;
  delete_failed_jobs: number;
  pages: number;
  object_key: string | null;
  object_bytes: number | null;
  duration_ms: number;
  error: ManifestError | null;
  /**
   * Status-change events accepted by EventBridge for this snapshot; null when there was nothing to compare with
   * (events off, no previous snapshot) or the collaboration failed.
   */
  status_events_sent: number | null;
  /**
   * Status-change events that could not be delivered (the run then fails); 1, with 0 sent, when the comparison itself
   * could not be made (the pointer or the previous snapshot could not be read, or is no longer kept): how many events
   * there would be is unknown. Null as `status_events_sent`.
   */
  status_events_failed: number | null;
}

/** One configured source, as the run resolved it. */
export interface ManifestSource {
  region: string;
  role_arn: string | null;
  /** From GetCallerIdentity with the source's credentials; null when they could not be had. */
  account_id: string | null;
  collaboration_selection: string[] | '*';
  status: 'succeeded' | 'failed';
  /** Why the source could not be read at all (the role could not be assumed, ...); null otherwise. */
  error: ManifestError | null;
}

export interface RunManifest {
  /** 2: entries carry account_id, region and role_arn, and the manifest lists its sources. */
  manifest_version: 2;
  scheduled_time: string;
  started_at: string;
  finished_at: string;
  status: 'succeeded' | 'failed';
  reason: RunFailureReason | null;
  bucket: string;
  prefix: string;
  compression: Compression;
  /**
   * `*` when every collaboration a source can see was exported; else the listed collaborations. With several
   * sources: `*` if any source selects `*`, else every listed id once; `sources` has each source's own selection.
   */
  collaboration_selection: string[] | '*';
  sources: ManifestSource[];
  configured_audience_model_arn: string | null;
  totals: {
    collaborations: number;
    succeeded: number;
    failed: number;
    jobs: number;
    delete_failed_jobs: number;
    status_counts: Record<string, number>;
  };
  collaborations: CollaborationManifestEntry[];
}

export async function writeManifest(s3: S3Client, bucket: string, key: string, manifest: RunManifest): Promise<void> {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(manifest, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
}
