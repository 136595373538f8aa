/**
 * A fake clock for async code: `now()` and an abortable `sleep(ms, signal)` whose timers fire only when the test
 * advances the clock. Between two timers every pending promise continuation runs (one macrotask turn), so
 * async workers, the pacer's pump and the code under test interleave as they would in real time, without waiting.
 */
interface Timer {
  at: number;
  seq: number;
  resolve: () => void;
  cancel: (() => void) | undefined;
}

/** Lets every queued promise continuation run (they all run before the next macrotask). */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class VirtualClock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];

  readonly now = (): number => this.time;

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's own reason, as timers/promises rejects
      if (signal?.aborted) return reject(signal.reason);
      const timer: Timer = { at: this.time + Math.max(0, ms), seq: this.seq++, resolve, cancel: undefined };
      if (signal) {
        const onAbort = () => {
          this.timers = this.timers.filter((t) => t !== timer);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- as above
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        timer.cancel = () => signal.removeEventListener('abort', onAbort);
      }
      this.timers.push(timer);
    });

  /** Timers not yet fired nor cancelled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Fires every timer due up to `until`, in order, letting the code react after each; ends at `until`. */
  async advanceTo(until: number): Promise<void> {
    for (;;) {
      await flush();
      const next = this.earliest();
      if (!next || next.at > until) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = Math.max(this.time, next.at);
      next.cancel?.();
      next.resolve();
    }
    this.time = Math.max(this.time, until);
    await flush();
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.time + ms);
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    return best;
  }
}
