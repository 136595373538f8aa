import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Compression } from './key-layout';

export const MANIFEST_VERSION = 1;

/** Why a run failed: some collaborations failed, or the Lambda deadline came first. */
export type RunFailureReason = 'collaboration_failed' | 'deadline';

export interface ManifestError {
  name: string;
  message: string;
}

/** One collaboration's outcome. A failed collaboration has no object (`object_key` null). */
export interface CollaborationManifestEntry {
  collaboration_id: string;
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
}

export interface RunManifest {
  manifest_version: number;
  scheduled_time: string;
  started_at: string;
  finished_at: string;
  status: 'succeeded' | 'failed';
  reason: RunFailureReason | null;
  bucket: string;
  prefix: string;
  compression: Compression;
  /** `*` when every collaboration the account can see was exported. */
  collaboration_selection: string[] | '*';
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
