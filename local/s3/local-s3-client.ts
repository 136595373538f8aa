import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * A client of a local S3 server (s3rver, moto_server, the tests' fault proxy): path-style addressing, and request
 * checksums only where S3 requires them (s3rver would store the aws-chunked framing of a checksummed stream as part of
 * the object). `options` adds to or overrides these.
 */
export function localS3Client(endpoint: string, credentials: AwsCredentialIdentity, options: S3ClientConfig = {}): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint,
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    ...options,
  });
}
