import { setTimeout as delay } from 'node:timers/promises';
import { PutEventsCommand, type PutEventsCommandOutput, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { errorDetails, type ErrorDetails } from '../commons/error-details';
import type { EventBatch } from './event-batches';

/** What the publisher needs of the EventBridge client (the SDK's, which also retries throttled requests). */
export interface PutEventsClient {
  send(command: PutEventsCommand, options?: { abortSignal?: AbortSignal }): Promise<PutEventsCommandOutput>;
}

export interface EventPublisherOptions {
  client: PutEventsClient;
  /** Attempts per entry that PutEvents reports failed, the first included. Default 5. */
  maxAttempts?: number;
  /** Backoff before the first retry; it doubles per retry, up to `maxDelayMs`. Default 200 ms. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** PutEvents requests in flight at once. Default 4. */
  concurrency?: number;
  /** Waits `ms`; rejects when `signal` aborts. Default a timer (a fake clock in tests). */
  sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  /** In [0, 1): the jitter of each backoff. Default Math.random. */
  random?: () => number;
}

/** Code counted for an entry that could not be sent at all: larger than a whole request. */
export const ENTRY_TOO_LARGE = 'EntryTooLarge';
/** Code counted for entries not sent because the run stopped (its deadline). */
export const NOT_SENT_STOPPED = 'RunStopped';

/**
 * Per-entry error codes that sending the entry again cannot fix (the API reference's "non-retryable errors" of
 * PutEventsResultEntry): the entry fails at once. Every other code, InternalFailure, ThrottlingException and any code
 * not listed here included, is retried.
 */
export const PERMANENT_ENTRY_ERRORS: ReadonlySet<string> = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

export interface PublishResult {
  /** Entries EventBridge accepted. */
  sent: number;
  /** Entries that could not be delivered after every attempt. */
  failed: number;
  /** The last error code of each failed entry, counted: `ThrottlingException`, `InternalFailure`, an error name... */
  errorCodes: Record<string, number>;
  /** The last request that failed as a whole (after the SDK's own retries), if any. */
  error?: ErrorDetails;
}

const DEFAULTS = { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 5_000, concurrency: 4 } as const;

/**
 * Sends batches of entries with PutEvents, at least once: entries the answer reports failed (`FailedEntryCount`, a
 * per-entry `ErrorCode`) are sent again, alone, after a capped, jittered backoff, up to `maxAttempts` times, unless
 * their code is one of {@link PERMANENT_ENTRY_ERRORS} (those fail at once). A request
 * that fails as a whole has already been retried by the SDK (throttling, 5xx, network); its entries count failed.
 * Never throws: the result says what was sent and what failed.
 */
export class EventPublisher {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly options: EventPublisherOptions) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULTS.maxAttempts);
    this.baseDelayMs = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULTS.concurrency);
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.random = options.random ?? Math.random;
  }

  /** The delay before retry `retry` (1 for the first): base × 2^(retry−1), capped, with half of it jittered. */
  backoffMs(retry: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (retry - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  /** Sends every batch (`oversized` ones count failed, unsent); resolves once each entry is delivered or given up. */
  async publish(
    batches: AsyncIterable<EventBatch & { oversized?: true }> | Iterable<EventBatch & { oversized?: true }>,
    signal?: AbortSignal,
  ): Promise<PublishResult> {
    const result: PublishResult = { sent: 0, failed: 0, errorCodes: {} };
    const inFlight = new Set<Promise<void>>();
    for await (const batch of batches) {
      if (batch.oversized) {
        fail(result, batch.entries.length, ENTRY_TOO_LARGE);
        continue;
      }
      const sending: Promise<void> = this.send(batch.entries, signal, result).finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      if (inFlight.size >= this.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    return result;
  }

  /** One batch, until each entry is accepted, has failed for good, or has had every attempt. */
  private async send(entries: PutEventsRequestEntry[], signal: AbortSignal | undefined, result: PublishResult): Promise<void> {
    let pending = entries;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) return fail(result, pending.length, NOT_SENT_STOPPED);
      let output: PutEventsCommandOutput;
      try {
        output = await this.options.client.send(new PutEventsCommand({ Entries: pending }), { abortSignal: signal });
      } catch (error) {
        result.error = errorDetails(error);
        return fail(result, pending.length, signal?.aborted ? NOT_SENT_STOPPED : result.error.name);
      }
      const retry: PutEventsRequestEntry[] = [];
      const codes: string[] = [];
      pending.forEach((entry, i) => {
        const answer = output.Entries?.[i];
        const code = answer?.ErrorCode;
        if (answer?.EventId && !code) result.sent++;
        else if (code && PERMANENT_ENTRY_ERRORS.has(code)) fail(result, 1, code);
        else {
          retry.push(entry);
          codes.push(code ?? 'NoEventId');
        }
      });
      if (retry.length === 0) return;
      if (attempt >= this.maxAttempts) {
        for (const code of codes) fail(result, 1, code);
        return;
      }
      try {
        await this.sleep(this.backoffMs(attempt), signal);
      } catch {
        return fail(result, retry.length, NOT_SENT_STOPPED);
      }
      pending = retry;
    }
  }
}

function fail(result: PublishResult, count: number, code: string): void {
  if (count === 0) return;
  result.failed += count;
  result.errorCodes[code] = (result.errorCodes[code] ?? 0) + count;
}
