import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';

/**
 * PutEvents limits: entries per request, and bytes per request (entry sizes summed, as AWS computes them). The total
 * "must be less than 256KB": a request of exactly {@link MAX_REQUEST_BYTES} is refused, so a batch stays below it.
 */
export const MAX_ENTRIES_PER_REQUEST = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;
/** What `Time` counts towards an entry's size, when it is given. */
const TIME_BYTES = 14;

/**
 * An entry's size as AWS computes it for the PutEvents limit: 14 bytes for `Time`, plus the UTF-8 bytes of `Source`,
 * `DetailType`, `Detail` and each `Resources` entry. (`EventBusName` does not count.)
 */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? TIME_BYTES : 0;
  if (entry.Source) size += Buffer.byteLength(entry.Source, 'utf8');
  if (entry.DetailType) size += Buffer.byteLength(entry.DetailType, 'utf8');
  if (entry.Detail) size += Buffer.byteLength(entry.Detail, 'utf8');
  for (const resource of entry.Resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

/** A batch of entries for one PutEvents request, with their total size. */
export interface EventBatch {
  entries: PutEventsRequestEntry[];
  bytes: number;
}

/**
 * Packs entries, in order, into batches of at most {@link MAX_ENTRIES_PER_REQUEST} entries and fewer than
 * {@link MAX_REQUEST_BYTES}. An entry that is not smaller than a whole request can never be sent: it comes back from
 * {@link add} as a batch of its own, marked `oversized`, and the caller counts it failed.
 */
export class BatchBuilder {
  private entries: PutEventsRequestEntry[] = [];
  private bytes = 0;

  constructor(
    /** `maxBytes` is exclusive: a batch's total is always below it. */
    private readonly limits: { maxEntries: number; maxBytes: number } = {
      maxEntries: MAX_ENTRIES_PER_REQUEST,
      maxBytes: MAX_REQUEST_BYTES,
    },
  ) {}

  /** Adds an entry; returns the batches it completed (none, the current one, and/or the entry alone when oversized). */
  add(entry: PutEventsRequestEntry): (EventBatch & { oversized?: true })[] {
    const size = entrySize(entry);
    // In order: the batch before it goes first (never happens with real events: theirs are a few KB).
    if (size >= this.limits.maxBytes) return [...this.flush(), { entries: [entry], bytes: size, oversized: true }];
    const done: EventBatch[] = [];
    if (this.entries.length > 0 && this.bytes + size >= this.limits.maxBytes) {
      done.push(this.take());
    }
    this.entries.push(entry);
    this.bytes += size;
    if (this.entries.length === this.limits.maxEntries) done.push(this.take());
    return done;
  }

  /** The last, partly filled batch, if any. */
  flush(): EventBatch[] {
    return this.entries.length > 0 ? [this.take()] : [];
  }

  private take(): EventBatch {
    const batch = { entries: this.entries, bytes: this.bytes };
    this.entries = [];
    this.bytes = 0;
    return batch;
  }
}

/** Every entry packed into batches within the limits, in order (see {@link BatchBuilder}). */
export function batchEntries(entries: Iterable<PutEventsRequestEntry>): (EventBatch & { oversized?: true })[] {
  const builder = new BatchBuilder();
  const batches: (EventBatch & { oversized?: true })[] = [];
  for (const entry of entries) batches.push(...builder.add(entry));
  batches.push(...builder.flush());
  return batches;
}

/** The same, streaming: batches are yielded as they fill, so that only one is held at a time. */
export async function* batchesOf(entries: AsyncIterable<PutEventsRequestEntry>): AsyncGenerator<EventBatch & { oversized?: true }> {
  const builder = new BatchBuilder();
  for await (const entry of entries) yield* builder.add(entry);
  yield* builder.flush();
}
