import fc from 'fast-check';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  batchEntries,
  batchesOf,
  BatchBuilder,
  entrySize,
  MAX_ENTRIES_PER_REQUEST,
  MAX_REQUEST_BYTES,
} from '../../../lambda/status/event-batches';

const TIME = new Date('2026-11-28T09:00:00.000Z');
const entry = (detail: string, resource = 'arn:r'): PutEventsRequestEntry => ({
  Source: 'src',
  DetailType: 'type',
  Detail: detail,
  Resources: [resource],
  Time: TIME,
  EventBusName: 'a-bus-name-that-does-not-count',
});

describe('entrySize', () => {
  it('14 bytes for Time, plus the UTF-8 bytes of Source, DetailType, Detail and each resource; the bus does not count', () => {
    expect(entrySize(entry('{}'))).toBe(14 + 3 + 4 + 2 + 5);
    expect(entrySize({ ...entry('{}'), Time: undefined })).toBe(3 + 4 + 2 + 5);
    expect(entrySize({ ...entry('{"n":"é🎯"}'), Resources: ['a', 'bc'] })).toBe(14 + 3 + 4 + Buffer.byteLength('{"n":"é🎯"}') + 3);
    expect(Buffer.byteLength('{"n":"é🎯"}')).toBe(14);
  });
});

describe('batches', () => {
  it('at most 10 entries per batch, in order', () => {
    const entries = Array.from({ length: 23 }, (_, i) => entry(`{"i":${i}}`));
    const batches = batchEntries(entries);
    expect(batches.map((b) => b.entries.length)).toEqual([10, 10, 3]);
    expect(batches.flatMap((b) => b.entries)).toEqual(entries);
    expect(batches.every((b) => !b.oversized)).toBe(true);
  });

  it('under 256 KB per batch, however few entries', () => {
    // 100 KB each: two fit, a third does not.
    const big = (i: number) => entry(`{"i":${i},"pad":"${'x'.repeat(100_000)}"}`);
    const batches = batchEntries([big(1), big(2), big(3), big(4), big(5)]);
    expect(batches.map((b) => b.entries.length)).toEqual([2, 2, 1]);
    for (const batch of batches) {
      expect(batch.bytes).toBe(batch.entries.reduce((n, e) => n + entrySize(e), 0));
      expect(batch.bytes).toBeLessThan(MAX_REQUEST_BYTES);
    }
  });

  it('the total must be less than 256 KB: one byte under fits, exactly 256 KB never does', () => {
    const overhead = entrySize(entry(''));
    const under = entry('y'.repeat(MAX_REQUEST_BYTES - 1 - overhead));
    const exact = entry('z'.repeat(MAX_REQUEST_BYTES - overhead));
    expect(entrySize(under)).toBe(MAX_REQUEST_BYTES - 1);
    expect(entrySize(exact)).toBe(MAX_REQUEST_BYTES);
    const batches = batchEntries([entry('{}'), under, exact, entry('{}')]);
    expect(batches.map((b) => [b.entries.length, b.bytes, b.oversized ?? false])).toEqual([
      [1, overhead + 2, false],
      [1, MAX_REQUEST_BYTES - 1, false],
      [1, MAX_REQUEST_BYTES, true],
      [1, overhead + 2, false],
    ]);
    // Two entries whose sum is exactly the limit go in two requests; one byte less, in one.
    const half = (n: number) => entry('h'.repeat(n - overhead));
    expect(batchEntries([half(MAX_REQUEST_BYTES / 2), half(MAX_REQUEST_BYTES / 2)]).map((b) => b.entries.length)).toEqual([1, 1]);
    expect(batchEntries([half(MAX_REQUEST_BYTES / 2), half(MAX_REQUEST_BYTES / 2 - 1)]).map((b) => b.entries.length)).toEqual([2]);
  });

  it('nothing in, nothing out', () => {
    expect(batchEntries([])).toEqual([]);
    expect(new BatchBuilder().flush()).toEqual([]);
  });

  it('streaming gives the same batches', async () => {
    const entries = Array.from({ length: 25 }, (_, i) => entry(`{"i":${i},"pad":"${'x'.repeat((i * 37_000) % 200_000)}"}`));
    async function* source() {
      yield* entries;
    }
    const streamed = [];
    for await (const batch of batchesOf(source())) streamed.push(batch);
    expect(streamed).toEqual(batchEntries(entries));
  });

  it('property: every batch within the limits, every entry once, in order, none split needlessly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 120_000 }), { maxLength: 60 }), (sizes) => {
        const entries = sizes.map((n, i) => entry(`{"i":${i},"p":"${'é'.repeat(n)}"}`));
        const batches = batchEntries(entries);
        expect(batches.flatMap((b) => b.entries)).toEqual(entries);
        for (const [k, batch] of batches.entries()) {
          expect(batch.entries.length).toBeGreaterThan(0);
          if (batch.oversized) {
            expect(batch.entries).toHaveLength(1);
            expect(entrySize(batch.entries[0])).toBeGreaterThanOrEqual(MAX_REQUEST_BYTES);
            continue;
          }
          expect(batch.entries.length).toBeLessThanOrEqual(MAX_ENTRIES_PER_REQUEST);
          expect(batch.entries.reduce((n, e) => n + entrySize(e), 0)).toBeLessThan(MAX_REQUEST_BYTES);
          // Greedy: a batch closed early could not have taken the next entry.
          const next = batches[k + 1];
          if (next && !next.oversized && batch.entries.length < MAX_ENTRIES_PER_REQUEST) {
            expect(batch.bytes + entrySize(next.entries[0])).toBeGreaterThanOrEqual(MAX_REQUEST_BYTES);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
