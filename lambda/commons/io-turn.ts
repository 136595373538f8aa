/**
 * Turns on the event loop for CPU-heavy steps, one step per loop iteration, in the order asked. Between two turns the
 * loop polls for I/O, so that answers already received (and the requests they let go) wait for at most one step,
 * not for every step that a burst of answers queued up: `setImmediate` alone runs all the callbacks queued before
 * its phase in one go.
 */
const waiting: (() => void)[] = [];
let scheduled = false;

function takeTurn(): void {
  const resolve = waiting.shift();
  // Scheduled from inside the check phase, the next turn runs in the next loop iteration, after its poll phase.
  scheduled = waiting.length > 0;
  if (scheduled) setImmediate(takeTurn);
  resolve?.();
}

/** Resolves at this caller's turn: await it before a CPU-heavy step. */
export function ioTurn(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(takeTurn);
    }
  });
}
