import { setTimeout as sleep } from 'node:timers/promises';
import { readAhead } from '../../../lambda/export/read-ahead';

/**
 * A hand-driven async iterator that records every call, so tests can see exactly how far ahead the
 * reader reads. `fail` makes the item at that index reject; `gate` holds an item until released.
 */
class RecordingSource<T> implements AsyncIterable<T>, AsyncIterator<T> {
  readonly calls: string[] = [];
  nextCalls = 0;
  returnCalls = 0;
  private readonly gates = new Map<number, Promise<void>>();

  constructor(
    private readonly items: readonly T[],
    private readonly options: { failAt?: number; error?: Error } = {},
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this;
  }

  /** Holds item `index` until the returned function is called. */
  gate(index: number): () => void {
    let release!: () => void;
    this.gates.set(index, new Promise<void>((resolve) => (release = resolve)));
    return release;
  }

  async next(): Promise<IteratorResult<T>> {
    const index = this.nextCalls++;
    this.calls.push(`next ${index}`);
    await this.gates.get(index);
    if (index === this.options.failAt) throw this.options.error ?? new Error(`item ${index} failed`);
    if (index >= this.items.length) return { done: true, value: undefined };
    return { done: false, value: this.items[index] };
  }

  async return(): Promise<IteratorResult<T>> {
    this.returnCalls++;
    this.calls.push('return');
    return { done: true, value: undefined };
  }
}

/** Lets pending promise chains and timers run. */
const settle = () => sleep(10);

