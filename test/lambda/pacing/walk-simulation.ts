/**
 * An export run on a fake clock, shaped as the exporter's (lambda/export/walk-pages.ts, page-records.ts) and as the
 * benchmark's W5 and W6 (bench/workloads/): collaborations walked in parallel, each a chain of List pages (the next
 * page requested once the previous one has answered, at most `pagesAhead` pages waiting for their Gets), each page
 * with some jobs that need a GetAudienceGenerationJob, the Gets of the whole run bounded by one pool. Every attempt
 * goes through the real OperationPacer after the client's own overhead; a throttled one is retried after the
 * standard strategy's backoff (random x 1 s x 2^retry, at most 20 s) while its retry quota lasts (a request fails
 * without it), with the client's bound on throttled requests waiting (CLIENT_MAX_THROTTLED_WAITS). The server
 * decides each attempt's outcome on arrival (a token bucket per operation, as the emulator's, or any rule) and
 * answers it `latencyMs` later, in order.
 */
import { CLIENT_MAX_THROTTLED_WAITS } from '../../../lambda/cleanroomsml/client';
import { OperationPacer, type OperationPacerOptions } from '../../../lambda/pacing/operation-pacer';
import { seededRandom, type ServerOutcome } from './simulation';
import { VirtualClock } from './virtual-clock';

export const LIST = 'ListAudienceGenerationJobs';
export const GET = 'GetAudienceGenerationJob';

export interface WalkServer {
  /** Outcome of attempt `attempt` (from 1) of request `key` of `operation`, arriving at `at` ms. */
  admit(operation: string, at: number, key: string, attempt: number): ServerOutcome;
}

export interface WalkSimOptions {
  server: WalkServer;
  collaborations: number;
  pages: number;
  /** Jobs per page that need a Get. */
  getsPerPage: number;
  /** Gets of the run in progress at once (the exporter's `limitDetails` pool), retry backoffs included. */
  getPool: number;
  pagesAhead?: number;
  latencyMs?: number;
  /** The client's own time before each attempt (a request to build and sign), ms. Default 5. */
  overheadMs?: number;
  seed?: number;
  /** The pacer's settings; `none`: no pacer at all (an attempt starts as soon as it can). */
  pacer?: Omit<OperationPacerOptions, 'now' | 'sleep'> | 'none';
  /** Simulated time limit, ms. Default 600,000. */
  durationMs?: number;
}

export interface WalkSimAttempt {
  operation: string;
  at: number;
  outcome: ServerOutcome;
  attempt: number;
}

export interface WalkSimResult {
  attempts: WalkSimAttempt[];
  /** When the last page's Gets were done, ms. */
  finishedAt: number;
  pacer: OperationPacer;
  throttled(operation?: string): number;
  total(operation?: string): number;
}

/** A token bucket per operation, full at the start; a 429 spends no token. */
export function tokenBuckets(quotas: Record<string, { requestsPerSecond: number; burst: number } | undefined>): WalkServer {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    admit(operation, at) {
      const quota = quotas[operation];
      if (!quota) return 'success';
      let bucket = buckets.get(operation);
      if (!bucket) buckets.set(operation, (bucket = { tokens: quota.burst, at }));
      bucket.tokens = Math.min(quota.burst, bucket.tokens + ((at - bucket.at) / 1_000) * quota.requestsPerSecond);
      bucket.at = at;
      if (bucket.tokens < 1) return 'throttled';
      bucket.tokens -= 1;
      return 'success';
    },
  };
}

/** Every Get's first attempt throttled, its retry accepted; no quota (W6). */
export const firstGetAttemptStorm: WalkServer = {
  admit: (operation, _at, _key, attempt) => (operation === GET && attempt === 1 ? 'throttled' : 'success'),
};

