/**
 * API rate limits as AWS applies them: a token bucket per account and Region, either per operation (each operation
 * has its own quota, e.g. List 1/s next to Get 40/s) or shared by every operation of the service.
 */
import { checkRateLimit, TokenBucket, type RateLimit } from './token-bucket';
import type { OperationName } from './types';

/** Which requests a rate limit covers. Unset members cover every value, each account and Region with its own bucket. */
export interface RateLimitScope {
  /** Only this operation; unset: one bucket shared by every operation. */
  operation?: OperationName;
  /** Only callers of this account. */
  accountId?: string;
  /** Only requests scoped to this Region. */
  region?: string;
}

/** A request as the rate limits see it. */
export interface RateLimitTarget {
  operation: OperationName;
  accountId: string;
  region: string;
}

interface Rule {
  limit: RateLimit;
  scope: RateLimitScope;
  /** Keyed by account and Region, created on first request. */
  buckets: Map<string, TokenBucket>;
}

export class RateLimits {
  private readonly rules = new Map<string, Rule>();

  /**
   * Sets the limit of exactly this scope, replacing an earlier limit of the same scope; `undefined` lifts it.
   * `set(undefined, {})` lifts every limit, as `rateLimit(undefined)` always did.
   */
  set(limit: RateLimit | undefined, scope: RateLimitScope): void {
    const key = scopeKey(scope);
    if (limit === undefined) {
      if (key === scopeKey({})) this.rules.clear();
      else this.rules.delete(key);
      return;
    }
    checkRateLimit(limit);
    this.rules.set(key, { limit, scope: { ...scope }, buckets: new Map() });
  }

  clear(): void {
    this.rules.clear();
  }

  /** Counts a request against every limit covering it; true when one is exhausted (then no bucket is spent). */
  over(target: RateLimitTarget): boolean {
    const buckets = [...this.rules.values()].filter((rule) => covers(rule.scope, target)).map((rule) => bucketOf(rule, target));
    if (!buckets.every((bucket) => bucket.hasToken())) return true;
    for (const bucket of buckets) bucket.tryTake();
    return false;
  }
}

function covers(scope: RateLimitScope, target: RateLimitTarget): boolean {
  return (
    (scope.operation === undefined || scope.operation === target.operation) &&
    (scope.accountId === undefined || scope.accountId === target.accountId) &&
    (scope.region === undefined || scope.region === target.region)
  );
}

function bucketOf(rule: Rule, target: RateLimitTarget): TokenBucket {
  const key = `${target.accountId}/${target.region}`;
  let bucket = rule.buckets.get(key);
  if (!bucket) {
    bucket = new TokenBucket(rule.limit);
    rule.buckets.set(key, bucket);
  }
  return bucket;
}

function scopeKey(scope: RateLimitScope): string {
  return JSON.stringify([scope.operation ?? null, scope.accountId ?? null, scope.region ?? null]);
}
