/**
 * The per-operation rate controller on a fake clock: its rules one by one, then simulated traffic against
 * token-bucket quotas, a storm of non-responsive throttling, and a quota that drops and comes back.
 */
import { RateController, type AttemptOutcome, type RateControllerOptions, type RateEvent } from '../../../lambda/pacing/rate-controller';
import { firstAttemptStorm, seededRandom, simulate, statsBetween, TokenBucketServer, type SimServer } from './simulation';

/** A controller on a hand-driven clock; attempts are answered at once (nothing in flight) unless started by hand. */
class Driver {
  t = 0;
  readonly events: RateEvent[] = [];
  readonly controller: RateController;
  private sent = 0;
  private lastSentAt = -Infinity;

  constructor(options: Omit<RateControllerOptions, 'now'> = {}) {
    this.controller = new RateController({ ...options, now: () => this.t, onEvent: (event) => this.events.push(event) });
  }

  /**
   * Sends for `ms` at `demand` requests/s, or slower when the controller allows less, each attempt answered at
   * once by `answer(n)` (n counts every attempt of this driver).
   */
  send(ms: number, demand: number, answer: (n: number) => AttemptOutcome): void {
    const end = this.t + ms;
    for (;;) {
      const rate = this.controller.rate();
      const at = Math.max(this.lastSentAt + 1_000 / demand, this.lastSentAt + 1_000 / rate, this.t);
      if (at >= end) break;
      this.t = at;
      this.lastSentAt = at;
      this.controller.onAttemptStart();
      this.controller.record(answer(this.sent++));
    }
    this.t = end;
  }

  get rate(): number {
    return this.controller.rate();
  }

  last(type: RateEvent['type']): RateEvent | undefined {
    return this.events.filter((event) => event.type === type).at(-1);
  }
}

const success = (): AttemptOutcome => 'success';
/** Every other attempt throttled whatever the rate: a job's first attempt fails, its retry succeeds. */
const everyOther = (n: number): AttemptOutcome => (n % 2 === 0 ? 'throttled' : 'success');

