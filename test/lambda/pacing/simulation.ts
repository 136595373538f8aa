/**
 * A discrete-event simulation of one operation's traffic on a fake clock: `concurrency` workers each work through
 * jobs one after another, a job being attempts until a success (or `maxAttempts`), retries after the
 * StandardRetryStrategy's throttling backoff (random x min(1 s x 2^retry, 20 s)); every attempt start goes through a
 * pacer (FIFO, starts spaced at 1/rate) driven by a RateController; a server decides each attempt's outcome.
 * Synchronous and deterministic (seeded), so a minute of simulated traffic takes milliseconds.
 */
import { RateController, type AttemptOutcome, type RateControllerOptions } from '../../../lambda/pacing/rate-controller';

export type ServerOutcome = Exclude<AttemptOutcome, 'error'>;

export interface SimServer {
  /** The outcome of attempt `attempt` (1-based) of job `job`, arriving at `at` ms. */
  admit(at: number, job: number, attempt: number): ServerOutcome;
}

export interface Quota {
  requestsPerSecond: number;
  burst: number;
}

/** A token-bucket quota (as AWS API rate limits), full at the start; the quota may change over time. */
export class TokenBucketServer implements SimServer {
  private tokens: number;
  private refilledAt = 0;

  constructor(private readonly quotaAt: (at: number) => Quota) {
    this.tokens = quotaAt(0).burst;
  }

  static fixed(requestsPerSecond: number, burst: number): TokenBucketServer {
    return new TokenBucketServer(() => ({ requestsPerSecond, burst }));
  }

  admit(at: number): ServerOutcome {
    const { requestsPerSecond, burst } = this.quotaAt(at);
    this.tokens = Math.min(burst, this.tokens + ((at - this.refilledAt) / 1_000) * requestsPerSecond);
    this.refilledAt = at;
    if (this.tokens < 1) return 'throttled';
    this.tokens -= 1;
    return 'success';
  }
}

/** Someone else uses the quota: every job's first attempt is throttled, whatever our rate; retries succeed. */
export const firstAttemptStorm: SimServer = { admit: (_at, _job, attempt) => (attempt === 1 ? 'throttled' : 'success') };

export interface SimOptions {
  server: SimServer;
  /** Workers, i.e. attempts in flight at most. */
  concurrency: number;
  /** Jobs to do; default unlimited (the simulation stops at `durationMs`). */
  jobs?: number;
  /** Simulated time limit, ms. */
  durationMs: number;
  /** Round trip of one attempt, uniform in [min, max] ms; the server sees it half-way. Default [10, 30]. */
  latencyMs?: readonly [number, number];
  maxAttempts?: number;
  seed?: number;
  /** The controller's settings, or `none` for no pacing at all (the baseline). */
  controller?: Omit<RateControllerOptions, 'now'> | 'none';
  /** Record the controller's rate this often, ms. Default 100. */
  traceEveryMs?: number;
}

export interface SimAttempt {
  job: number;
  attempt: number;
  startedAt: number;
  endedAt: number;
  outcome: ServerOutcome;
}

export interface SimResult {
  attempts: SimAttempt[];
  jobsDone: number;
  jobsFailed: number;
  /** When the last job ended (or `durationMs`). */
  finishedAt: number;
  /** [time ms, allowed rate] samples. */
  rateTrace: [number, number][];
  controller: RateController | undefined;
}

export interface WindowStats {
  successes: number;
  throttles: number;
  attempts: number;
  /** Successes per second over the span. */
  throughput: number;
  throttleRatio: number;
}

/** Attempts that ended in [from, to). */
export function statsBetween(result: SimResult, from: number, to: number): WindowStats {
  let successes = 0;
  let throttles = 0;
  for (const attempt of result.attempts) {
    if (attempt.endedAt < from || attempt.endedAt >= to) continue;
    if (attempt.outcome === 'success') successes++;
    else throttles++;
  }
  const attempts = successes + throttles;
  return {
    successes,
    throttles,
    attempts,
    throughput: successes / ((to - from) / 1_000),
    throttleRatio: attempts ? throttles / attempts : 0,
  };
}

/** Mulberry32: a small seeded PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface SimEvent {
  at: number;
  seq: number;
  run: () => void;
}

/** A binary min-heap of events by (time, insertion order). */
class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, run: () => void): void {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, run });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  pop(): SimEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && before(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export function simulate(options: SimOptions): SimResult {
  const { server, concurrency, durationMs, maxAttempts = 10 } = options;
  const jobs = options.jobs ?? Infinity;
  const [minLatency, maxLatency] = options.latencyMs ?? [10, 30];
  const random = seededRandom(options.seed ?? 1);
  const traceEveryMs = options.traceEveryMs ?? 100;
  let now = 0;
  const controller = options.controller === 'none' ? undefined : new RateController({ ...options.controller, now: () => now });
  const rateNow = () => controller?.rate() ?? Infinity;

  const events = new EventQueue();
  const attempts: SimAttempt[] = [];
  const rateTrace: [number, number][] = [];
  let nextJob = 0;
  let jobsDone = 0;
  let jobsFailed = 0;
  let finishedAt = durationMs;
  let running = 0;

  // The pacer: FIFO, attempt starts spaced at 1/rate.
  const waiting: (() => void)[] = [];
  let lastStartAt = -Infinity;
  let pumpAt = Infinity;
  const pump = () => {
    pumpAt = Infinity;
    while (waiting.length > 0) {
      const rate = rateNow();
      const startAt = rate === Infinity ? -Infinity : lastStartAt + 1_000 / rate;
      if (startAt > now) {
        schedulePump(startAt);
        return;
      }
      lastStartAt = now;
      controller?.onAttemptStart();
      waiting.shift()!();
    }
  };
  const schedulePump = (at: number) => {
    if (at >= pumpAt) return;
    pumpAt = at;
    events.push(at, () => {
      if (pumpAt === at) pump();
    });
  };
  const acquire = (go: () => void) => {
    waiting.push(go);
    schedulePump(now);
  };

  const attempt = (job: number, number: number) => {
    acquire(() => {
      const startedAt = now;
      const latency = minLatency + random() * (maxLatency - minLatency);
      const outcome = server.admit(startedAt + latency / 2, job, number);
      events.push(startedAt + latency, () => {
        attempts.push({ job, attempt: number, startedAt, endedAt: now, outcome });
        controller?.record(outcome, number);
        // The rate may have risen: let waiting attempts recheck.
        if (waiting.length > 0) schedulePump(now);
        if (outcome === 'success') return endJob();
        if (number >= maxAttempts) {
          jobsFailed++;
          return endJob();
        }
        const backoff = Math.floor(random() * Math.min(1_000 * 2 ** (number - 1), 20_000));
        events.push(now + backoff, () => attempt(job, number + 1));
      });
    });
  };
  const startJob = () => {
    if (nextJob >= jobs) return false;
    running++;
    attempt(nextJob++, 1);
    return true;
  };
  const endJob = () => {
    running--;
    jobsDone++;
    if (!startJob() && running === 0) finishedAt = now;
  };

  for (let i = 0; i < concurrency; i++) startJob();
  for (let t = 0; t <= durationMs; t += traceEveryMs) events.push(t, () => rateTrace.push([now, rateNow()]));
  for (;;) {
    const event = events.pop();
    if (!event || event.at > durationMs) break;
    now = event.at;
    event.run();
    if (running === 0 && nextJob >= jobs) break;
  }
  return { attempts, jobsDone: jobsDone - jobsFailed, jobsFailed, finishedAt, rateTrace, controller };
}
