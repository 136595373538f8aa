/**
 * The benchmark's lower bound on a walk's wall time under per-operation quotas (bench/support/quota-bound.ts), on
 * walks small enough to schedule by hand, and as a property: never below what the chains or the buckets force.
 */
import fc from 'fast-check';
import { detailedPerPage, quotaBound, type Quota } from '../../../bench/support/quota-bound';

describe('quotaBound', () => {
  it('without quotas: a collaboration pages one answer after the other, collaborations side by side', () => {
    expect(quotaBound({ chains: [[0, 0, 0], [0]], latencyMs: 10 })).toEqual({ ms: 30, listDoneMs: 30, getDoneMs: 0, lists: 4, gets: 0 });
  });

  it('a List quota: the next page waits for its previous page and for a token', () => {
    // 2 requests/s, burst 1: a token every 500 ms. Pages admitted at 0, 500 and 1000, each answered 10 ms later.
    expect(quotaBound({ chains: [[0, 0, 0]], list: { requestsPerSecond: 2, burst: 1 }, latencyMs: 10 })).toMatchObject({
      ms: 1010,
      lists: 3,
    });
  });

  it('the burst admits that many requests at once, then one per refill', () => {
    const bound = quotaBound({ chains: [[0], [0], [0], [0]], list: { requestsPerSecond: 1, burst: 3 }, latencyMs: 0 });
    expect(bound).toMatchObject({ ms: 1000, listDoneMs: 1000, lists: 4 });
  });

  it("a page's Gets start once the page has answered, paced by the Get quota", () => {
    // The page answers at 10; its two Gets are admitted at 10 and, a token later (100 ms at 10/s), at 110.
    const bound = quotaBound({ chains: [[2]], get: { requestsPerSecond: 10, burst: 1 }, latencyMs: 10 });
    expect(bound).toEqual({ ms: 120, listDoneMs: 10, getDoneMs: 120, lists: 1, gets: 2 });
  });

  it('counts one List per page and one Get per detailed job, and is never below what the chains or the buckets force', () => {
    const quota = fc.option(fc.record({ requestsPerSecond: fc.integer({ min: 1, max: 50 }), burst: fc.integer({ min: 1, max: 20 }) }), {
      nil: undefined,
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        quota,
        quota,
        fc.integer({ min: 0, max: 50 }),
        (chains, list, get, latencyMs) => {
          const bound = quotaBound({ chains, list, get, latencyMs });
          const pages = chains.reduce((n, chain) => n + chain.length, 0);
          const detailed = chains.flat().reduce((n, count) => n + count, 0);
          expect([bound.lists, bound.gets]).toEqual([pages, detailed]);
          expect(bound.ms).toBe(Math.max(bound.listDoneMs, bound.getDoneMs));
          // The longest chain answers page after page.
          expect(bound.listDoneMs).toBeGreaterThanOrEqual(Math.max(...chains.map((chain) => chain.length * latencyMs)));
          // A bucket admits at most `burst` requests, then one per 1/rate: the last admission is that late at least.
          const floor = (q: Quota | undefined, requests: number) =>
            q && requests > q.burst ? ((requests - q.burst) / q.requestsPerSecond) * 1000 : 0;
          expect(bound.listDoneMs).toBeGreaterThanOrEqual(floor(list, pages) + latencyMs - 1e-6);
          if (detailed > 0) expect(bound.getDoneMs).toBeGreaterThanOrEqual(floor(get, detailed) + 2 * latencyMs - 1e-6);
        },
      ),
    );
  });
});

describe('detailedPerPage', () => {
  const failed = new Set(['CREATE_FAILED']);

  it('counts, per page of 100, the jobs whose status (seeded in turn) is detailed', () => {
    expect(detailedPerPage(250, ['ACTIVE', 'CREATE_FAILED'], failed)).toEqual([50, 50, 25]);
    expect(detailedPerPage(100, ['ACTIVE', 'CREATE_FAILED'], failed)).toEqual([50]);
    expect(detailedPerPage(3, ['ACTIVE'], failed)).toEqual([0]);
  });

  it('a collaboration with no job still has one, empty, page; the page size can be given', () => {
    expect(detailedPerPage(0, ['CREATE_FAILED'], failed)).toEqual([0]);
    expect(detailedPerPage(5, ['CREATE_FAILED'], failed, 2)).toEqual([2, 2, 1]);
  });
});
