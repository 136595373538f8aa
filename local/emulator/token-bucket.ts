/** Request rate of a token bucket: `burst` requests at once, refilled at `requestsPerSecond`. */
export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

/** Throws unless the limit could ever admit a request. */
export function checkRateLimit(limit: RateLimit): void {
  if (!(limit.requestsPerSecond > 0) || !(limit.burst >= 1)) {
    throw new RangeError('rateLimit needs requestsPerSecond > 0 and burst >= 1');
  }
}

/** The classic token bucket AWS uses for API rate limits; it starts full. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    checkRateLimit(limit);
    this.tokens = limit.burst;
    this.refilledAt = this.now();
  }

  /** Takes one token if there is one; false means the request is over the limit. */
  tryTake(): boolean {
    if (!this.hasToken()) return false;
    this.tokens -= 1;
    return true;
  }

  /** Whether a token is available, without taking it: a request checked against several buckets spends from all or none. */
  hasToken(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.limit.requestsPerSecond);
    this.refilledAt = now;
    return this.tokens >= 1;
  }
}
