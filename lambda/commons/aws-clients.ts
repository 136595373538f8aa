import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CleanRoomsMLClient } from '../cleanroomsml/client';

/** Time allowed for one S3 request. */
export const S3_REQUEST_TIMEOUT_MS = 120_000;

/**
 * SDK clients, created once per execution environment and reused by warm invocations (their
 * connection pools and credentials stay warm). Keyed by the settings that can differ between runs.
 */
let cached: { key: string; s3: S3Client; cleanRooms: CleanRoomsMLClient } | undefined;

export interface AwsClientSettings {
  maxAttempts: number;
  requestTimeoutMs: number;
}

export function awsClients(settings: AwsClientSettings): { s3: S3Client; cleanRooms: CleanRoomsMLClient } {
  // AWS_DEFAULT_REGION is honoured too (the AWS CLI reads it; the JavaScript SDK alone would not).
  const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (!region) throw new Error('No AWS Region: set AWS_REGION (Lambda sets it)');
  const key = JSON.stringify([settings, region, process.env.AWS_ENDPOINT_URL, process.env.AWS_ENDPOINT_URL_S3, process.env.AWS_ENDPOINT_URL_CLEANROOMSML]);
  if (cached?.key !== key) {
    cached?.s3.destroy();
    cached?.cleanRooms.destroy();
    cached = {
      key,
      s3: new S3Client({
        region,
        // Custom endpoints (a local or S3-compatible server) rarely resolve virtual-hosted bucket names.
        forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL),
        // The SDK sets no timeout: a request that never answers would hold a CLI run forever. A part is at most
        // 8 MiB, which takes well under this even on a slow link; a timeout is retried like any transient error.
        requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: S3_REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true }),
      }),
      cleanRooms: new CleanRoomsMLClient({ region, maxAttempts: settings.maxAttempts, requestTimeoutMs: settings.requestTimeoutMs }),
    };
  }
  return { s3: cached.s3, cleanRooms: cached.cleanRooms };
}

/** Closes the cached clients' sockets, so that a CLI process can exit promptly. */
export function destroyAwsClients(): void {
  cached?.s3.destroy();
  cached?.cleanRooms.destroy();
  cached = undefined;
}
