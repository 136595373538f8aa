/** Request rate of a token bucket: `burst` requests at once, refilled at `requestsPerSecond`. */
export interface RateLimit {
  requestsPerSecond: number;
  burst: number;
}

/** The classic token bucket AWS uses for API rate limits; it starts full. */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(limit.requestsPerSecond > 0) || !(limit.burst >= 1)) {
      throw new RangeError('rateLimit needs requestsPerSecond > 0 and burst >= 1');
    }
    this.tokens = limit.burst;
    this.refilledAt = this.now();
  }

  /** Takes one token if there is one; false means the request is over the limit. */
  tryTake(): boolean {
    const now = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.limit.requestsPerSecond);
    this.refilledAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
