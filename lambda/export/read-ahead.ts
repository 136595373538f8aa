/**
 * Yields the items of an async iterable while the next ones are already being produced, up to `limit` items ahead of
 * the consumer, so that the consumer's work (status details, gzip, S3) overlaps the next page requests instead of
 * lengthening the chain of pages. The reads are driven by the items' arrival, not by the consumer: a consumer that
 * waits (on gzip's backpressure, say) holds the chain back only once it is `limit` items behind. One item is read at
 * a time, since each page needs the previous one's token. Nothing is read before the first `next()`.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, limit: number): AsyncGenerator<T, void, undefined> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`readAhead: limit must be a positive integer, got ${limit}`);
  const iterator = source[Symbol.asyncIterator]();
  const buffer: T[] = [];
  let reading: Promise<void> | undefined;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  // Items read ahead of the consumer: the buffered ones, plus the one being read.
  const read = () => {
    reading = iterator.next().then(
      (result) => {
        reading = undefined;
        if (result.done) ended = true;
        else {
          buffer.push(result.value);
          if (!stopped && buffer.length < limit) read();
        }
        notify();
      },
      (error: unknown) => {
        // Held until the consumer reaches it, after the items read before it.
        reading = undefined;
        ended = true;
        failure = { error };
        notify();
      },
    );
  };
  let finished = false;
  try {
    read();
    for (;;) {
      while (buffer.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      if (buffer.length > 0) {
        const item = buffer.shift()!;
        if (!reading && !ended && buffer.length < limit) read();
        yield item;
        continue;
      }
      // The source is finished (a source that threw is finished too: it is not closed again).
      finished = true;
      if (failure) throw failure.error;
      return;
    }
  } finally {
    stopped = true;
    if (!finished) {
      // The consumer stopped early: let the read in progress settle, then close the source, unless it ended.
      await reading;
      if (!ended) await iterator.return?.();
    }
  }
}
