import { TokenBucket } from '../../../local/emulator/token-bucket';

describe('emulator: token bucket', () => {
  it('allows a burst, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket({ requestsPerSecond: 2, burst: 3 }, () => now);

    const burst = [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];
    now = 499;
    const beforeRefill = bucket.tryTake();
    now = 500;
    const afterRefill = [bucket.tryTake(), bucket.tryTake()];
    now = 10_000;
    const afterLongPause = [bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()];

    expect(burst).toEqual([true, true, true, false]);
    expect(beforeRefill).toBe(false);
    expect(afterRefill).toEqual([true, false]);
    expect(afterLongPause).toEqual([true, true, true, false]);
  });

  it('refuses a limit that could never admit a request', () => {
    expect(() => new TokenBucket({ requestsPerSecond: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ requestsPerSecond: 1, burst: 0 })).toThrow(RangeError);
  });
});