describe('readAhead', () => {
  describe('one item ahead', () => {
    it('yields every item once, in order, and does not close a source that finished', async () => {
      const source = new RecordingSource(['a', 'b', 'c', 'd']);
      const seen: string[] = [];
      for await (const item of readAhead(source, 1)) seen.push(item);

      expect(seen).toEqual(['a', 'b', 'c', 'd']);
      expect(source.nextCalls).toBe(5);
      expect(source.returnCalls).toBe(0);
    });

    it('yields nothing from an empty source', async () => {
      const source = new RecordingSource<string>([]);
      const seen: string[] = [];
      for await (const item of readAhead(source, 1)) seen.push(item);
      expect(seen).toEqual([]);
      expect(source.nextCalls).toBe(1);
    });

    it('reads ahead exactly one item while the consumer works on the current one', async () => {
      const source = new RecordingSource([1, 2, 3, 4, 5]);
      const iterator = readAhead(source, 1);

      // Nothing is read before the consumer asks.
      await settle();
      expect(source.nextCalls).toBe(0);

      for (let k = 0; k < 5; k++) {
        const result = await iterator.next();
        expect(result).toEqual({ done: false, value: k + 1 });
        await settle();
        // Holding item k, the source has been asked for item k + 1 and no further.
        expect(source.nextCalls).toBe(k + 2);
      }
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(source.nextCalls).toBe(6);
    });

    it('starts the next request before the consumer is done with the current item (overlap)', async () => {
      const source = new RecordingSource(['page 1', 'page 2']);
      const order: string[] = [];
      for await (const page of readAhead(source, 1)) {
        order.push(`consume ${page} start`, ...source.calls.splice(0).map((call) => `source ${call}`));
        await settle();
        order.push(`consume ${page} end`);
      }
      expect(order).toEqual([
        'consume page 1 start',
        'source next 0',
        'source next 1',
        'consume page 1 end',
        'consume page 2 start',
        'source next 2',
        'consume page 2 end',
      ]);
    });

    it('an early stop lets the read-ahead settle, then closes the source once', async () => {
      const source = new RecordingSource(['a', 'b', 'c', 'd']);
      const release = source.gate(1);
      const iterator = readAhead(source, 1);

      expect(await iterator.next()).toEqual({ done: false, value: 'a' });
      let stopped = false;
      const stopping = iterator.return(undefined).then((result) => {
        stopped = true;
        return result;
      });
      await settle();
      // The read-ahead of 'b' is still pending: the source is not closed under it.
      expect(stopped).toBe(false);
      expect(source.returnCalls).toBe(0);

      release();
      expect(await stopping).toEqual({ done: true, value: undefined });
      expect(source.returnCalls).toBe(1);
      expect(source.calls).toEqual(['next 0', 'next 1', 'return']);
      // The read-ahead item is dropped, and nothing more is read.
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(source.nextCalls).toBe(2);
    });

    it('break in for await closes an async generator source (its finally runs)', async () => {
      const log: string[] = [];
      async function* pages() {
        try {
          for (let i = 0; i < 10; i++) {
            log.push(`produce ${i}`);
            yield i;
          }
        } finally {
          log.push('closed');
        }
      }

      const seen: number[] = [];
      for await (const page of readAhead(pages(), 1)) {
        seen.push(page);
        if (page === 1) break;
      }

      expect(seen).toEqual([0, 1]);
      expect(log).toEqual(['produce 0', 'produce 1', 'produce 2', 'closed']);
    });

    it('a throw in the consumer also closes the source and surfaces the consumer error', async () => {
      const source = new RecordingSource([1, 2, 3]);
      const failure = new Error('consumer failed');

      const run = async () => {
        for await (const item of readAhead(source, 1)) {
          if (item === 1) throw failure;
        }
      };

      await expect(run()).rejects.toBe(failure);
      expect(source.returnCalls).toBe(1);
    });

    it('a read-ahead failure surfaces once, when the consumer asks for that item, and is not unhandled before', async () => {
      const error = new Error('page 2 failed');
      const source = new RecordingSource(['page 1', 'page 2', 'page 3'], { failAt: 1, error });
      const iterator = readAhead(source, 1);

      expect(await iterator.next()).toEqual({ done: false, value: 'page 1' });
      // The read-ahead has already failed. Jest fails a test on an unhandled rejection, so waiting here
      // proves the failure is held, not thrown into the void.
      await settle();
      expect(source.nextCalls).toBe(2);

      await expect(iterator.next()).rejects.toBe(error);
      // Once: afterwards the iterator is finished, and the source is neither read nor closed again.
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(source.nextCalls).toBe(2);
      expect(source.returnCalls).toBe(0);
    });

    it('a read-ahead failure surfaces once in for await', async () => {
      const error = new Error('boom');
      const source = new RecordingSource([1, 2, 3], { failAt: 2, error });
      const seen: number[] = [];
      let caught = 0;
      try {
        for await (const item of readAhead(source, 1)) {
          seen.push(item);
          await settle();
        }
      } catch (err) {
        caught++;
        expect(err).toBe(error);
      }
      expect(seen).toEqual([1, 2]);
      expect(caught).toBe(1);
    });

    it('a failure of the first item surfaces on the first next()', async () => {
      const error = new Error('first page failed');
      const source = new RecordingSource([1], { failAt: 0, error });
      const iterator = readAhead(source, 1);
      await expect(iterator.next()).rejects.toBe(error);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(source.nextCalls).toBe(1);
    });

    it('stopping early after a failed read-ahead ends quietly: the consumer did not ask for that item', async () => {
      const source = new RecordingSource([1, 2], { failAt: 1 });
      const seen: number[] = [];
      for await (const item of readAhead(source, 1)) {
        seen.push(item);
        await settle();
        break;
      }
      expect(seen).toEqual([1]);
      // A source whose read failed is not closed again (an async generator that threw is finished).
      expect(source.returnCalls).toBe(0);
    });

    it('return() before the first next() never touches the source', async () => {
      const source = new RecordingSource([1, 2]);
      const iterator = readAhead(source, 1);
      expect(await iterator.return(undefined)).toEqual({ done: true, value: undefined });
      expect(source.nextCalls).toBe(0);
      expect(source.returnCalls).toBe(0);
    });
  });

  describe('several items ahead', () => {
    it('keeps reading while the consumer holds an item, up to the limit, without being asked', async () => {
      const source = new RecordingSource([1, 2, 3, 4, 5, 6]);
      const iterator = readAhead(source, 3);
      expect(await iterator.next()).toEqual({ done: false, value: 1 });
      await settle();
      // Holding item 1, the source was asked for items 2 to 4 and no further.
      expect(source.nextCalls).toBe(4);
      expect(await iterator.next()).toEqual({ done: false, value: 2 });
      await settle();
      expect(source.nextCalls).toBe(5);
      const rest: number[] = [];
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
      expect(rest).toEqual([3, 4, 5, 6]);
      expect(source.nextCalls).toBe(7);
      expect(source.returnCalls).toBe(0);
    });

    it('reads one item at a time: a slow item holds the next read until it arrives', async () => {
      const source = new RecordingSource(['a', 'b', 'c', 'd']);
      const release = source.gate(1);
      const iterator = readAhead(source, 3);
      expect(await iterator.next()).toEqual({ done: false, value: 'a' });
      await settle();
      expect(source.calls).toEqual(['next 0', 'next 1']);
      release();
      await settle();
      expect(source.calls).toEqual(['next 0', 'next 1', 'next 2', 'next 3']);
      await iterator.return(undefined);
    });

    it('hands out the items read before a failure, then the failure, once', async () => {
      const error = new Error('page 3 failed');
      const source = new RecordingSource([1, 2, 3, 4], { failAt: 2, error });
      const iterator = readAhead(source, 4);
      expect(await iterator.next()).toEqual({ done: false, value: 1 });
      await settle();
      expect(source.nextCalls).toBe(3);
      expect(await iterator.next()).toEqual({ done: false, value: 2 });
      await expect(iterator.next()).rejects.toBe(error);
      expect(await iterator.next()).toEqual({ done: true, value: undefined });
      expect(source.nextCalls).toBe(3);
      expect(source.returnCalls).toBe(0);
    });

    it('an early stop drops the items read ahead and closes the source once, after the read in progress', async () => {
      const source = new RecordingSource([1, 2, 3, 4, 5]);
      const release = source.gate(2);
      const iterator = readAhead(source, 3);
      expect(await iterator.next()).toEqual({ done: false, value: 1 });
      await settle();
      let stopped = false;
      const stopping = iterator.return(undefined).then(() => (stopped = true));
      await settle();
      expect(stopped).toBe(false);
      release();
      await stopping;
      expect(source.calls).toEqual(['next 0', 'next 1', 'next 2', 'return']);
    });

    it('refuses a limit that is not a positive integer, naming it', async () => {
      await expect(readAhead(new RecordingSource([1]), 0).next()).rejects.toThrow('limit must be a positive integer, got 0');
    });
  });
});
