/**
 * OperationPacer on a fake clock: spacing, order, abort, isolation of operations, and whole runs of async
 * workers through the real pacer against a token-bucket quota and a storm of non-responsive throttling.
 */
import { OperationPacer } from '../../../lambda/pacing/operation-pacer';
import type { RateEvent } from '../../../lambda/pacing/rate-controller';
import { FixedRate } from './fixed-rate';
import { firstAttemptStorm, seededRandom, TokenBucketServer, type SimServer } from './simulation';
import { flush, VirtualClock } from './virtual-clock';

const fixedPacer = (clock: VirtualClock, rates: Record<string, FixedRate>) =>
  new OperationPacer({ now: clock.now, sleep: clock.sleep, createController: (operation) => rates[operation] });

/** Acquires and notes when each one resolved (or how it was rejected). */
function track(clock: VirtualClock, promise: Promise<void>) {
  const result: { at?: number; error?: unknown } = {};
  promise.then(
    () => (result.at = clock.now()),
    (error: unknown) => (result.error = error),
  );
  return result;
}

describe('OperationPacer', () => {
  it('lets attempts start at once while the rate is unlimited, with no timer', async () => {
    const clock = new VirtualClock();
    const pacer = new OperationPacer({ now: clock.now, sleep: clock.sleep, probeAttempts: 100 });

    const started = Array.from({ length: 100 }, () => track(clock, pacer.acquire('ListAudienceGenerationJobs')));
    await flush();

    expect(started.every((s) => s.at === 0)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(pacer.state('ListAudienceGenerationJobs')).toMatchObject({ rate: Infinity, phase: 'unlimited', inFlight: 100, queued: 0 });
  });

  it('probes at the start of a busy period: 10 attempts, then none until they are back; again after a second idle', async () => {
    const clock = new VirtualClock();
    const pacer = new OperationPacer({ now: clock.now, sleep: clock.sleep });
    const OP = 'GetAudienceGenerationJob';
    const startedCount = (list: { at?: number }[]) => list.filter((s) => s.at !== undefined).length;

    const first = Array.from({ length: 40 }, () => track(clock, pacer.acquire(OP)));
    await flush();
    expect(startedCount(first)).toBe(10);
    expect(pacer.state(OP)).toMatchObject({ started: 10, queued: 30, probing: 10 });

    // Whatever their outcomes, nothing more starts until the tenth is back.
    await clock.advanceBy(20);
    for (let i = 0; i < 6; i++) pacer.record(OP, 'success');
    pacer.record(OP, 'throttled');
    pacer.record(OP, 'error');
    pacer.record(OP, 'success');
    await flush();
    expect(startedCount(first)).toBe(10);
    pacer.record(OP, 'success');
    await flush();
    expect(startedCount(first)).toBe(40);
    expect(pacer.state(OP)).toMatchObject({ started: 30, queued: 0, probing: undefined });

    // All back, a second with nothing to do: the next busy period probes again.
    for (let i = 0; i < 30; i++) pacer.record(OP, 'success');
    await clock.advanceBy(1_000);
    const next = Array.from({ length: 20 }, () => track(clock, pacer.acquire(OP)));
    await flush();
    expect(startedCount(next)).toBe(10);
    expect(clock.pendingTimers).toBe(1);
  });

  it('holds the attempts after a probe a second at most when one of it never comes back', async () => {
    const clock = new VirtualClock();
    const pacer = new OperationPacer({ now: clock.now, sleep: clock.sleep, probeAttempts: 2 });

    const started = Array.from({ length: 3 }, () => track(clock, pacer.acquire('Op')));
    await clock.advanceBy(10);
    pacer.record('Op', 'success');
    await clock.advanceBy(500);
    expect(started[2].at).toBeUndefined();
    await clock.advanceBy(1_000);
    expect(started[2].at).toBe(1_000);
  });

  it('rejects an acquire held back by the probe when its signal aborts, leaving no timer', async () => {
    const clock = new VirtualClock();
    const pacer = new OperationPacer({ now: clock.now, sleep: clock.sleep, probeAttempts: 1 });
    const controller = new AbortController();
    const reason = new Error('deadline');

    await pacer.acquire('Op');
    const waiting = track(clock, pacer.acquire('Op', controller.signal));
    await flush();
    expect(pacer.state('Op')).toMatchObject({ started: 1, queued: 1 });
    expect(clock.pendingTimers).toBe(1);
    controller.abort(reason);
    await flush();
    expect(waiting.error).toBe(reason);
    expect(pacer.state('Op')!.queued).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('holds new attempts while the controller judges a start-up batch, then paces them', async () => {
    const clock = new VirtualClock();
    const events: RateEvent[] = [];
    const pacer = new OperationPacer({
      now: clock.now,
      sleep: clock.sleep,
      probeAttempts: 16,
      onEvent: (_operation, event) => events.push(event),
    });
    const OP = 'GetAudienceGenerationJob';

    // 12 attempts at once against a burst of 5 (a probe that large): 5 succeed, then the first 429 comes back.
    const pacer12 = pacer;
    for (let i = 0; i < 12; i++) await pacer12.acquire(OP);
    await clock.advanceBy(20);
    for (let i = 0; i < 5; i++) pacer.record(OP, 'success', 1);
    pacer.record(OP, 'throttled', 1);
    const held = track(clock, pacer.acquire(OP));
    await clock.advanceBy(5);
    expect(held.at).toBeUndefined();
    expect(events).toEqual([]);

    // The 6 others come back 429 too: a wall. Down to 0.9 x 5/s; the held attempt starts a spacing later.
    for (let i = 0; i < 6; i++) pacer.record(OP, 'throttled', 1);
    expect(events).toMatchObject([{ type: 'decrease', onset: true, from: Infinity, acceptedRate: 5 }]);
    expect(pacer.state(OP)!.rate).toBeCloseTo(4.5, 9);
    await clock.advanceBy(1_000);
    expect(held.at).toBeGreaterThan(25);
    expect(held.at).toBeLessThanOrEqual(1_000 / 4.5);
  });

  it('spaces the starts of an operation at 1/rate, first come first served', async () => {
    const clock = new VirtualClock();
    const rate = new FixedRate(10);
    const pacer = fixedPacer(clock, { Op: rate });

    const started = Array.from({ length: 5 }, () => track(clock, pacer.acquire('Op')));
    await clock.advanceTo(1_000);

    expect(started.map((s) => s.at)).toEqual([0, 100, 200, 300, 400]);
    expect(rate.starts).toBe(5);
    expect(clock.pendingTimers).toBe(0);
    expect(pacer.state('Op')!.queued).toBe(0);
  });

  it('resolves waiters in arrival order even when they arrive while others wait', async () => {
    const clock = new VirtualClock();
    const pacer = fixedPacer(clock, { Op: new FixedRate(4) });
    const resolved: string[] = [];
    const go = (name: string) => void pacer.acquire('Op').then(() => resolved.push(name));

    go('a');
    go('b');
    await clock.advanceTo(100);
    go('c');
    await clock.advanceTo(260);
    go('d');
    await clock.advanceTo(2_000);

    expect(resolved).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps operations apart: a throttled Get slows Get only, List starts at once', async () => {
    const clock = new VirtualClock();
    const events: [string, RateEvent['type']][] = [];
    const pacer = new OperationPacer({
      now: clock.now,
      sleep: clock.sleep,
      onEvent: (operation, event) => events.push([operation, event.type]),
    });
    const GET = 'GetAudienceGenerationJob';
    const LIST = 'ListAudienceGenerationJobs';

    // One second of Gets at 20/s, then a 429: Get comes down to 0.9 x 20/s.
    for (let i = 0; i < 20; i++) {
      await pacer.acquire(GET);
      pacer.record(GET, 'success');
      await clock.advanceBy(50);
    }
    await pacer.acquire(GET);
    pacer.record(GET, 'throttled');
    const getRate = pacer.state(GET)!.rate;
    expect(getRate).toBeLessThan(20);
    expect(getRate).toBeGreaterThan(15);
    expect(events).toEqual([[GET, 'decrease']]);

    // Five Gets queue behind that rate; five Lists do not wait at all.
    const gets = Array.from({ length: 5 }, () => track(clock, pacer.acquire(GET)));
    const lists = Array.from({ length: 5 }, () => track(clock, pacer.acquire(LIST)));
    const t0 = clock.now();
    await flush();
    expect(lists.map((s) => s.at)).toEqual([t0, t0, t0, t0, t0]);
    expect(gets.filter((s) => s.at !== undefined)).toHaveLength(0);
    await clock.advanceBy(1_000);
    const spacing = 1_000 / getRate;
    gets.forEach((s, i) => expect(s.at! - t0).toBeCloseTo((i + 1) * spacing, 6));

    expect(pacer.state(LIST)).toMatchObject({ rate: Infinity, decreases: 0 });
    expect(Object.keys(pacer.states()).sort()).toEqual([GET, LIST]);
  });

  it("rejects a waiting acquire with the signal's reason when it aborts; the others keep their turn", async () => {
    const clock = new VirtualClock();
    const rate = new FixedRate(10);
    const pacer = fixedPacer(clock, { Op: rate });
    const controller = new AbortController();
    const reason = new Error('deadline');

    const first = track(clock, pacer.acquire('Op'));
    const second = track(clock, pacer.acquire('Op', controller.signal));
    const third = track(clock, pacer.acquire('Op'));
    await clock.advanceTo(50);
    controller.abort(reason);
    await flush();
    expect(second.error).toBe(reason);
    expect(pacer.state('Op')!.queued).toBe(1);
    await clock.advanceTo(1_000);

    expect(first.at).toBe(0);
    expect(third.at).toBe(100);
    expect(rate.starts).toBe(2);
  });

  it('leaves no timer behind when the last waiter aborts', async () => {
    const clock = new VirtualClock();
    const pacer = fixedPacer(clock, { Op: new FixedRate(0.5) });
    const controller = new AbortController();

    await pacer.acquire('Op');
    const waiting = track(clock, pacer.acquire('Op', controller.signal));
    await flush();
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error('stop'));
    await flush();

    expect(waiting.error).toEqual(new Error('stop'));
    expect(clock.pendingTimers).toBe(0);
    expect(pacer.state('Op')!.queued).toBe(0);
  });

  it('leaves no real timer behind with the default clock and sleep', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const rate = new FixedRate(0.2);
    const pacer = new OperationPacer({ createController: () => rate });
    const before = timers();
    const controller = new AbortController();
    const reason = new Error('gone');

    await pacer.acquire('Op');
    const waiting = pacer.acquire('Op', controller.signal);
    expect(timers()).toBe(before + 1);
    controller.abort(reason);

    await expect(waiting).rejects.toBe(reason);
    await flush();
    expect(timers()).toBe(before);
  });

  it('rejects at once, queueing nothing, when the signal has already aborted', async () => {
    const clock = new VirtualClock();
    const rate = new FixedRate(1);
    const pacer = fixedPacer(clock, { Op: rate });
    const reason = new Error('already');

    await expect(pacer.acquire('Op', AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(rate.starts).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('wakes a waiting attempt when the rate goes up', async () => {
    const clock = new VirtualClock();
    const rate = new FixedRate(0.5);
    const pacer = fixedPacer(clock, { Op: rate });

    await pacer.acquire('Op');
    const second = track(clock, pacer.acquire('Op'));
    await clock.advanceTo(100);
    expect(second.at).toBeUndefined();
    rate.value = 50;
    pacer.record('Op', 'success');
    await flush();

    expect(second.at).toBe(100);
    expect(rate.outcomes).toEqual(['success']);
    expect(clock.pendingTimers).toBe(0);
  });
});

/**
 * Async workers on the fake clock, each attempt through the real pacer: the same model as `simulate`, but
 * with promises, the pacer's queue and its timers. They work once the test advances the clock.
 */
function startWorkers(options: {
  operation?: string;
  server: SimServer;
  concurrency: number;
  jobs?: number;
  durationMs: number;
  pacer: OperationPacer | undefined;
  clock: VirtualClock;
  seed?: number;
  latencyMs?: number;
}) {
  const { server, concurrency, durationMs, pacer, clock, operation = 'GetAudienceGenerationJob' } = options;
  const latencyMs = options.latencyMs ?? 20;
  const jobs = options.jobs ?? Infinity;
  const random = seededRandom(options.seed ?? 1);
  const attempts: { endedAt: number; outcome: 'success' | 'throttled'; waitedMs: number }[] = [];
  let nextJob = 0;
  let done = 0;
  let finishedAt = durationMs;
  const worker = async () => {
    while (nextJob < jobs && clock.now() < durationMs) {
      const job = nextJob++;
      for (let attempt = 1; attempt <= 10; attempt++) {
        const asked = clock.now();
        await pacer?.acquire(operation);
        const waitedMs = clock.now() - asked;
        const outcome = server.admit(clock.now() + latencyMs / 2, job, attempt);
        await clock.sleep(latencyMs);
        pacer?.record(operation, outcome, attempt);
        attempts.push({ endedAt: clock.now(), outcome, waitedMs });
        if (outcome === 'success') break;
        await clock.sleep(Math.floor(random() * Math.min(1_000 * 2 ** (attempt - 1), 20_000)));
      }
      if (++done === jobs) finishedAt = clock.now();
    }
  };
  for (let i = 0; i < concurrency; i++) void worker();
  const between = (from: number, to: number) => {
    const inSpan = attempts.filter((a) => a.endedAt >= from && a.endedAt < to);
    const successes = inSpan.filter((a) => a.outcome === 'success').length;
    return {
      successes,
      throughput: successes / ((to - from) / 1_000),
      throttleRatio: inSpan.length ? (inSpan.length - successes) / inSpan.length : 0,
    };
  };
  return {
    attempts,
    get done() {
      return done;
    },
    get finishedAt() {
      return finishedAt;
    },
    between,
  };
}

/** Starts the workers and runs the clock to the end of the run. */
async function runWorkers(options: Parameters<typeof startWorkers>[0]) {
  const run = startWorkers(options);
  await options.clock.advanceTo(options.durationMs);
  return run;
}

describe('OperationPacer runs on a fake clock', () => {
  it.each([
    [2, 5],
    [20, 40],
    [40, 10],
  ])('converges to a %i/s quota (burst %i) through the pacer: throughput >= quota/1.3, 429s <= 15 %%', async (rate, burst) => {
    const clock = new VirtualClock();
    const pacer = new OperationPacer({ now: clock.now, sleep: clock.sleep });
    const run = await runWorkers({ server: TokenBucketServer.fixed(rate, burst), concurrency: 16, durationMs: 70_000, pacer, clock });

    const steady = run.between(10_000, 70_000);
    expect(steady.throughput).toBeGreaterThanOrEqual(rate / 1.3);
    expect(steady.throttleRatio).toBeLessThanOrEqual(0.15);
    expect(pacer.state('GetAudienceGenerationJob')!.holds).toBe(0);
  });

  it('does not collapse in a storm where every first attempt is throttled (300 jobs, 16 workers)', async () => {
    const unpacedClock = new VirtualClock();
    const unpaced = await runWorkers({
      server: firstAttemptStorm,
      concurrency: 16,
      jobs: 300,
      durationMs: 300_000,
      pacer: undefined,
      clock: unpacedClock,
    });
    const clock = new VirtualClock();
    const pacer = new OperationPacer({ now: clock.now, sleep: clock.sleep });
    const paced = await runWorkers({ server: firstAttemptStorm, concurrency: 16, jobs: 300, durationMs: 300_000, pacer, clock });

    expect(unpaced.done).toBe(300);
    expect(paced.done).toBe(300);
    expect(unpaced.finishedAt / paced.finishedAt).toBeGreaterThanOrEqual(0.5);
    expect(pacer.state('GetAudienceGenerationJob')!.holds).toBeGreaterThanOrEqual(1);
  });

  it('lets List run free while Get is throttled under its quota at the same time', async () => {
    const clock = new VirtualClock();
    const pacer = new OperationPacer({ now: clock.now, sleep: clock.sleep });
    const gets = startWorkers({
      operation: 'GetAudienceGenerationJob',
      server: TokenBucketServer.fixed(5, 5),
      concurrency: 16,
      durationMs: 30_000,
      pacer,
      clock,
    });
    // List is one chain (a page after a page) that nothing throttles.
    const lists = startWorkers({
      operation: 'ListAudienceGenerationJobs',
      server: { admit: () => 'success' },
      concurrency: 1,
      durationMs: 30_000,
      pacer,
      clock,
    });
    await clock.advanceTo(30_000);

    expect(pacer.state('GetAudienceGenerationJob')!.decreases).toBeGreaterThan(0);
    expect(gets.attempts.some((a) => a.waitedMs > 0)).toBe(true);
    expect(pacer.state('ListAudienceGenerationJobs')).toMatchObject({ rate: Infinity, decreases: 0, throttles: 0 });
    expect(lists.attempts.length).toBeGreaterThan(1_000);
    expect(lists.attempts.every((a) => a.waitedMs === 0)).toBe(true);
  });
});
