import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { createSecureBucket } from './secure-bucket';

/** How long server access logs are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 90;
/** How long a replaced or expired snapshot version is kept (retries overwrite keys; expiry leaves a delete marker). */
export const NONCURRENT_VERSION_RETENTION_DAYS = 30;

export interface SnapshotStorageProps {
  /** Days after which a snapshot (current version) expires; applies only to a bucket this construct creates. */
  readonly snapshotRetentionDays: number;
  /** Name of an existing bucket to write to instead; when set, no snapshot bucket is created. */
  readonly existingBucketName?: string;
}

/**
 * Where the snapshots live: a versioned, encrypted, private bucket with lifecycle rules, or an imported one; and
 * the server access logs bucket shared by every bucket of the stack.
 */
export class SnapshotStorage extends Construct {
  /** The bucket that receives snapshots and manifests (created or imported). */
  readonly bucket: s3.IBucket;
  /** Receives the server access logs of the buckets this stack creates. */
  readonly accessLogsBucket: s3.Bucket;
  /** True when `bucket` was imported with `existingBucketName`. */
  readonly imported: boolean;

  constructor(scope: Construct, id: string, props: SnapshotStorageProps) {
    super(scope, id);

    this.accessLogsBucket = createSecureBucket(this, 'AccessLogsBucket', {
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(ACCESS_LOG_RETENTION_DAYS) }],
    });

    this.imported = props.existingBucketName !== undefined;
    if (props.existingBucketName !== undefined) {
      this.bucket = s3.Bucket.fromBucketName(this, 'SnapshotBucket', props.existingBucketName);
    } else {
      this.bucket = createSecureBucket(this, 'SnapshotBucket', {
        versioned: true,
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: 'snapshot-bucket/',
        lifecycleRules: [
          {
            id: 'expire-snapshots',
            expiration: Duration.days(props.snapshotRetentionDays),
            noncurrentVersionExpiration: Duration.days(NONCURRENT_VERSION_RETENTION_DAYS),
          },
        ],
      });
    }
  }
}
