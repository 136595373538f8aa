import { randomUUID } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { getRetryAfterHint, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import type { HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  RetryErrorType,
  RetryStrategyV2,
  RetryToken,
} from '@smithy/types';
import { AdaptiveRetryStrategy } from '@smithy/util-retry';
import type { GetAudienceGenerationJobCommand, ListAudienceGenerationJobsCommand, CleanRoomsMLCommand } from './commands';
import { resolveEndpoint } from './endpoint';
import { CleanRoomsMLServiceException, InvalidResponseError } from './errors';
import { ERROR_HTTP_STATUS, SIGNING_NAME } from './model-constants';
import { parseJsonBody } from './deserialize';
import type {
  GetAudienceGenerationJobCommandOutput,
  ListAudienceGenerationJobsCommandOutput,
  ResponseMetadata,
} from './types';

export const CLIENT_DEFAULT_MAX_ATTEMPTS = 10;
export const CLIENT_DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const USER_AGENT = 'cleanroomsml-audience-jobs-exporter/0.1';

export interface CleanRoomsMLClientConfig {
  /** AWS Region to sign for and to build the default endpoint from. Default: `AWS_REGION`, then `AWS_DEFAULT_REGION`. */
  region?: string;
  /** Endpoint override. Default: `AWS_ENDPOINT_URL_CLEANROOMSML`, `AWS_ENDPOINT_URL`, then the regional endpoint. */
  endpoint?: string;
  /** Static credentials or a provider. Default: the AWS SDK's default Node.js credential chain. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Attempts per request, the first included. Default 10. */
  maxAttempts?: number;
  /** Time allowed for one attempt, from sending to the whole body received. Default 30,000 ms. */
  requestTimeoutMs?: number;
  /**
   * Retry strategy. Default: the SDK's adaptive strategy (capped exponential backoff with jitter, and a
   * client-side token bucket that slows every request of this client down after throttling).
   */
  retryStrategy?: RetryStrategyV2;
}

export interface SendOptions {
  /** Aborts the request and any wait for a retry. */
  abortSignal?: AbortSignal;
}

/**
 * A small Clean Rooms ML client for the two read operations the exporter needs, built from the same
 * runtime packages as `@aws-sdk/client-cleanroomsml` (SigV4 signer, Node HTTP handler, retry strategy,
 * credential chain). `send(new XCommand(input))` mirrors the official client.
 */
export class CleanRoomsMLClient {
  readonly region: string;
  readonly endpoint: URL;
  private readonly signer: SignatureV4;
  private readonly httpHandler: NodeHttpHandler;
  private readonly retryStrategy: RetryStrategyV2;
  private readonly requestTimeoutMs: number;

  constructor(config: CleanRoomsMLClientConfig = {}) {
    const region = config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) {
      throw new Error('Clean Rooms ML client: no AWS region; set AWS_REGION');
    }
    this.region = region;
    this.endpoint = resolveEndpoint(region, config.endpoint);
    const requestTimeout = config.requestTimeoutMs ?? CLIENT_DEFAULT_REQUEST_TIMEOUT_MS;
    this.requestTimeoutMs = requestTimeout;
    const maxAttempts = config.maxAttempts ?? CLIENT_DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new Error(`Clean Rooms ML client: maxAttempts must be a positive integer, got ${maxAttempts}`);
    }
    this.httpHandler = new NodeHttpHandler({
      connectionTimeout: Math.min(requestTimeout, 5_000),
      requestTimeout,
      throwOnRequestTimeout: true,
      socketTimeout: requestTimeout,
      httpsAgent: { keepAlive: true, maxSockets: 50 },
      httpAgent: { keepAlive: true, maxSockets: 50 },
    });
    this.signer = new SignatureV4({
      service: SIGNING_NAME,
      region,
      credentials: config.credentials ?? defaultProvider(),
      sha256: Hash.bind(null, 'sha256'),
    });
    this.retryStrategy = config.retryStrategy ?? new AdaptiveRetryStrategy(async () => maxAttempts);
  }

  send(command: ListAudienceGenerationJobsCommand, options?: SendOptions): Promise<ListAudienceGenerationJobsCommandOutput>;
  send(command: GetAudienceGenerationJobCommand, options?: SendOptions): Promise<GetAudienceGenerationJobCommandOutput>;
  async send<I, O>(command: CleanRoomsMLCommand<I, O>, options: SendOptions = {}): Promise<O> {
    const { abortSignal } = options;
    const invocationId = randomUUID();
    let retryToken: RetryToken = await this.retryStrategy.acquireInitialRetryToken(command.operationName);
    let attempts = 0;
    let totalRetryDelay = 0;
    for (;;) {
      abortSignal?.throwIfAborted();
      attempts++;
      let httpResponse: HttpResponse | undefined;
      // The handler's own timer stops at the response headers; this one also bounds a trickling body. A timer
      // cleared when the attempt ends, not AbortSignal.timeout(), which leaves its timer behind every request until
      // it fires (requestTimeoutMs) or a full GC collects the signal: at hundreds of requests a second they pile up
      // in the old generation (4 to 25 MB more heap at the peak of a million-job walk, measured by npm run bench).
      const attempt = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        attempt.abort();
      }, this.requestTimeoutMs).unref();
      const forwardAbort = () => attempt.abort(abortSignal?.reason);
      abortSignal?.addEventListener('abort', forwardAbort, { once: true });
      const endAttempt = () => {
        clearTimeout(timer);
        abortSignal?.removeEventListener('abort', forwardAbort);
      };
      try {
        const request = command.serialize(this.endpoint);
        request.headers['user-agent'] = USER_AGENT;
        request.headers['amz-sdk-invocation-id'] = invocationId;
        request.headers['amz-sdk-request'] = `attempt=${attempts}`;
        const signed = await this.signer.sign(request);
        ({ response: httpResponse } = await this.httpHandler.handle(signed as typeof request, { abortSignal: attempt.signal }));
        const body = Buffer.from(await streamCollector(httpResponse.body)).toString('utf8');
        const $metadata: ResponseMetadata = {
          httpStatusCode: httpResponse.statusCode,
          requestId: requestIdOf(httpResponse),
          attempts,
          totalRetryDelay,
        };
        if (httpResponse.statusCode < 200 || httpResponse.statusCode >= 300) {
          throw toServiceException(httpResponse, body, $metadata);
        }
        endAttempt();
        const output = command.deserialize(parseJsonBody(body, $metadata), $metadata);
        this.retryStrategy.recordSuccess(retryToken);
        return output;
      } catch (error) {
        endAttempt();
        let err = error as Error & { $metadata?: ResponseMetadata };
        if (timedOut && !abortSignal?.aborted) {
          err = Object.assign(new Error(`Attempt ${attempts} took longer than ${this.requestTimeoutMs} ms`), { name: 'TimeoutError', code: 'ETIMEDOUT' });
        }
        if (abortSignal?.aborted || err.name === 'AbortError') {
          throw abortSignal?.reason ?? err;
        }
        const errorType = retryErrorType(err);
        if (errorType === 'CLIENT_ERROR' || err instanceof InvalidResponseError) {
          throw withAttempts(err, attempts, totalRetryDelay);
        }
        const before = Date.now();
        try {
          retryToken = await abortable(
            this.retryStrategy.refreshRetryTokenForRetry(retryToken, {
              errorType,
              error: err,
              retryAfterHint: httpResponse ? getRetryAfterHint(httpResponse) : undefined,
            } as Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1]),
            abortSignal,
          );
        } catch (refusal) {
          if (abortSignal?.aborted) throw abortSignal.reason;
          // Out of attempts or retry capacity: surface the service's error, not the strategy's refusal.
          throw withAttempts(err, attempts, totalRetryDelay);
        }
        totalRetryDelay += Date.now() - before;
      }
    }
  }

  /** Closes kept-alive sockets. */
  destroy(): void {
    this.httpHandler.destroy();
  }
}