export async function simulateWalks(options: WalkSimOptions): Promise<WalkSimResult> {
  const { server, collaborations, pages, getsPerPage, getPool } = options;
  const pagesAhead = options.pagesAhead ?? 4;
  const latencyMs = options.latencyMs ?? 20;
  const overheadMs = options.overheadMs ?? 5;
  const durationMs = options.durationMs ?? 600_000;
  const random = seededRandom(options.seed ?? 1);
  const clock = new VirtualClock();
  const pacer = new OperationPacer({ ...(options.pacer === 'none' ? {} : options.pacer), now: clock.now, sleep: clock.sleep });
  const paced = options.pacer !== 'none';
  const attempts: WalkSimAttempt[] = [];

  // The standard strategy's retry quota (one client): 500 tokens, 5 per throttled retry, given back when a retried
  // request succeeds (1 for a first attempt's success).
  let retryCapacity = 500;
  // And the client's bound on requests waiting out a throttling backoff at once.
  let throttledWaits = 0;
  const waitingForPlace: (() => void)[] = [];
  const leavePlace = () => {
    const next = waitingForPlace.shift();
    if (next) next();
    else throttledWaits--;
  };
  const send = async (operation: string, key: string): Promise<void> => {
    let place = false;
    for (let attempt = 1; attempt <= 10; attempt++) {
      if (overheadMs > 0) await clock.sleep(overheadMs);
      if (paced) await pacer.acquire(operation);
      const outcome = server.admit(operation, clock.now(), key, attempt);
      attempts.push({ operation, at: clock.now(), outcome, attempt });
      await clock.sleep(latencyMs);
      if (paced) pacer.record(operation, outcome, attempt);
      // The place held since the last 429 is free once its retry is back; a 429 takes one again below.
      if (place) leavePlace();
      if (outcome === 'success') {
        retryCapacity = Math.min(500, retryCapacity + (attempt > 1 ? 5 : 1));
        return;
      }
      if (throttledWaits >= CLIENT_MAX_THROTTLED_WAITS || waitingForPlace.length > 0)
        await new Promise<void>((resolve) => waitingForPlace.push(resolve));
      else throttledWaits++;
      place = true;
      if (retryCapacity < 5) throw new Error(`${operation} ${key}: out of retry capacity`);
      retryCapacity -= 5;
      await clock.sleep(Math.floor(random() * Math.min(1_000 * 2 ** (attempt - 1), 20_000)));
    }
    throw new Error(`${operation} ${key}: out of attempts`);
  };

  // The run-wide Get pool (p-limit).
  let active = 0;
  const waiting: (() => void)[] = [];
  const limitGet = async (key: string): Promise<void> => {
    if (active >= getPool) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      await send(GET, key);
    } finally {
      active--;
      waiting.shift()?.();
    }
  };

  let finishedAt = 0;
  const walk = async (collaboration: number): Promise<void> => {
    const pending: Promise<unknown>[] = [];
    let unsettled = 0;
    let settled: (() => void) | undefined;
    for (let page = 0; page < pages; page++) {
      while (unsettled > pagesAhead) await new Promise<void>((resolve) => (settled = resolve));
      await send(LIST, `c${collaboration}p${page}`);
      unsettled++;
      const gets = Array.from({ length: getsPerPage }, (_, job) => limitGet(`c${collaboration}p${page}j${job}`));
      pending.push(
        Promise.all(gets).then(() => {
          unsettled--;
          settled?.();
        }),
      );
    }
    await Promise.all(pending);
    finishedAt = Math.max(finishedAt, clock.now());
  };

  let done = false;
  const run = Promise.all(Array.from({ length: collaborations }, (_, c) => walk(c))).finally(() => (done = true));
  while (!done && clock.now() < durationMs) await clock.advanceBy(1_000);
  await run;
  const count = (operation: string | undefined, throttledOnly: boolean) =>
    attempts.filter((a) => (operation === undefined || a.operation === operation) && (!throttledOnly || a.outcome === 'throttled')).length;
  return {
    attempts,
    finishedAt,
    pacer,
    throttled: (operation) => count(operation, true),
    total: (operation) => count(operation, false),
  };
}
