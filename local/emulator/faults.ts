/**
 * Faults the emulator injects, programmable at runtime.
 *
 * Two kinds:
 * - **Counted faults** (`throttle`, `serverErrors`, `resetConnections`, `slowResponse`, `truncateBody`,
 *   `malformedJson`, `missingRequiredField`) each hit the next `count` requests that match their scope. They queue
 *   in the order they were programmed: `throttle(2)` then `serverErrors(1)` answers 429, 429, 500. A request takes
 *   at most one counted fault. Requests that fail signature verification take none.
 * - **Standing faults** (`latencyMs`, `rateLimit`, `throttleFirstAttempts`, `denyCollaboration`, `repeatToken`,
 *   `expireTokenAfterPages`, `duplicateAcrossPages`, `unknownStatus`) hold until `reset()`.
 *
 * A request meets them in this order: rate limits, the first-attempt storm, then the counted faults.
 *
 * Every request that a fault shaped is marked with the fault's kind in `emulator.requests[i].fault`.
 */
import { FirstAttemptThrottle, type FirstAttemptThrottleOptions } from './first-attempt-throttle';
import { RateLimits, type RateLimitScope } from './rate-limits';
import type { RateLimit } from './token-bucket';
import type { OperationName } from './types';

/** Collaboration id that makes a standing pagination fault apply to every listing, unscoped ones included. */
export const ANY_COLLABORATION = '*';

/** Restricts a counted fault to some requests. An empty scope matches every request. */
export interface FaultScope {
  /** Only requests of this operation. */
  operation?: OperationName;
  /** Only List requests with this `collaborationId`, and Get requests of a job seeded under it. */
  collaborationId?: string;
  /** Only requests signed by an identity of this account. */
  accountId?: string;
  /** Only requests signed for this Region. */
  region?: string;
}

export type ServerErrorStatus = 500 | 502 | 503 | 504;

/**
 * Where a reset connection breaks: before any byte of the answer, right after the status line and headers, or
 * after half of the body (the headers announced the full `content-length`).
 */
export type ResetPoint = 'before-response' | 'after-headers' | 'mid-body';

/** A counted fault as one request takes it. */
export type InjectedFault =
  | { kind: 'throttle'; retryAfterSeconds?: number }
  | { kind: 'serverError'; status: ServerErrorStatus }
  | { kind: 'resetConnection'; at: ResetPoint }
  | { kind: 'slowResponse'; delayMs: number }
  | { kind: 'truncateBody' }
  | { kind: 'malformedJson' }
  | { kind: 'missingRequiredField'; field: string };

/** The kind of fault that shaped an answer, as recorded in `RecordedRequest.fault`. */
export type FaultKind = InjectedFault['kind'] | 'rateLimit' | 'throttleFirstAttempt';

/** What the fault matcher knows of a request. */
export interface FaultTarget {
  operation: OperationName;
  /** List: the `collaborationId` query parameter; Get: the collaboration the job was seeded under. */
  collaborationId: string | undefined;
  /** Account of the signing identity. */
  accountId: string;
  /** Region of the signature's credential scope. */
  region: string;
  /** Identifies the request across retries: Get the job ARN, List the collaboration and next token. */
  attemptKey: string;
}

interface QueuedFault {
  fault: InjectedFault;
  scope: FaultScope;
  remaining: number;
}

/** Key of `unknownStatus` without a job ARN: the job seeded first. */
const FIRST_SEEDED_JOB = Symbol('first seeded job');

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`fault count must be a non-negative integer, got ${count}`);
}

export class EmulatorFaults {
  /** Delay before every answer, in milliseconds. `reset()` restores the value given to `start()`. */
  latencyMs: number;

  private queue: QueuedFault[] = [];
  private readonly rateLimits = new RateLimits();
  private readonly firstAttempts = new FirstAttemptThrottle();
  private readonly deniedCollaborations = new Set<string>();
  private readonly repeatTokenCollaborations = new Set<string>();
  private readonly duplicateCollaborations = new Set<string>();
  private readonly tokenLifetimes = new Map<string, number>();
  private readonly unknownStatuses = new Map<string | symbol, string>();

