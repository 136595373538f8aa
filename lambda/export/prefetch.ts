/**
 * Yields the items of an async iterable while the next one is already being produced, so that the
 * consumer's work (status details, gzip, S3) overlaps the next page request instead of lengthening the
 * chain of pages. At most one item is read ahead.
 */
export async function* prefetchNext<T>(source: AsyncIterable<T>): AsyncGenerator<T, void, undefined> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  let finished = false;
  try {
    for (;;) {
      const result = await next;
      if (result.done) {
        finished = true;
        return;
      }
      next = iterator.next();
      // A failure of the read-ahead surfaces at the next await; until then it must not be "unhandled".
      next.catch(() => undefined);
      yield result.value;
    }
  } finally {
    if (!finished) {
      // The consumer stopped early: let the read-ahead settle, then close the source.
      await next.then(
        () => iterator.return?.(),
        () => undefined,
      );
    }
  }
}
