import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  RateController,
  type AttemptOutcome,
  type RateControllerOptions,
  type RateControllerState,
  type RateEvent,
} from './rate-controller';

/**
 * Paces the attempts of a client. Before every attempt (first and retries) the client awaits
 * `acquire(operation, signal)`; after it, it calls `record(operation, outcome, attempt)`: `throttled` for a
 * THROTTLING error (429), `success` for a 2xx, `error` for anything else (an aborted attempt included). Every
 * attempt `acquire` let start must be recorded: it counts as in flight (for the probe and the controller) until then.
 */
export interface RequestPacer {
  /** Resolves when an attempt of `operation` may start; rejects with `signal.reason` when the signal aborts first. */
  acquire(operation: string, signal?: AbortSignal): Promise<void>;
  /**
   * The outcome of an attempt that `acquire` let start; `attempt` is its number within its request, from 1 (a
   * retry's success is no sign of a burst the quota let through). Default 1.
   */
  record(operation: string, outcome: AttemptOutcome, attempt?: number): void;
}

export const PACER_DEFAULTS = { probeAttempts: 10, probeMs: 1_000, idleResetMs: 1_000 } as const;

export interface OperationPacerOptions {
  /** Clock in milliseconds, shared with the controllers. Default `performance.now()`. */
  now?: () => number;
  /**
   * Waits `ms`, or less when `signal` aborts (resolving or rejecting then, either will do). Default
   * `timers/promises` setTimeout, whose timer the signal clears.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<unknown>;
  /**
   * The probe at the start of a busy period: its first this many attempts start as they come, then no more until
   * they have all come back (or `probeMs` after the first): what a first round trip sends before anything is known
   * of the quota, at most, as TCP's initial window of 10 segments (RFC 6928). Default 10.
   */
  probeAttempts?: number;
  /** The longest a probe holds the next attempts back, ms. Default 1,000. */
  probeMs?: number;
  /** A lane with nothing in flight nor queued for this long starts its next busy period with a probe, ms. Default 1,000. */
  idleResetMs?: number;
  /** Settings of every operation's controller (its clock is `now`). */
  controller?: Omit<RateControllerOptions, 'now' | 'onEvent'>;
  /** Told of every controller decision, with the operation's name; for logs. */
  onEvent?: (operation: string, event: RateEvent) => void;
  /** Makes an operation's controller; default a `RateController` with `controller`, `now` and `onEvent`. For tests. */
  createController?: (operation: string) => PaceController;
}

/** What the pacer needs of a controller (`pausedUntil` is optional). */
export type PaceController = Pick<RateController, 'rate' | 'onAttemptStart' | 'record' | 'state'> &
  Partial<Pick<RateController, 'pausedUntil'>>;

export interface OperationPacerState extends RateControllerState {
  /** Attempts waiting in `acquire`. */
  readonly queued: number;
  /** Attempts let start and not yet recorded, as the pacer counts them. */
  readonly started: number;
  /** The start-of-busy-period probe is on: attempts it let start so far. */
  readonly probing: number | undefined;
}

interface Waiter {
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Lane {
  readonly controller: PaceController;
  readonly queue: Waiter[];
  /** Clock time of the last attempt let start. */
  lastStartAt: number;
  /** Attempts let start and not yet recorded. */
  inFlight: number;
  /** The probe of the current busy period, while it is on: attempts it let start, and when it ends at the latest. */
  probe: { started: number; until: number } | undefined;
  /** Clock time the lane last had nothing in flight nor queued (undefined while it has; -Infinity before its first use). */
  idleSince: number | undefined;
  pumping: boolean;
  /** Cuts the pump's current wait short (the next start time changed, or nobody waits any more). */
  wake: AbortController | undefined;
  /** The start time the pump's current wait was computed for. */
  waitingFor: number;
}

/**
 * One rate controller per operation name (so a throttled GetAudienceGenerationJob never slows
 * ListAudienceGenerationJobs down), spacing the starts of each operation's attempts at 1/rate, first come first
 * served, after a probe at the start of each busy period (`probeAttempts`), and not while the controller judges a
 * start-up batch (`pausedUntil`). Create one per (AWS account, Region): that is the scope of a service quota.
 */
export class OperationPacer implements RequestPacer {
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<unknown>;
  private readonly probeAttempts: number;
  private readonly probeMs: number;
  private readonly idleResetMs: number;

  constructor(private readonly options: OperationPacerOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
    this.probeAttempts = options.probeAttempts ?? PACER_DEFAULTS.probeAttempts;
    this.probeMs = options.probeMs ?? PACER_DEFAULTS.probeMs;
    this.idleResetMs = options.idleResetMs ?? PACER_DEFAULTS.idleResetMs;
    if (!(this.probeAttempts >= 1)) throw new RangeError(`probeAttempts must be at least 1, got ${options.probeAttempts}`);
  }