  constructor(private readonly baselineLatencyMs: number) {
    this.latencyMs = baselineLatencyMs;
  }

  /** The next `count` matching requests answer 429 ThrottlingException, with `Retry-After` when given. */
  throttle(count: number, options: FaultScope & { retryAfterSeconds?: number } = {}): this {
    const { retryAfterSeconds, ...scope } = options;
    return this.enqueue(count, { kind: 'throttle', retryAfterSeconds }, scope);
  }

  /**
   * The next `count` matching requests answer a server error: 500 InternalServiceException (the model's shape),
   * 503 ServiceUnavailableException, or a load balancer's HTML page without error type for 502 and 504.
   */
  serverErrors(count: number, options: FaultScope & { status?: ServerErrorStatus } = {}): this {
    const { status = 500, ...scope } = options;
    return this.enqueue(count, { kind: 'serverError', status }, scope);
  }

  /** The next `count` matching requests lose their connection (TCP reset) at `at` (default `after-headers`). */
  resetConnections(count: number, options: FaultScope & { at?: ResetPoint } = {}): this {
    const { at = 'after-headers', ...scope } = options;
    return this.enqueue(count, { kind: 'resetConnection', at }, scope);
  }

  /** The next `count` matching requests are answered only after `delayMs` more (use it to exceed a client timeout). */
  slowResponse(count: number, delayMs: number, scope: FaultScope = {}): this {
    return this.enqueue(count, { kind: 'slowResponse', delayMs }, scope);
  }

  /** The next `count` matching answers carry only the first half of their body, with a matching `content-length`. */
  truncateBody(count: number, scope: FaultScope = {}): this {
    return this.enqueue(count, { kind: 'truncateBody' }, scope);
  }

  /** The next `count` matching answers are not valid JSON (the body's first quote is dropped). */
  malformedJson(count: number, scope: FaultScope = {}): this {
    return this.enqueue(count, { kind: 'malformedJson' }, scope);
  }

  /**
   * The next `count` matching successful answers lack member `field`: at the top level of the output
   * (e.g. `audienceGenerationJobs`, `createTime` of Get) and in every listed job summary (e.g. `name`).
   */
  missingRequiredField(count: number, field: string, scope: FaultScope = {}): this {
    return this.enqueue(count, { kind: 'missingRequiredField', field }, scope);
  }

  /**
   * Requests above this rate answer 429 ThrottlingException ("Rate exceeded"). Each account and Region has its own
   * token bucket, per operation when `operation` is given, else one shared by both operations. Limits of different
   * scopes coexist (e.g. List 1/s and Get 40/s) and a request must pass every limit covering it; setting a scope
   * again replaces its limit. `undefined` lifts the limit of that scope, and with no scope lifts every limit.
   */
  rateLimit(limit: RateLimit | undefined, scope: RateLimitScope = {}): this {
    this.rateLimits.set(limit, scope);
    return this;
  }

  /**
   * A throttling storm: the first request for each distinct job ARN (Get) or each distinct collaboration id and
   * next token (List), per account and Region, answers 429 ThrottlingException once; its retries succeed. Recorded
   * as fault `throttleFirstAttempt`. Calling it again for the same operation starts afresh.
   */
  throttleFirstAttempts(options: FirstAttemptThrottleOptions = {}): this {
    this.firstAttempts.set(options);
    return this;
  }

  /**
   * List requests on this collaboration and Get requests of its jobs answer 403 AccessDeniedException.
   * A List request without `collaborationId` leaves its jobs out, as AWS lists only what the caller may see.
   */
  denyCollaboration(collaborationId: string): this {
    this.deniedCollaborations.add(collaborationId);
    return this;
  }

  /** The second page of this collaboration's listing returns the token it was called with: a pagination loop. */
  repeatToken(collaborationId: string): this {
    this.repeatTokenCollaborations.add(collaborationId);
    return this;
  }

