import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { memoize } from '@smithy/property-provider';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { CleanRoomsMLClient } from '../cleanroomsml/client';
import { OperationPacer } from '../pacing/operation-pacer';

/** Time allowed for one S3 request. */
export const S3_REQUEST_TIMEOUT_MS = 120_000;
/** Time allowed for one PutEvents request (at most 10 entries, less than 256 KB in all). */
export const EVENTBRIDGE_REQUEST_TIMEOUT_MS = 10_000;
/** PutEvents attempts, the first included: the SDK retries throttled and failed requests; failed entries are retried by the publisher. */
export const EVENTBRIDGE_MAX_ATTEMPTS = 4;
/** Session name of the assumed roles: what CloudTrail shows in the member accounts. */
export const ROLE_SESSION_NAME = 'audience-jobs-exporter';
/** Assumed-role sessions last an hour (the role's default maximum); a run takes minutes. */
export const ROLE_SESSION_SECONDS = 3600;
/** Temporary credentials are refreshed this long before they expire, so that no request is signed with stale ones. */
const CREDENTIAL_REFRESH_MARGIN_MS = 5 * 60_000;

export interface AwsClientSettings {
  maxAttempts: number;
  requestTimeoutMs: number;
}

/** What a source is read with, before its account is known. */
export interface SourceCredentials {
  credentials: AwsCredentialIdentityProvider;
  sts: STSClient;
}

export interface SourceClientKey {
  region: string;
  roleArn: string | undefined;
  externalId: string | undefined;
}

/**
 * SDK clients, created once per execution environment and reused by warm invocations (their connection pools,
 * credentials and learned request rates stay warm). Keyed by the settings that can differ between runs.
 */
let s3Cached: { key: string; s3: S3Client } | undefined;
let eventBridgeCached: { key: string; client: EventBridgeClient } | undefined;
const credentialCache = new Map<string, SourceCredentials>();
const cleanRoomsCache = new Map<string, CleanRoomsMLClient>();
/**
 * One pacer per (account, Region): AWS applies its rate quotas per account, Region and operation, so two sources that
 * reach the same account and Region (two roles, or a role and the function's own credentials) share what they learn.
 */
const pacers = new Map<string, OperationPacer>();

/** The pacer of an (account, Region), kept, as the learned rates are, across warm invocations. */
export function pacerFor(accountId: string, region: string): OperationPacer {
  const key = `${accountId}:${region}`;
  let pacer = pacers.get(key);
  if (!pacer) pacers.set(key, (pacer = new OperationPacer()));
  return pacer;
}

function endpointsKey(): string {
  const env = process.env;
  return JSON.stringify([
    env.AWS_ENDPOINT_URL,
    env.AWS_ENDPOINT_URL_S3,
    env.AWS_ENDPOINT_URL_CLEANROOMSML,
    env.AWS_ENDPOINT_URL_STS,
    env.AWS_ENDPOINT_URL_EVENTBRIDGE,
  ]);
}

/** The S3 client of the snapshot bucket, with the function's own credentials and Region. */
export function s3Client(region: string): S3Client {
  const key = JSON.stringify([region, endpointsKey()]);
  if (s3Cached?.key !== key) {
    s3Cached?.s3.destroy();
    s3Cached = {
      key,
      s3: new S3Client({
        region,
        // Custom endpoints (a local or S3-compatible server) rarely resolve virtual-hosted bucket names.
        forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL),
        // The SDK sets no timeout: a request that never answers would hold a CLI run forever. A part is at most
        // 5 MiB, which takes well under this even on a slow link; a timeout is retried like any transient error.
        requestHandler: new NodeHttpHandler({
          connectionTimeout: 5_000,
          requestTimeout: S3_REQUEST_TIMEOUT_MS,
          throwOnRequestTimeout: true,
        }),
      }),
    };
  }
  return s3Cached.s3;
}

/**
 * The EventBridge client of the status-change events, with the function's own credentials and Region (honouring
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`, as the SDK does natively).
 */
export function eventBridgeClient(region: string): EventBridgeClient {
  const key = JSON.stringify([region, endpointsKey()]);
  if (eventBridgeCached?.key !== key) {
    eventBridgeCached?.client.destroy();
    eventBridgeCached = {
      key,
      client: new EventBridgeClient({
        region,
        maxAttempts: EVENTBRIDGE_MAX_ATTEMPTS,
        requestHandler: new NodeHttpHandler({
          connectionTimeout: 5_000,
          requestTimeout: EVENTBRIDGE_REQUEST_TIMEOUT_MS,
          throwOnRequestTimeout: true,
        }),
      }),
    };
  }
  return eventBridgeCached.client;
}

/**
 * A source's credentials: the function's own, or the role's, assumed through STS (honouring `AWS_ENDPOINT_URL_STS`,
 * as every SDK client does), cached and refreshed before they expire; and an STS client that uses them.
 */
export function sourceCredentials(source: SourceClientKey): SourceCredentials {
  const key = JSON.stringify([source.region, source.roleArn, source.externalId, endpointsKey()]);
  let cached = credentialCache.get(key);
  if (!cached) {
    const credentials = source.roleArn === undefined ? defaultProvider() : assumedRole(source.roleArn, source.externalId, source.region);
    cached = { credentials, sts: new STSClient({ region: source.region, credentials, maxAttempts: 3 }) };
    credentialCache.set(key, cached);
  }
  return cached;
}

/**
 * The Clean Rooms ML client of one source: it signs for the source's Region with its credentials, and paces with the
 * pacer of the source's (account, Region), which sources of one account and Region share.
 */
export function cleanRoomsClient(source: SourceClientKey, accountId: string, settings: AwsClientSettings): CleanRoomsMLClient {
  const key = JSON.stringify([source.region, source.roleArn, source.externalId, accountId, settings, endpointsKey()]);
  let client = cleanRoomsCache.get(key);
  if (!client) {
    const { credentials } = sourceCredentials(source);
    const pacer = pacerFor(accountId, source.region);
    client = new CleanRoomsMLClient({
      region: source.region,
      credentials,
      maxAttempts: settings.maxAttempts,
      requestTimeoutMs: settings.requestTimeoutMs,
      pacer,
    });
    cleanRoomsCache.set(key, client);
  }
  return client;
}

function assumedRole(roleArn: string, externalId: string | undefined, region: string): AwsCredentialIdentityProvider {
  const provider = fromTemporaryCredentials({
    params: { RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME, ExternalId: externalId, DurationSeconds: ROLE_SESSION_SECONDS },
    // The function's own credentials; STS in the source's Region (regional endpoints).
    masterCredentials: defaultProvider(),
    clientConfig: { region },
  });
  // fromTemporaryCredentials calls AssumeRole on every call: keep the session until it nears its expiration.
  return memoize(
    provider,
    (credentials: AwsCredentialIdentity) =>
      credentials.expiration !== undefined && credentials.expiration.getTime() - Date.now() < CREDENTIAL_REFRESH_MARGIN_MS,
    (credentials: AwsCredentialIdentity) => credentials.expiration !== undefined,
  );
}

/** Closes the cached clients' sockets, so that a CLI process can exit promptly, and forgets the learned rates. */
export function destroyAwsClients(): void {
  s3Cached?.s3.destroy();
  s3Cached = undefined;
  eventBridgeCached?.client.destroy();
  eventBridgeCached = undefined;
  for (const { sts } of credentialCache.values()) sts.destroy();
  for (const client of cleanRoomsCache.values()) client.destroy();
  credentialCache.clear();
  cleanRoomsCache.clear();
  pacers.clear();
}