  acquire(operation: string, signal?: AbortSignal): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's own reason, as fetch and timers/promises reject
    if (signal?.aborted) return Promise.reject(signal.reason);
    const lane = this.lane(operation);
    const now = this.now();
    this.maybeProbe(lane, now);
    if (lane.queue.length === 0 && this.nextStartAt(lane, now) <= now) {
      this.start(lane, now);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = lane.queue.indexOf(waiter);
          if (index >= 0) lane.queue.splice(index, 1);
          if (lane.queue.length === 0) {
            lane.wake?.abort();
            this.noteIdle(lane);
          }
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as above
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      lane.queue.push(waiter);
      if (!lane.pumping) void this.pump(lane);
    });
  }

  record(operation: string, outcome: AttemptOutcome, attempt?: number): void {
    const lane = this.lane(operation);
    lane.inFlight = Math.max(0, lane.inFlight - 1);
    this.noteIdle(lane);
    lane.controller.record(outcome, attempt);
    if (lane.wake && this.nextStartAt(lane, this.now()) !== lane.waitingFor) lane.wake.abort();
  }

  /** The state of an operation's controller, or undefined before its first attempt. */
  state(operation: string): OperationPacerState | undefined {
    const lane = this.lanes.get(operation);
    return lane && { ...lane.controller.state, queued: lane.queue.length, started: lane.inFlight, probing: lane.probe?.started };
  }

  /** Every operation seen so far, by name. */
  states(): Record<string, OperationPacerState> {
    return Object.fromEntries([...this.lanes.keys()].map((operation) => [operation, this.state(operation)!]));
  }

  private lane(operation: string): Lane {
    let lane = this.lanes.get(operation);
    if (!lane) {
      const { onEvent, createController } = this.options;
      lane = {
        controller:
          createController?.(operation) ??
          new RateController({
            ...this.options.controller,
            now: this.now,
            onEvent: onEvent && ((event) => onEvent(operation, event)),
          }),
        queue: [],
        lastStartAt: -Infinity,
        inFlight: 0,
        probe: undefined,
        idleSince: -Infinity,
        pumping: false,
        wake: undefined,
        waitingFor: NaN,
      };
      this.lanes.set(operation, lane);
    }
    return lane;
  }

  /** When the next attempt may start: spaced at 1/rate, after the controller's pause, and after the probe. */
  private nextStartAt(lane: Lane, now: number): number {
    const rate = lane.controller.rate();
    const spaced = rate === Infinity ? -Infinity : lane.lastStartAt + 1_000 / rate;
    return Math.max(spaced, lane.controller.pausedUntil?.() ?? -Infinity, this.probeUntil(lane, now));
  }

  /** -Infinity while the probe may let attempts start; when it is full, its end at the latest; it ends when all are back. */
  private probeUntil(lane: Lane, now: number): number {
    const probe = lane.probe;
    if (!probe || probe.started < this.probeAttempts) return -Infinity;
    if (lane.inFlight > 0 && now < probe.until) return probe.until;
    lane.probe = undefined;
    return -Infinity;
  }

  private start(lane: Lane, now: number): void {
    lane.lastStartAt = now;
    lane.inFlight++;
    lane.idleSince = undefined;
    if (lane.probe && lane.probe.started++ === 0) lane.probe.until = now + this.probeMs;
    lane.controller.onAttemptStart();
  }

  private noteIdle(lane: Lane): void {
    if (lane.inFlight === 0 && lane.queue.length === 0) lane.idleSince ??= this.now();
  }

  /**
   * A busy period begins (the first attempt, or the first after `idleResetMs` idle: the quota may have been used by
   * others meanwhile, or changed): probe first.
   */
  private maybeProbe(lane: Lane, now: number): void {
    if (lane.idleSince !== undefined && now - lane.idleSince >= this.idleResetMs) lane.probe = { started: 0, until: Infinity };
    lane.idleSince = undefined;
  }

  /**
   * Lets the queued attempts of a lane start one by one, when `nextStartAt` allows; ends (no timer left) when the
   * queue is empty.
   */
  private async pump(lane: Lane): Promise<void> {
    lane.pumping = true;
    try {
      while (lane.queue.length > 0) {
        const now = this.now();
        const startAt = this.nextStartAt(lane, now);
        if (startAt <= now) {
          const waiter = lane.queue.shift()!;
          if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort);
          this.start(lane, now);
          waiter.resolve();
          continue;
        }
        const wake = new AbortController();
        lane.wake = wake;
        lane.waitingFor = startAt;
        try {
          await this.sleep(startAt - now, wake.signal);
        } catch {
          // Woken early: recompute.
        } finally {
          if (lane.wake === wake) lane.wake = undefined;
        }
      }
    } finally {
      lane.pumping = false;
    }
  }
}
