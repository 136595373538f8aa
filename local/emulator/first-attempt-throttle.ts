/**
 * The "throttling storm" of a busy account: every request is throttled on its first attempt and succeeds when
 * retried. Unlike a counted `throttle(n)`, it hits each distinct request once however many run concurrently, so a
 * client passes only if it retries every request it sends, each page and each Get alike.
 */
import type { OperationName } from './types';

export interface FirstAttemptThrottleOptions {
  /** Only requests of this operation; default both. */
  operation?: OperationName;
  /** Sent as `Retry-After`; default none. */
  retryAfterSeconds?: number;
}

/** Identifies "the same request" across retries. */
export interface AttemptTarget {
  operation: OperationName;
  accountId: string;
  region: string;
  /** Get: the job ARN; List: the collaboration id and next token (see `attemptKeyOf`). */
  key: string;
}

interface Storm {
  retryAfterSeconds?: number;
  /** Targets already throttled once. */
  seen: Set<string>;
}

const EVERY_OPERATION = '*';

export class FirstAttemptThrottle {
  private readonly storms = new Map<OperationName | typeof EVERY_OPERATION, Storm>();

  /** Starts a storm for this operation (or both), forgetting which requests an earlier storm of it had seen. */
  set(options: FirstAttemptThrottleOptions): void {
    this.storms.set(options.operation ?? EVERY_OPERATION, { retryAfterSeconds: options.retryAfterSeconds, seen: new Set() });
  }

  clear(): void {
    this.storms.clear();
  }

  /** The storm throttling this request, when this is its first attempt; marks it as attempted. */
  take(target: AttemptTarget): { retryAfterSeconds?: number } | undefined {
    const storm = this.storms.get(target.operation) ?? this.storms.get(EVERY_OPERATION);
    if (!storm) return undefined;
    const id = JSON.stringify([target.accountId, target.region, target.operation, target.key]);
    if (storm.seen.has(id)) return undefined;
    storm.seen.add(id);
    return { retryAfterSeconds: storm.retryAfterSeconds };
  }
}

/** The key of a List request: the collaboration and the page it asks for. */
export function listAttemptKey(collaborationId: string | undefined, nextToken: string | undefined): string {
  return JSON.stringify([collaborationId ?? null, nextToken ?? null]);
}
