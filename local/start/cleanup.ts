/**
 * Everything `npm start` starts is registered here as soon as it exists, and stopped in reverse order: at the end
 * of the run, on an error, and on SIGINT (Ctrl-C) or SIGTERM. A later second signal gives up waiting.
 */
import { constants } from 'node:os';

/** Copies of one Ctrl-C reach this process from the terminal and from the npm and tsx parents, within milliseconds. */
const RELAYED_SIGNAL_WINDOW_MS = 1000;

export type Stopper = () => Promise<void> | void;

export class Cleanup {
  private readonly stoppers: { name: string; stop: Stopper }[] = [];
  private running: Promise<string[]> | undefined;
  /** Aborted when a signal arrives: long steps (the handler process) listen to it. */
  readonly interrupted = new AbortController();

  /** Registers something to stop; stoppers run last registered first. Returns a function that unregisters it. */
  add(name: string, stop: Stopper): () => void {
    const entry = { name, stop };
    this.stoppers.push(entry);
    return () => {
      const index = this.stoppers.indexOf(entry);
      if (index !== -1) this.stoppers.splice(index, 1);
    };
  }

  /**
   * Stops everything registered so far, and resolves with the names of what was stopped. Calls queue behind one
   * another, so a signal arriving during a stop waits for it. A stopper that fails does not keep the others from
   * running; its error goes to `onError`.
   */
  stopAll(onError: (name: string, error: unknown) => void = () => undefined): Promise<string[]> {
    const drain = async () => {
      const stopped: string[] = [];
      for (const { name, stop } of this.stoppers.splice(0).reverse()) {
        try {
          await stop();
          stopped.push(name);
        } catch (error) {
          onError(name, error);
        }
      }
      return stopped;
    };
    const next = (this.running ?? Promise.resolve([])).then(drain);
    this.running = next;
    return next;
  }

  /**
   * On SIGINT or SIGTERM: aborts `interrupted`, stops everything, then calls `onStopped` (which exits). The exit
   * code follows the shell's convention, 128 + the signal number. A signal arriving more than a second after the
   * first exits at once; sooner, it is the same Ctrl-C relayed by npm or tsx, and is ignored.
   */
  handleSignals(onSignal: (signal: NodeJS.Signals) => void, onStopped: (names: string[], exitCode: number) => void): () => void {
    let first: { signal: NodeJS.Signals; at: number } | undefined;
    const handler = (signal: NodeJS.Signals) => {
      if (first) {
        if (Date.now() - first.at > RELAYED_SIGNAL_WINDOW_MS) process.exit(128 + constants.signals[signal]);
        return;
      }
      first = { signal, at: Date.now() };
      onSignal(signal);
      this.interrupted.abort(new Error(`interrupted by ${signal}`));
      void this.stopAll().then((names) => onStopped(names, 128 + constants.signals[signal]));
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    return () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    };
  }
}
