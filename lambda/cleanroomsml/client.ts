import { randomUUID } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { getRetryAfterHint, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { Hash } from '@smithy/hash-node';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import type { HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, RetryErrorType, RetryStrategyV2, RetryToken } from '@smithy/types';
import { StandardRetryStrategy } from '@smithy/util-retry';
import type { RequestPacer } from '../pacing/operation-pacer';
import type { GetAudienceGenerationJobCommand, ListAudienceGenerationJobsCommand, CleanRoomsMLCommand } from './commands';
import { resolveEndpoint } from './endpoint';
import { CleanRoomsMLServiceException, InvalidResponseError } from './errors';
import { ERROR_HTTP_STATUS, SIGNING_NAME } from './model-constants';
import { parseJsonBody } from './deserialize';
import type { GetAudienceGenerationJobCommandOutput, ListAudienceGenerationJobsCommandOutput, ResponseMetadata } from './types';

export const CLIENT_DEFAULT_MAX_ATTEMPTS = 10;
export const CLIENT_DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/**
 * Throttled requests of one client between their 429 and their retry's outcome (waiting out the backoff, for the
 * pacer, or on the wire), at most; a throttled request beyond them waits for a place before its backoff starts.
 * The standard strategy's retry quota (500 tokens, 5 taken per throttled retry, given back when the retry succeeds)
 * pays for 100 of them: in a storm where every first attempt is throttled, more would have their retries refused,
 * and fail. 90 leaves 50 tokens for the retries of other errors. Waiting for a place counts as retry delay.
 */
export const CLIENT_MAX_THROTTLED_WAITS = 90;
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
   * Retry strategy. Default: the SDK's standard strategy (`StandardRetryStrategy` of `@smithy/util-retry`):
   * `maxAttempts` attempts, capped exponential backoff with full jitter (a longer base for throttling), a
   * `Retry-After` header honoured (the client passes it as `retryAfterHint`), and the SDK's retry quota. It has no
   * client-side rate limiter: pacing is the `pacer`'s job, per operation.
   */
  retryStrategy?: RetryStrategyV2;
  /**
   * Paces attempts per operation. Before every attempt, first and retries, the client awaits
   * `pacer.acquire(command.operationName, abortSignal)`; after it, it calls `pacer.record(operationName, outcome)`
   * with `throttled` for a THROTTLING error, `success` for a 2xx and `error` for anything else (an aborted attempt
   * included). Share one pacer between the clients of an (AWS account, Region): that is the scope of a quota.
   * Default none: an attempt starts as soon as the retry strategy lets it.
   */
  pacer?: RequestPacer;
}

export interface SendOptions {
  /** Aborts the request and any wait for a retry. */
  abortSignal?: AbortSignal;
}

/**
 * A small Clean Rooms ML client for the two read operations the exporter needs, built from the same
 * runtime packages as `@aws-sdk/client-cleanroomsml` (SigV4 signer, Node HTTP handler, retry strategy,
 * credential chain). `send(new XCommand(input))` mirrors the official client, with an optional per-operation
 * `pacer` in front of every attempt.
 */
