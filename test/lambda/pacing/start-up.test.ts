/**
 * The start of a run and a storm, on a fake clock, shaped as the benchmark's W5 and W6 (walk-simulation.ts): the
 * start-up rule (judge the batch in flight at the first 429, decrease at once at a wall) and the slow start in flight,
 * against the quotas W5 measures, and a storm where every Get's first attempt is throttled.
 */
import { firstGetAttemptStorm, GET, LIST, simulateWalks, tokenBuckets, type WalkSimOptions } from './walk-simulation';

/** W5: 3 collaborations x 5 pages, 4 Gets per page, a Get pool of 96 (32 per collaboration), 20 ms a request. */
const w5 = (quotas: Parameters<typeof tokenBuckets>[0], pacer?: WalkSimOptions['pacer'], getPool = 96) =>
  simulateWalks({ server: tokenBuckets(quotas), collaborations: 3, pages: 5, getsPerPage: 4, getPool, pacer });
/** The design before: no probe, no start-up rule (a decrease only after a busy window), a Get pool of 12. */
const BEFORE: WalkSimOptions['pacer'] = { probeAttempts: Infinity, controller: { onsetJudgements: 0 } };

describe('the start of a run against small-burst quotas (W5)', () => {
  it.each([
    // shape, List quota, Get quota, bound (s, bench/support/quota-bound.ts without the fixed cost), most 429s with the rule
    ['a', { requestsPerSecond: 1, burst: 1 }, { requestsPerSecond: 40, burst: 40 }, 14.0, 0.05],
    ['b', { requestsPerSecond: 20, burst: 20 }, { requestsPerSecond: 2, burst: 5 }, 27.5, 0.15],
    ['c', { requestsPerSecond: 2, burst: 4 }, { requestsPerSecond: 8, burst: 8 }, 6.54, 0.12],
  ])('W5%s: a start-up burst costs few 429s, and the run stays near the quotas allow', async (_shape, list, get, boundS, maxShare) => {
    const quotas = { [LIST]: list, [GET]: get };
    const now = await w5(quotas);
    const before = await w5(quotas, BEFORE, 12);

    const share = (r: typeof now) => r.throttled() / r.total();
    expect(share(now)).toBeLessThanOrEqual(maxShare);
    // Before: about 30 % (15 % in a).
    expect(share(now)).toBeLessThanOrEqual(0.6 * share(before));
    expect(now.finishedAt / 1_000).toBeLessThanOrEqual(1.2 * boundS);
  });
});

describe("a storm: every Get's first attempt throttled, whatever the rate (W6)", () => {
  /** 3 collaborations x 231 jobs, all needing a Get, a 1 ms server. */
  const w6 = (getPool: number, pacer?: WalkSimOptions['pacer']) =>
    simulateWalks({
      server: firstGetAttemptStorm,
      collaborations: 3,
      pages: 3,
      getsPerPage: 77,
      getPool,
      latencyMs: 1,
      overheadMs: 1,
      pacer,
    });

  it('does not collapse: the paced run takes at most 1.5x the unpaced one, and never a start-up decrease', async () => {
    const events: string[] = [];
    const paced = await w6(96, { onEvent: (_operation, event) => event.onset && events.push(event.type) });
    const unpaced = await w6(96, 'none');

    expect(paced.finishedAt).toBeLessThanOrEqual(1.5 * unpaced.finishedAt);
    expect(paced.pacer.state(GET)!.holds).toBeGreaterThanOrEqual(1);
    expect(events).toEqual([]);
  });

  it('a Get waiting out its backoff holds a pool place, not an in-flight place: 96 places finish in seconds, 12 take half a minute', async () => {
    const wide = await w6(96);
    const narrow = await w6(12);

    expect(wide.finishedAt).toBeLessThan(6_500);
    expect(narrow.finishedAt).toBeGreaterThan(25_000);
    expect(wide.throttled(GET)).toBe(693);
  });

  it('stays within the retry quota with any pool: the client lets 90 throttled requests wait at once', async () => {
    // 256 in backoff at once would take 1,280 of the quota's 500 tokens; a refused retry fails its request.
    const run = await w6(256);
    expect(run.total(GET)).toBe(2 * 693);
  });
});
