import { setTimeout as sleepFor } from 'node:timers/promises';
import { RateController, type AttemptOutcome, type RateControllerOptions, type RateControllerState, type RateEvent } from './rate-controller';

/**
 * Paces the attempts of a client. Before every attempt (first and retries) the client awaits
 * `acquire(operation, signal)`; after it, it calls `record(operation, outcome)`: `throttled` for a THROTTLING error
 * (429), `success` for a 2xx, `error` for anything else.
 */
export interface RequestPacer {
  /** Resolves when an attempt of `operation` may start; rejects with `signal.reason` when the signal aborts first. */
  acquire(operation: string, signal?: AbortSignal): Promise<void>;
  /** The outcome of an attempt that `acquire` let start. */
  record(operation: string, outcome: AttemptOutcome): void;
}

export interface OperationPacerOptions {
  /** Clock in milliseconds, shared with the controllers. Default `performance.now()`. */
  now?: () => number;
  /**
   * Waits `ms`, or less when `signal` aborts (resolving or rejecting then, either will do). Default
   * `timers/promises` setTimeout, whose timer the signal clears.
   */
  sleep?: (ms: number, signal: AbortSignal) => Promise<unknown>;
  /** Settings of every operation's controller (its clock is `now`). */
  controller?: Omit<RateControllerOptions, 'now' | 'onEvent'>;
  /** Told of every controller decision, with the operation's name; for logs. */
  onEvent?: (operation: string, event: RateEvent) => void;
  /** Makes an operation's controller; default a `RateController` with `controller`, `now` and `onEvent`. For tests. */
  createController?: (operation: string) => PaceController;
}

/** What the pacer needs of a controller. */
export type PaceController = Pick<RateController, 'rate' | 'onAttemptStart' | 'record' | 'state'>;

export interface OperationPacerState extends RateControllerState {
  /** Attempts waiting in `acquire`. */
  readonly queued: number;
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
  pumping: boolean;
  /** Cuts the pump's current wait short (the rate changed, or nobody waits any more). */
  wake: AbortController | undefined;
  /** The rate the pump's current wait was computed for. */
  pacedAt: number;
}

/**
 * One rate controller per operation name (so a throttled GetAudienceGenerationJob never slows
 * ListAudienceGenerationJobs down), spacing the starts of each operation's attempts at 1/rate, first come first
 * served. Create one per (AWS account, Region): that is the scope of a service quota.
 */
export class OperationPacer implements RequestPacer {
  private readonly lanes = new Map<string, Lane>();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<unknown>;

  constructor(private readonly options: OperationPacerOptions = {}) {
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
  }

  acquire(operation: string, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const lane = this.lane(operation);
    const now = this.now();
    if (lane.queue.length === 0 && this.nextStartAt(lane) <= now) {
      this.start(lane, now);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const index = lane.queue.indexOf(waiter);
          if (index >= 0) lane.queue.splice(index, 1);
          if (lane.queue.length === 0) lane.wake?.abort();
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      lane.queue.push(waiter);
      if (!lane.pumping) void this.pump(lane);
    });
  }

  record(operation: string, outcome: AttemptOutcome): void {
    const lane = this.lane(operation);
    lane.controller.record(outcome);
    if (lane.wake && lane.controller.rate() !== lane.pacedAt) lane.wake.abort();
  }

  /** The state of an operation's controller, or undefined before its first attempt. */
  state(operation: string): OperationPacerState | undefined {
    const lane = this.lanes.get(operation);
    return lane && { ...lane.controller.state, queued: lane.queue.length };
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
        pumping: false,
        wake: undefined,
        pacedAt: Infinity,
      };
      this.lanes.set(operation, lane);
    }
    return lane;
  }

  private nextStartAt(lane: Lane): number {
    const rate = lane.controller.rate();
    return rate === Infinity ? -Infinity : lane.lastStartAt + 1_000 / rate;
  }

  private start(lane: Lane, now: number): void {
    lane.lastStartAt = now;
    lane.controller.onAttemptStart();
  }

  /** Lets the queued attempts of a lane start one by one, at 1/rate; ends (no timer left) when the queue is empty. */
  private async pump(lane: Lane): Promise<void> {
    lane.pumping = true;
    try {
      while (lane.queue.length > 0) {
        const now = this.now();
        const startAt = this.nextStartAt(lane);
        if (startAt <= now) {
          const waiter = lane.queue.shift()!;
          if (waiter.onAbort) waiter.signal!.removeEventListener('abort', waiter.onAbort);
          this.start(lane, now);
          waiter.resolve();
          continue;
        }
        const wake = new AbortController();
        lane.wake = wake;
        lane.pacedAt = lane.controller.rate();
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