/** Classification as the SDK's retry middleware does it. */
function retryErrorType(error: Error): RetryErrorType {
  if (isThrottlingError(error as never)) return 'THROTTLING';
  if (isTransientError(error as never)) return 'TRANSIENT';
  if (isServerError(error as never)) return 'SERVER_ERROR';
  return 'CLIENT_ERROR';
}

function toServiceException(response: HttpResponse, body: string, $metadata: ResponseMetadata): CleanRoomsMLServiceException {
  let parsed: Record<string, unknown> = {};
  try {
    const json: unknown = JSON.parse(body);
    if (json && typeof json === 'object') parsed = json as Record<string, unknown>;
  } catch {
    // Non-JSON error bodies (a proxy's HTML page) still get a name from the status code below.
  }
  const name =
    sanitizeErrorType(headerOf(response, 'x-amzn-errortype')) ??
    sanitizeErrorType(typeof parsed.__type === 'string' ? parsed.__type : undefined) ??
    sanitizeErrorType(typeof parsed.code === 'string' ? parsed.code : undefined) ??
    errorNameForStatus(response.statusCode);
  const rawMessage = parsed.message ?? parsed.Message ?? parsed.errorMessage;
  const message = typeof rawMessage === 'string' && rawMessage ? rawMessage : `HTTP ${response.statusCode} ${name}`;
  return new CleanRoomsMLServiceException({
    name,
    message,
    $fault: response.statusCode >= 500 ? 'server' : 'client',
    $metadata,
  });
}

/** `x-amzn-errortype` and `__type` may carry a namespace prefix and a `:` suffix (`ns#Name:http://...`). */
function sanitizeErrorType(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const withoutSuffix = value.split(':')[0]!;
  const name = withoutSuffix.includes('#') ? withoutSuffix.split('#').pop()! : withoutSuffix;
  return name || undefined;
}

function errorNameForStatus(status: number): string {
  const known = Object.entries(ERROR_HTTP_STATUS).find(([, code]) => code === status);
  return known ? known[0] : status >= 500 ? 'InternalServiceException' : `Http${status}Error`;
}

function headerOf(response: HttpResponse, name: string): string | undefined {
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function requestIdOf(response: HttpResponse): string | undefined {
  return headerOf(response, 'x-amzn-requestid') ?? headerOf(response, 'x-amz-request-id');
}

function withAttempts<E extends Error & { $metadata?: ResponseMetadata }>(error: E, attempts: number, totalRetryDelay: number): E {
  if (error.$metadata) {
    error.$metadata.attempts = attempts;
    error.$metadata.totalRetryDelay = totalRetryDelay;
  } else {
    try {
      (error as { $metadata?: ResponseMetadata }).$metadata = { attempts, totalRetryDelay };
    } catch {
      // Frozen errors keep their shape.
    }
  }
  return error;
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