describe('RateController rules', () => {
  it('starts unlimited and stays unlimited while nothing is throttled', () => {
    const driver = new Driver();
    expect(driver.rate).toBe(Infinity);
    driver.send(5_000, 200, success);
    expect(driver.controller.state).toMatchObject({ rate: Infinity, phase: 'unlimited', decreases: 0, holds: 0, successes: 1_000 });
  });

  it('does not decrease before a window on 429s that come one at a time: nothing in flight, no wall to judge', () => {
    const driver = new Driver();
    driver.send(500, 40, (n) => (n < 10 ? 'success' : 'throttled'));
    expect(driver.controller.state).toMatchObject({ rate: Infinity, decreases: 0, throttles: 10 });
    expect(driver.controller.pausedUntil()).toBe(-Infinity);
  });

  describe('at the start of a busy period', () => {
    /** `n` attempts started at once, at `t`. */
    const startBatch = (driver: Driver, n: number) => {
      for (let i = 0; i < n; i++) driver.controller.onAttemptStart();
    };

    it('judges the batch in flight at the first 429 after successes, holding new attempts meanwhile; a wall of 429s decreases at once', () => {
      const driver = new Driver();
      const { controller } = driver;
      startBatch(driver, 12);
      driver.t = 20;
      for (let i = 0; i < 5; i++) controller.record('success', 1);
      controller.record('throttled', 1);
      // Six still in flight: no attempt starts until they are back (a window at most).
      expect(controller.pausedUntil()).toBe(1_020);
      expect(controller.state).toMatchObject({ rate: Infinity, decreases: 0 });
      driver.t = 22;
      for (let i = 0; i < 6; i++) controller.record('throttled', 1);

      // The burst (5) over at least a window, x 0.9; not a decrease of 10 % from "unlimited".
      expect(driver.events).toEqual([
        { type: 'decrease', at: 22, from: Infinity, to: 4.5, acceptedRate: 5, throttleRatio: 1, onset: true },
      ]);
      expect(controller.pausedUntil()).toBe(-Infinity);
      expect(controller.state).toMatchObject({ rate: 4.5, phase: 'evaluating', ceiling: 4.5, decreases: 1 });
    });

    it('counts the successes that come back late in the judged batch in the rate it decreases to', () => {
      const driver = new Driver();
      const { controller } = driver;
      startBatch(driver, 12);
      driver.t = 20;
      controller.record('success', 1);
      controller.record('throttled', 1);
      controller.record('success', 1);
      for (let i = 0; i < 9; i++) controller.record('throttled', 1);

      // 10 of the 11 judged are 429s: a wall; the start accepted 2.
      expect(driver.last('decrease')).toMatchObject({ onset: true, acceptedRate: 2, to: 1.8 });
    });

    it('lets attempts go on when the judged batch is mostly accepted (throttling between successes, as at random)', () => {
      const driver = new Driver();
      const { controller } = driver;
      startBatch(driver, 16);
      driver.t = 20;
      controller.record('success', 1);
      controller.record('success', 1);
      controller.record('throttled', 1);
      expect(controller.pausedUntil()).toBeGreaterThan(20);
      for (let i = 0; i < 13; i++) controller.record(i % 3 === 0 ? 'throttled' : 'success', 1);

      expect(controller.pausedUntil()).toBe(-Infinity);
      expect(controller.state).toMatchObject({ rate: Infinity, decreases: 0 });
      // A second judgement at most; then the rules of a busy window apply.
      startBatch(driver, 4);
      controller.record('throttled', 1);
      for (let i = 0; i < 3; i++) controller.record('success', 1);
      startBatch(driver, 4);
      controller.record('throttled', 1);
      expect(controller.pausedUntil()).toBe(-Infinity);
      expect(controller.state.decreases).toBe(0);
    });

    it('makes no start-up decrease in a storm that throttles every first attempt: only retries succeed, nothing to aim at', () => {
      const driver = new Driver();
      const { controller } = driver;
      startBatch(driver, 12);
      driver.t = 20;
      for (let i = 0; i < 12; i++) controller.record('throttled', 1);
      // Retries succeed, their jobs' next first attempts are throttled.
      for (let t = 30; t < 990; t += 10) {
        driver.t = t;
        startBatch(driver, 2);
        controller.record('success', 2);
        controller.record('throttled', 1);
        expect(controller.pausedUntil()).toBe(-Infinity);
      }
      expect(controller.state).toMatchObject({ rate: Infinity, decreases: 0 });
    });

    it('ends a judgement after a window when an attempt in flight never comes back', () => {
      const driver = new Driver();
      const { controller } = driver;
      startBatch(driver, 3);
      driver.t = 20;
      controller.record('success', 1);
      controller.record('throttled', 1);
      expect(controller.pausedUntil()).toBe(1_020);
      driver.t = 1_020;
      // One 429 alone is no wall.
      expect(controller.pausedUntil()).toBe(-Infinity);
      expect(controller.state).toMatchObject({ rate: Infinity, decreases: 0 });
    });

    it('leaves the spent burst out of the next measurement, which comes after a window when 429s go on', () => {
      const driver = new Driver();
      const { controller } = driver;
      startBatch(driver, 12);
      driver.t = 20;
      for (let i = 0; i < 5; i++) controller.record('success', 1);
      for (let i = 0; i < 7; i++) controller.record('throttled', 1);
      expect(controller.rate()).toBe(4.5);
      // At 4.5/s against the quota's 2/s, its bucket empty: a little over half the attempts are throttled.
      let tokens = 0;
      let refilledAt = driver.t;
      driver.send(2_500, 4.5, () => {
        tokens = Math.min(5, tokens + ((driver.t - refilledAt) / 1_000) * 2);
        refilledAt = driver.t;
        if (tokens < 1) return 'throttled';
        tokens--;
        return 'success';
      });

      // The start-up evaluation saw two 429s in its window: concluded then, not after 8 outcomes.
      expect(driver.last('responsive')!.at).toBeLessThan(1_300);
      const second = driver.last('decrease')!;
      expect(second.onset).toBeUndefined();
      // What was accepted since the start-up decrease (2/s), not the burst's 5 in the same window.
      expect(second.acceptedRate).toBeGreaterThan(1.7);
      expect(second.acceptedRate).toBeLessThan(2.3);
    });
  });

  it('decreases on a 429 to 0.9 x the rate the server accepted over the trailing window, not by half', () => {
    const driver = new Driver();
    driver.send(1_000, 40, success);
    driver.send(10, 40, () => 'throttled');

    const decrease = driver.last('decrease')!;
    // 40 requests/s, all accepted: the trailing second holds 39 or 40 successes.
    expect(decrease.acceptedRate).toBeGreaterThanOrEqual(39);
    expect(decrease.acceptedRate).toBeLessThanOrEqual(40);
    expect(driver.rate).toBeCloseTo(0.9 * decrease.acceptedRate!, 9);
    expect(driver.controller.state).toMatchObject({ phase: 'evaluating', decreases: 1, ceiling: decrease.acceptedRate });
  });

  it('decreases at most once per window: 429s of attempts already in flight do not decrease again', () => {
    const driver = new Driver();
    driver.send(1_000, 50, success);
    const { controller } = driver;
    for (let i = 0; i < 20; i++) controller.onAttemptStart();
    controller.record('throttled');
    const afterFirst = driver.rate;
    expect(afterFirst).toBeLessThan(50);
    // The 19 others were in flight when the rate came down; they come back throttled too.
    driver.t += 30;
    for (let i = 0; i < 19; i++) controller.record('throttled');

    expect(driver.rate).toBe(afterFirst);
    expect(controller.state.decreases).toBe(1);
    expect(controller.state.inFlight).toBe(0);
  });

  it('floors a decrease at minRate, a safety net only', () => {
    const driver = new Driver({ minRate: 5 });
    // 3 of 10 requests/s accepted: 0.9 x 3 is below the floor.
    driver.send(1_350, 10, (n) => (n % 10 < 3 ? 'success' : 'throttled'));
    expect(driver.last('decrease')!.acceptedRate).toBe(3);
    expect(driver.rate).toBe(5);
  });

  it('holds the rate instead of decreasing when the server accepted nothing for a window (an outage)', () => {
    const driver = new Driver();
    driver.send(1_000, 30, success);
    driver.send(1_200, 30, () => 'throttled');
    // The first 429 decreased (the trailing window was full of successes); once nothing at all is accepted there
    // is no rate to aim at, and slower would not help: hold.
    expect(driver.controller.state).toMatchObject({ phase: 'holding', decreases: 1, holds: 1 });
    const held = driver.rate;
    expect(held).toBeGreaterThan(20);
    driver.send(5_000, 30, () => 'throttled');
    expect(driver.controller.state).toMatchObject({ phase: 'holding', decreases: 1, rate: held });
  });

  it('keeps a decrease that lowered the throttle ratio (a quota), then grows CUBIC-like: 30/s back to 100/s in seconds', () => {
    const driver = new Driver();
    driver.send(1_000, 30, success);
    driver.send(10, 30, () => 'throttled');
    const { acceptedRate } = driver.last('decrease')!;
    const ceiling = acceptedRate!;
    expect(ceiling).toBeGreaterThanOrEqual(29);
    // At the lower rate nothing is throttled any more: responsive.
    driver.send(1_500, 1_000, success);
    expect(driver.last('responsive')).toMatchObject({ throttleRatio: 0 });
    expect(driver.controller.state).toMatchObject({ phase: 'paced', holds: 0 });
    const cleanSince = driver.last('responsive')!.at;

    const rateAfter = (windows: number) => {
      driver.t = cleanSince + windows * 1_000 + 1;
      return driver.rate;
    };
    expect(rateAfter(0)).toBeCloseTo(0.9 * ceiling, 9);
    expect(rateAfter(1)).toBeCloseTo(ceiling * 1.05, 9);
    expect(rateAfter(2)).toBeCloseTo(ceiling * 1.2, 9);
    expect(rateAfter(4)).toBeCloseTo(ceiling * 1.8, 9);
    expect(rateAfter(7)).toBeCloseTo(ceiling * 3.45, 9);
    expect(rateAfter(7)).toBeGreaterThanOrEqual(100);
    expect(rateAfter(6)).toBeLessThan(100);
    // 4x the ceiling is far enough above: unlimited again.
    expect(rateAfter(8)).toBe(Infinity);
    expect(driver.controller.state.phase).toBe('unlimited');
    expect(driver.last('unlimited')).toBeDefined();
  });

  it('restores the rate from before the decreases that did not lower the throttle ratio, and holds it for 10 s', () => {
    const driver = new Driver();
    // Every other attempt throttled whatever the rate, as when every job's first attempt fails.
    driver.send(1_050, 60, everyOther);
    expect(driver.controller.state.decreases).toBe(1);
    driver.send(2_500, 60, everyOther);

    const verdict = driver.last('non-responsive')!;
    expect(verdict).toBeDefined();
    expect(verdict.throttleRatio).toBeCloseTo(0.5, 1);
    expect(verdict.to).toBe(Infinity);
    const state = driver.controller.state;
    expect(state).toMatchObject({ rate: Infinity, phase: 'holding', decreases: 2, holds: 1 });
    expect(state.holdUntil).toBeCloseTo(verdict.at + 10_000, 9);

    // During the hold 429s do not decrease.
    driver.send(state.holdUntil! - driver.t - 1, 60, everyOther);
    expect(driver.controller.state).toMatchObject({ rate: Infinity, phase: 'holding', decreases: 2 });

    // After it, the controller probes again; the ratio measured during the hold is a fair "before", so one
    // decrease that does not help is enough to restore and hold again.
    driver.send(2_000, 60, everyOther);
    expect(driver.last('hold-end')).toBeDefined();
    expect(driver.controller.state).toMatchObject({ rate: Infinity, phase: 'holding', decreases: 3, holds: 2 });
  });

  it('restores only back to the last decrease that helped when throttling is partly a quota', () => {
    // A quota of 20/s that someone else also uses: below 20/s a quarter of the attempts are still throttled.
    const random = seededRandom(7);
    const driver = new Driver();
    let lastAt = -Infinity;
    let tokens = 20;
    const answer = (): AttemptOutcome => {
      tokens = Math.min(20, tokens + ((driver.t - lastAt) / 1_000) * 20);
      lastAt = driver.t;
      if (tokens < 1) return 'throttled';
      tokens--;
      return random() < 0.25 ? 'throttled' : 'success';
    };
    driver.send(12_000, 200, answer);

    const verdict = driver.last('non-responsive')!;
    expect(verdict).toBeDefined();
    // Not back to unlimited: the decrease from there lowered the ratio.
    expect(verdict.to).toBeLessThan(25);
    expect(verdict.to).toBeGreaterThan(8);
  });

  it('rejects nonsensical settings', () => {
    expect(() => new RateController({ decreaseFactor: 1 })).toThrow(/decreaseFactor/);
    expect(() => new RateController({ windowMs: 0 })).toThrow(/windowMs/);
    expect(() => new RateController({ unlimitedFactor: 1 })).toThrow(/unlimitedFactor/);
  });
});

