/**
 * The time per-operation quotas allow a walk: a lower bound on the wall time of any client that makes the same
 * successful requests, computed by scheduling them as early as the quotas and the walk's structure permit.
 *
 * - Each operation has a token bucket (AWS's, and the emulator's): it starts full with `burst` tokens, refills at
 *   `requestsPerSecond`, and an admitted request spends one token. A 429 spends none, so only the admitted requests
 *   (one per page, one per detailed job) count.
 * - The List pages of one collaboration are a chain: a page can be requested only once the previous page has
 *   answered (`latencyMs` later). Collaborations are independent of one another.
 * - A page's GetAudienceGenerationJob calls can start only once the page has answered.
 *
 * Requests are admitted greedily, each at the first instant its bucket has a token and its dependency has answered;
 * for a token bucket, admitting earlier never delays a later request, so no schedule finishes sooner. Client-side
 * limits (the exporter's concurrency) are not part of the bound: they are the client's choice.
 */

export interface Quota {
  requestsPerSecond: number;
  burst: number;
}

export interface QuotaBoundInput {
  /** Per collaboration, per page in listing order, how many jobs of the page need a GetAudienceGenerationJob. */
  chains: readonly (readonly number[])[];
  /** ListAudienceGenerationJobs quota; undefined: unlimited. */
  list?: Quota;
  /** GetAudienceGenerationJob quota; undefined: unlimited. */
  get?: Quota;
  /** Time from a request's admission to its answer, ms. */
  latencyMs: number;
}

export interface QuotaBound {
  /** When the last request answers, ms from the first request. */
  ms: number;
  /** When the last List page answers. */
  listDoneMs: number;
  /** When the last Get answers (0 without Gets). */
  getDoneMs: number;
  lists: number;
  gets: number;
}

/** A token bucket on a simulated clock, admitting requests in non-decreasing time order. */
class SimulatedBucket {
  private tokens: number;
  private at = 0;

  constructor(private readonly quota: Quota | undefined) {
    this.tokens = quota?.burst ?? Infinity;
  }

  /** Admits a request that is ready at `readyMs`, at the first instant a token is there; returns that instant. */
  admit(readyMs: number): number {
    const quota = this.quota;
    if (!quota) return readyMs;
    const ratePerMs = quota.requestsPerSecond / 1000;
    let at = Math.max(readyMs, this.at);
    let tokens = Math.min(quota.burst, this.tokens + (at - this.at) * ratePerMs);
    if (tokens < 1) {
      at += (1 - tokens) / ratePerMs;
      tokens = 1;
    }
    this.tokens = tokens - 1;
    this.at = at;
    return at;
  }
}

export function quotaBound(input: QuotaBoundInput): QuotaBound {
  const { chains, latencyMs } = input;
  const listBucket = new SimulatedBucket(input.list);
  const getBucket = new SimulatedBucket(input.get);
  // Lists: always the chain whose next page is ready first (admissions then never go back in time).
  const next = chains.map(() => ({ page: 0, readyMs: 0 }));
  const releases: { atMs: number; count: number }[] = [];
  let listDoneMs = 0;
  let lists = 0;
  for (;;) {
    let pick = -1;
    for (let c = 0; c < chains.length; c++) {
      if (next[c].page < chains[c].length && (pick < 0 || next[c].readyMs < next[pick].readyMs)) pick = c;
    }
    if (pick < 0) break;
    const chain = next[pick];
    const answeredMs = listBucket.admit(chain.readyMs) + latencyMs;
    lists++;
    listDoneMs = Math.max(listDoneMs, answeredMs);
    const count = chains[pick][chain.page];
    if (count > 0) releases.push({ atMs: answeredMs, count });
    chain.page++;
    chain.readyMs = answeredMs;
  }
  releases.sort((a, b) => a.atMs - b.atMs);
  let getDoneMs = 0;
  let gets = 0;
  for (const { atMs, count } of releases) {
    for (let i = 0; i < count; i++) {
      getDoneMs = Math.max(getDoneMs, getBucket.admit(atMs) + latencyMs);
      gets++;
    }
  }
  return { ms: Math.max(listDoneMs, getDoneMs), listDoneMs, getDoneMs, lists, gets };
}

/**
 * The pages of a collaboration of `jobs` jobs seeded with `statuses` in turn: per page of `pageSize`, how many of its
 * jobs have one of `detailed` statuses. A collaboration with no job still has one (empty) page.
 */
export function detailedPerPage(jobs: number, statuses: readonly string[], detailed: ReadonlySet<string>, pageSize = 100): number[] {
  const pages: number[] = [];
  for (let start = 0; start < Math.max(jobs, 1); start += pageSize) {
    let count = 0;
    for (let i = start; i < Math.min(jobs, start + pageSize); i++) if (detailed.has(statuses[i % statuses.length])) count++;
    pages.push(count);
  }
  return pages;
}
