/** The invocation is about to time out: the run stops instead of being killed half-way. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
}

/** Time kept in reserve to abort uploads, write the manifest and publish metrics. */
export const DEFAULT_DEADLINE_MARGIN_MS = 15_000;

/**
 * An AbortSignal that fires `marginMs` before the invocation's remaining time runs out. Returns a
 * disposer that clears the timer.
 */
export function deadlineSignal(remainingTimeMs: number, marginMs: number): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const fireIn = Math.max(0, remainingTimeMs - marginMs);
  const timer = setTimeout(() => {
    controller.abort(new DeadlineExceededError(`Stopped ${marginMs} ms before the invocation deadline; the export did not finish in time`));
  }, fireIn);
  timer.unref();
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