describe('RateController under simulated traffic', () => {
  /** Steady state: after a 10 s warm-up, for two minutes. */
  const WARM_UP_MS = 10_000;
  const RUN_MS = 130_000;

  it.each([
    [1, 1],
    [1, 5],
    [2, 5],
    [5, 5],
    [20, 40],
    [20, 100],
    [40, 10],
    [40, 80],
    [100, 100],
  ])('converges to a token-bucket quota of %i/s (burst %i): throughput >= quota/1.3, 429s <= 15 %%', (rate, burst) => {
    for (const seed of [1, 2]) {
      const result = simulate({ server: TokenBucketServer.fixed(rate, burst), concurrency: 16, durationMs: RUN_MS, seed });
      const steady = statsBetween(result, WARM_UP_MS, RUN_MS);

      expect(steady.throughput).toBeGreaterThanOrEqual(rate / 1.3);
      expect(steady.throttleRatio).toBeLessThanOrEqual(0.15);
      // A quota is throttling that responds to our rate: never taken for a storm.
      expect(result.controller!.state.holds).toBe(0);
      expect(result.jobsFailed).toBe(0);
    }
  });

  it.each([4, 16, 64])(
    'does not collapse in a storm where every first attempt is throttled whatever the rate (%i workers, 690 jobs)',
    (concurrency) => {
      for (const seed of [1, 2, 3]) {
        const run = (controller?: 'none') =>
          simulate({ server: firstAttemptStorm, concurrency, jobs: 690, durationMs: 900_000, seed, controller });
        const unpaced = run('none');
        const paced = run();

        expect(paced.jobsDone).toBe(690);
        // Throughput at least half of the same storm without any pacing (measured: 77 to 95 %).
        expect(unpaced.finishedAt / paced.finishedAt).toBeGreaterThanOrEqual(0.5);
        expect(paced.controller!.state.holds).toBeGreaterThanOrEqual(1);
      }
    },
  );

  it('does not collapse when a third of the first attempts are throttled at random', () => {
    const storm = (seed: number): SimServer => {
      const random = seededRandom(seed);
      return { admit: (_at, _job, attempt) => (attempt === 1 && random() < 1 / 3 ? 'throttled' : 'success') };
    };
    const unpaced = simulate({ server: storm(5), concurrency: 16, jobs: 3_000, durationMs: 900_000, controller: 'none' });
    const paced = simulate({ server: storm(5), concurrency: 16, jobs: 3_000, durationMs: 900_000 });

    expect(paced.jobsDone).toBe(3_000);
    expect(unpaced.finishedAt / paced.finishedAt).toBeGreaterThanOrEqual(0.5);
  });

  it('follows a quota that drops from 100/s to 30/s for 10 s, then is back near 100/s within 10 s', () => {
    const server = new TokenBucketServer((at) =>
      at >= 20_000 && at < 30_000 ? { requestsPerSecond: 30, burst: 30 } : { requestsPerSecond: 100, burst: 100 },
    );
    const result = simulate({ server, concurrency: 32, durationMs: 60_000 });

    // At 30/s (after a second to find it): throughput and 429s as in the steady state.
    const low = statsBetween(result, 21_000, 30_000);
    expect(low.throughput).toBeGreaterThanOrEqual(30 / 1.3);
    expect(low.throttleRatio).toBeLessThanOrEqual(0.15);
    // Back at 100/s: the first second with at least 90 successes comes within 10 s.
    let recoveredAt: number | undefined;
    for (let t = 30_000; t < 45_000 && recoveredAt === undefined; t += 100) {
      if (statsBetween(result, t, t + 1_000).successes >= 90) recoveredAt = t + 1_000;
    }
    expect(recoveredAt).toBeDefined();
    expect(recoveredAt! - 30_000).toBeLessThanOrEqual(10_000);
    // And it stays there.
    const after = statsBetween(result, 40_000, 60_000);
    expect(after.throughput).toBeGreaterThanOrEqual(100 / 1.3);
    expect(after.throttleRatio).toBeLessThanOrEqual(0.15);
  });

  it('recovers within 10 s from a 3 s burst of throttling (every attempt 429)', () => {
    const bucket = TokenBucketServer.fixed(100, 100);
    const server: SimServer = { admit: (at) => (at >= 20_000 && at < 23_000 ? 'throttled' : bucket.admit(at)) };
    const result = simulate({ server, concurrency: 32, durationMs: 50_000 });

    let recoveredAt: number | undefined;
    for (let t = 23_000; t < 40_000 && recoveredAt === undefined; t += 100) {
      if (statsBetween(result, t, t + 1_000).successes >= 90) recoveredAt = t + 1_000;
    }
    expect(recoveredAt).toBeDefined();
    expect(recoveredAt! - 23_000).toBeLessThanOrEqual(10_000);
    expect(result.jobsFailed).toBe(0);
  });
});