  /** Tokens of this collaboration's listing expire after `pages` pages: the request for page `pages + 1` answers ValidationException. */
  expireTokenAfterPages(collaborationId: string, pages: number): this {
    if (!Number.isInteger(pages) || pages < 1) throw new RangeError(`pages must be a positive integer, got ${pages}`);
    this.tokenLifetimes.set(collaborationId, pages);
    return this;
  }

  /**
   * The second page of this collaboration's listing starts one job early, so its first job repeats the last job
   * of the first page, as when a job is created ahead of the cursor during a walk.
   */
  duplicateAcrossPages(collaborationId: string): this {
    this.duplicateCollaborations.add(collaborationId);
    return this;
  }

  /** List and Get serve `status` as this job's status (default: the job seeded first), e.g. a value newer than the model. */
  unknownStatus(status: string, jobArn?: string): this {
    this.unknownStatuses.set(jobArn ?? FIRST_SEEDED_JOB, status);
    return this;
  }

  /** Clears every fault and restores the starting latency. */
  reset(): void {
    this.latencyMs = this.baselineLatencyMs;
    this.queue = [];
    this.rateLimits.clear();
    this.firstAttempts.clear();
    this.deniedCollaborations.clear();
    this.repeatTokenCollaborations.clear();
    this.duplicateCollaborations.clear();
    this.tokenLifetimes.clear();
    this.unknownStatuses.clear();
  }

  /** Requests still to be hit by counted faults; 0 once every counted fault has been served. */
  get pending(): number {
    return this.queue.reduce((sum, queued) => sum + queued.remaining, 0);
  }

  // ---- Read by the server and the operations. ----

  /** @internal Takes the first queued fault whose scope matches, counting this request against it. */
  take(target: FaultTarget): InjectedFault | undefined {
    const queued = this.queue.find(
      (q) =>
        (q.scope.operation === undefined || q.scope.operation === target.operation) &&
        (q.scope.accountId === undefined || q.scope.accountId === target.accountId) &&
        (q.scope.region === undefined || q.scope.region === target.region) &&
        (q.scope.collaborationId === undefined ||
          q.scope.collaborationId === ANY_COLLABORATION ||
          q.scope.collaborationId === target.collaborationId),
    );
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining === 0) this.queue.splice(this.queue.indexOf(queued), 1);
    return queued.fault;
  }

  /** @internal Counts a request against the rate limits; true when it is over one. */
  overRateLimit(target: FaultTarget): boolean {
    return this.rateLimits.over(target);
  }

  /** @internal The storm's answer when this is the request's first attempt; marks it as attempted. */
  takeFirstAttempt(target: FaultTarget): { retryAfterSeconds?: number } | undefined {
    return this.firstAttempts.take({ ...target, key: target.attemptKey });
  }

  /** @internal */
  isDenied(collaborationId: string): boolean {
    return this.deniedCollaborations.has(collaborationId);
  }

  /** @internal */
  repeatsToken(collaborationId: string | undefined): boolean {
    return inScope(this.repeatTokenCollaborations, collaborationId);
  }

  /** @internal */
  duplicatesAcrossPages(collaborationId: string | undefined): boolean {
    return inScope(this.duplicateCollaborations, collaborationId);
  }

  /** @internal Pages a token of this listing lives for, or undefined when tokens do not expire. */
  tokenLifetime(collaborationId: string | undefined): number | undefined {
    return this.tokenLifetimes.get(collaborationId ?? ANY_COLLABORATION) ?? this.tokenLifetimes.get(ANY_COLLABORATION);
  }

  /** @internal The status to serve instead of the seeded one, if any. */
  statusOverride(jobArn: string, isFirstSeeded: boolean): string | undefined {
    return this.unknownStatuses.get(jobArn) ?? (isFirstSeeded ? this.unknownStatuses.get(FIRST_SEEDED_JOB) : undefined);
  }

  private enqueue(count: number, fault: InjectedFault, scope: FaultScope): this {
    checkCount(count);
    if (count > 0) this.queue.push({ fault, scope, remaining: count });
    return this;
  }
}

function inScope(collaborations: Set<string>, collaborationId: string | undefined): boolean {
  return collaborations.has(ANY_COLLABORATION) || (collaborationId !== undefined && collaborations.has(collaborationId));
}