export class CleanRoomsMLClient {
  readonly region: string;
  readonly endpoint: URL;
  private readonly signer: SignatureV4;
  private readonly httpHandler: NodeHttpHandler;
  private readonly retryStrategy: RetryStrategyV2;
  private readonly requestTimeoutMs: number;
  private readonly pacer: RequestPacer | undefined;
  private readonly throttledWaits = new Places(CLIENT_MAX_THROTTLED_WAITS);

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
    this.retryStrategy = config.retryStrategy ?? new StandardRetryStrategy(() => Promise.resolve(maxAttempts));
    this.pacer = config.pacer;
  }

  /**
   * Sends a command: attempts until one succeeds, the error is not retryable (a client error, an invalid 2xx
   * body), or the retry strategy refuses (attempts or retry quota exhausted; the last error is thrown).
   * `$metadata.attempts` and `totalRetryDelay` (time spent waiting for retries, not for the pacer) are set on the
   * output and on the error. The abort signal stops everything, a wait for the pacer or for a retry included, and
   * rejects with its reason.
   */
  send(command: ListAudienceGenerationJobsCommand, options?: SendOptions): Promise<ListAudienceGenerationJobsCommandOutput>;
  send(command: GetAudienceGenerationJobCommand, options?: SendOptions): Promise<GetAudienceGenerationJobCommandOutput>;
  async send<I, O>(command: CleanRoomsMLCommand<I, O>, options: SendOptions = {}): Promise<O> {
    const { abortSignal } = options;
    const invocationId = randomUUID();
    let retryToken: RetryToken = await this.retryStrategy.acquireInitialRetryToken(command.operationName);
    let totalRetryDelay = 0;
    // A place among the throttled requests, held from the throttle to the retry's outcome: the retry quota's
    // tokens are taken at the wait's start and given back only when the retry succeeds.
    let place = false;
    try {
      for (let attempts = 1; ; attempts++) {
        abortSignal?.throwIfAborted();
        const result = await this.attempt(command, { invocationId, attempts, totalRetryDelay, abortSignal });
        if (place) {
          this.throttledWaits.leave();
          place = false;
        }
        if (result.ok) {
          this.retryStrategy.recordSuccess(retryToken);
          return result.output;
        }
        const { error } = result;
        const errorType = retryErrorType(error);
        if (errorType === 'CLIENT_ERROR' || error instanceof InvalidResponseError) {
          throw withAttempts(error, attempts, totalRetryDelay);
        }
        const before = Date.now();
        if (errorType === 'THROTTLING') {
          await this.throttledWaits.enter(abortSignal);
          place = true;
        }
        try {
          retryToken = await abortable(
            this.retryStrategy.refreshRetryTokenForRetry(retryToken, {
              errorType,
              error,
              retryAfterHint: result.retryAfterHint,
            } as Parameters<RetryStrategyV2['refreshRetryTokenForRetry']>[1]),
            abortSignal,
          );
        } catch (refusal) {
          if (abortSignal?.aborted) throw abortSignal.reason;
          // Out of attempts or retry capacity: surface the service's error, not the strategy's refusal.
          throw withAttempts(error, attempts, totalRetryDelay);
        }
        totalRetryDelay += Date.now() - before;
      }
    } finally {
      if (place) this.throttledWaits.leave();
    }
  }

  /**
   * One attempt: serialize, wait for the pacer, sign, send, read the whole body, deserialize a 2xx. Resolves with
   * the output or the attempt's error (for the retry loop to judge); rejects only when the abort signal fired, with
   * its reason. Tells the pacer the outcome of every attempt it let start.
   */
  private async attempt<I, O>(command: CleanRoomsMLCommand<I, O>, context: AttemptContext): Promise<AttemptResult<O>> {
    const { invocationId, attempts, totalRetryDelay, abortSignal } = context;
    let request: HttpRequest;
    try {
      // Before pacing: a command that cannot be serialized is no attempt, and takes no turn.
      request = command.serialize(this.endpoint);
    } catch (error) {
      return { ok: false, error: error as AttemptError };
    }
    const operation = command.operationName;
    if (this.pacer) await this.pacer.acquire(operation, abortSignal);

    let httpResponse: HttpResponse | undefined;
    let outcome: PacerOutcome = 'error';
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
    try {
      request.headers['user-agent'] = USER_AGENT;
      request.headers['amz-sdk-invocation-id'] = invocationId;
      request.headers['amz-sdk-request'] = `attempt=${attempts}`;
      const signed = await this.signer.sign(request);
      ({ response: httpResponse } = await this.httpHandler.handle(signed as typeof request, { abortSignal: attempt.signal }));
      const body = Buffer.from(await streamCollector(httpResponse.body as Parameters<typeof streamCollector>[0])).toString('utf8');
      const $metadata: ResponseMetadata = {
        httpStatusCode: httpResponse.statusCode,
        requestId: requestIdOf(httpResponse),
        attempts,
        totalRetryDelay,
      };
      if (httpResponse.statusCode >= 200 && httpResponse.statusCode < 300) {
        outcome = 'success';
        return { ok: true, output: command.deserialize(parseJsonBody(body, $metadata), $metadata) };
      }
      const exception = toServiceException(httpResponse, body, $metadata);
      if (retryErrorType(exception) === 'THROTTLING') outcome = 'throttled';
      return { ok: false, error: exception, retryAfterHint: getRetryAfterHint(httpResponse) };
    } catch (error) {
      let err = error as AttemptError;
      if (timedOut && !abortSignal?.aborted) {
        err = Object.assign(new Error(`Attempt ${attempts} took longer than ${this.requestTimeoutMs} ms`), {
          name: 'TimeoutError',
          code: 'ETIMEDOUT',
        });
      }
      if (abortSignal?.aborted || err.name === 'AbortError') {
        throw abortSignal?.reason ?? err;
      }
      return { ok: false, error: err, retryAfterHint: httpResponse ? getRetryAfterHint(httpResponse) : undefined };
    } finally {
      clearTimeout(timer);
      abortSignal?.removeEventListener('abort', forwardAbort);
      this.pacer?.record(operation, outcome, attempts);
    }
  }

  /** Closes kept-alive sockets. */
  destroy(): void {
    this.httpHandler.destroy();
  }
}

type AttemptError = Error & { $metadata?: ResponseMetadata };

interface AttemptContext {
  invocationId: string;
  /** This attempt's number, from 1. */
  attempts: number;
  totalRetryDelay: number;
  abortSignal: AbortSignal | undefined;
}

type AttemptResult<O> = { ok: true; output: O } | { ok: false; error: AttemptError; retryAfterHint?: Date | undefined };

type PacerOutcome = Parameters<RequestPacer['record']>[1];

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
  const withoutSuffix = value.split(':')[0];
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

/** A counting semaphore, first come first served, whose wait an abort signal cuts short (rejecting with its reason). */
class Places {
  private taken = 0;
  private readonly waiting: {
    resolve: () => void;
    reject: (reason: unknown) => void;
    signal: AbortSignal | undefined;
    onAbort?: () => void;
  }[] = [];

  constructor(private readonly size: number) {}

  enter(signal: AbortSignal | undefined): Promise<void> {
    signal?.throwIfAborted();
    if (this.taken < this.size && this.waiting.length === 0) {
      this.taken++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: (typeof this.waiting)[number] = { resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiting.indexOf(waiter);
          if (index >= 0) this.waiting.splice(index, 1);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's own reason, as fetch and timers/promises reject
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiting.push(waiter);
    });
  }

  leave(): void {
    const next = this.waiting.shift();
    if (!next) {
      this.taken--;
      return;
    }
    if (next.onAbort) next.signal!.removeEventListener('abort', next.onAbort);
    next.resolve();
  }
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as above
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the wrapped promise's own rejection, passed on unchanged
        reject(err);
      },
    );
  });
}
