import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Settings shared by every bucket the stack creates. */
export interface SecureBucketProps {
  /** Lifecycle rules of the bucket; an abort-incomplete-multipart-uploads-after-1-day rule is always added. */
  readonly lifecycleRules?: s3.LifecycleRule[];
  /** Keep every object version. */
  readonly versioned?: boolean;
  /** Bucket that receives this bucket's server access logs; omit only for the access logs bucket itself. */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /** Key prefix of this bucket's server access logs in `serverAccessLogsBucket`. */
  readonly serverAccessLogsPrefix?: string;
}

/**
 * An S3 bucket with the stack's baseline: Block Public Access, TLS 1.2+ only (`enforceSSL`), S3-managed encryption
 * (SSE-S3, the only encryption a server-access-logs target supports), bucket-owner-enforced ownership (no ACLs),
 * and incomplete multipart uploads aborted after 1 day. Retained when the stack is deleted.
 */
export function createSecureBucket(scope: Construct, id: string, props: SecureBucketProps): s3.Bucket {
  return new s3.Bucket(scope, id, {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    encryption: s3.BucketEncryption.S3_MANAGED,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: props.versioned ?? false,
    serverAccessLogsBucket: props.serverAccessLogsBucket,
    serverAccessLogsPrefix: props.serverAccessLogsPrefix,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [
      { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ...(props.lifecycleRules ?? []),
    ],
  });
}
