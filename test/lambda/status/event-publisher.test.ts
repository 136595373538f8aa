import type { PutEventsCommand, PutEventsCommandOutput, PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { batchEntries } from '../../../lambda/status/event-batches';
import {
  ENTRY_TOO_LARGE,
  EventPublisher,
  NOT_SENT_STOPPED,
  PERMANENT_ENTRY_ERRORS,
  type PutEventsClient,
} from '../../../lambda/status/event-publisher';

/** A virtual clock: sleeping advances it at once, and every sleep is recorded. */
class FakeClock {
  now = 0;
  readonly sleeps: number[] = [];
  sleep = async (ms: number, signal: AbortSignal | undefined) => {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.now += ms;
  };
}

type Answer = (entries: PutEventsRequestEntry[], call: number) => Array<string | undefined> | Error;

/** A PutEvents client that answers per entry: undefined accepts it, a string is its ErrorCode; an Error fails the request. */
class FakeEventBridge implements PutEventsClient {
  readonly calls: { entries: PutEventsRequestEntry[]; at: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly answer: Answer,
    private readonly clock?: FakeClock,
  ) {}

  async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    const entries = command.input.Entries!;
    this.calls.push({ entries, at: this.clock?.now ?? 0 });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight--;
    const codes = this.answer(entries, this.calls.length);
    if (codes instanceof Error) throw codes;
    const results = codes.map((code, i) =>
      code ? { ErrorCode: code, ErrorMessage: 'failed' } : { EventId: `id-${this.calls.length}-${i}` },
    );
    return { $metadata: {}, FailedEntryCount: codes.filter(Boolean).length, Entries: results };
  }
}

const entries = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ Source: 's', DetailType: 'd', Detail: JSON.stringify({ i: from + i }), Time: new Date(0) }));
const ids = (list: PutEventsRequestEntry[]) => list.map((e) => JSON.parse(e.Detail!).i as number);
const noJitter = () => 1;

describe('EventPublisher', () => {
  it('sends every batch; all accepted', async () => {
    const client = new FakeEventBridge((list) => list.map(() => undefined));
    const result = await new EventPublisher({ client }).publish(batchEntries(entries(25)));
    expect(result).toEqual({ sent: 25, failed: 0, errorCodes: {} });
    expect(client.calls.map((c) => c.entries.length)).toEqual([10, 10, 5]);
  });

  it('sends nothing for no entries', async () => {
    const client = new FakeEventBridge(() => new Error('unexpected'));
    expect(await new EventPublisher({ client }).publish([])).toEqual({ sent: 0, failed: 0, errorCodes: {} });
    expect(client.calls).toHaveLength(0);
  });

  it('retries only the entries that failed, after a capped, doubling backoff, until they are accepted', async () => {
    const clock = new FakeClock();
    // Call 1: entries 2 and 5 fail; call 2 (their retry): entry 5 fails again; call 3: accepted.
    const client = new FakeEventBridge(
      (list, call) =>
        list.map((e) =>
          (call === 1 && [2, 5].includes(ids([e])[0])) || (call === 2 && ids([e])[0] === 5) ? 'ThrottlingException' : undefined,
        ),
      clock,
    );
    const publisher = new EventPublisher({ client, sleep: clock.sleep, random: noJitter, baseDelayMs: 100, maxDelayMs: 1_000 });
    const result = await publisher.publish(batchEntries(entries(8)));
    expect(result).toEqual({ sent: 8, failed: 0, errorCodes: {} });
    expect(client.calls.map((c) => ids(c.entries))).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [2, 5], [5]]);
    expect(clock.sleeps).toEqual([100, 200]);
    expect(client.calls.map((c) => c.at)).toEqual([0, 100, 300]);
  });

  it('gives up after maxAttempts: the entries count failed, by their last error code', async () => {
    const clock = new FakeClock();
    const client = new FakeEventBridge(
      (list, call) => list.map((_, i) => (i % 2 === 0 ? (call < 3 ? 'ThrottlingException' : 'InternalFailure') : undefined)),
      clock,
    );
    const publisher = new EventPublisher({
      client,
      sleep: clock.sleep,
      random: noJitter,
      maxAttempts: 4,
      baseDelayMs: 100,
      maxDelayMs: 250,
    });
    const result = await publisher.publish(batchEntries(entries(6)));
    // Each answer fails the entries at even positions: [0..5] → [0, 2, 4] → [0, 4] → [0], which fails a 4th time.
    expect(client.calls.map((c) => ids(c.entries))).toEqual([[0, 1, 2, 3, 4, 5], [0, 2, 4], [0, 4], [0]]);
    expect(result).toEqual({ sent: 5, failed: 1, errorCodes: { InternalFailure: 1 } });
    // Capped: 100, 200, then 250 (not 400).
    expect(clock.sleeps).toEqual([100, 200, 250]);
  });

  it('entries whose error code is permanent fail at once; transient and unknown codes are retried', async () => {
    const clock = new FakeClock();
    const first: Record<number, string> = { 0: 'MalformedDetail', 1: 'InvalidArgument', 2: 'ThrottlingException', 3: 'SomethingNew' };
    const client = new FakeEventBridge((list, call) => list.map((e) => (call === 1 ? first[ids([e])[0]] : undefined)), clock);
    const result = await new EventPublisher({ client, sleep: clock.sleep }).publish(batchEntries(entries(5)));
    expect(result).toEqual({ sent: 3, failed: 2, errorCodes: { MalformedDetail: 1, InvalidArgument: 1 } });
    expect(client.calls.map((c) => ids(c.entries))).toEqual([
      [0, 1, 2, 3, 4],
      [2, 3],
    ]);
    expect(PERMANENT_ENTRY_ERRORS).toEqual(
      new Set([
        'AccessDeniedException',
        'InvalidAccountIdException',
        'InvalidArgument',
        'MalformedDetail',
        'RedactionFailure',
        'NotAuthorizedForSourceException',
        'NotAuthorizedForDetailTypeException',
      ]),
    );
  });

  it('the backoff is jittered within its upper half', () => {
    const publisher = new EventPublisher({ client: new FakeEventBridge(() => []), baseDelayMs: 200, maxDelayMs: 5_000, random: () => 0 });
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => publisher.backoffMs(n))).toEqual([100, 200, 400, 800, 1600, 2500, 2500]);
    const high = new EventPublisher({
      client: new FakeEventBridge(() => []),
      baseDelayMs: 200,
      maxDelayMs: 5_000,
      random: () => 0.999_999,
    });
    expect(high.backoffMs(1)).toBe(200);
    expect(high.backoffMs(9)).toBe(5_000);
  });

  it('a request that fails as a whole (the SDK already retried it) fails its entries; the other batches go on', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400, attempts: 4 },
    });
    const client = new FakeEventBridge((list, call) => (call === 2 ? throttled : list.map(() => undefined)));
    const result = await new EventPublisher({ client, concurrency: 1 }).publish(batchEntries(entries(25)));
    expect(result).toEqual({
      sent: 15,
      failed: 10,
      errorCodes: { ThrottlingException: 10 },
      error: { name: 'ThrottlingException', message: 'Rate exceeded', httpStatusCode: 400, attempts: 4 },
    });
    expect(client.calls).toHaveLength(3);
  });

  it('an entry without EventId nor ErrorCode counts as failed and is retried', async () => {
    const clock = new FakeClock();
    let call = 0;
    const client: PutEventsClient = {
      send: async (command) => {
        call++;
        const n = command.input.Entries!.length;
        return {
          $metadata: {},
          FailedEntryCount: 0,
          Entries: call === 1 ? [{ EventId: 'a' }] : Array.from({ length: n }, () => ({ EventId: 'b' })),
        };
      },
    };
    const result = await new EventPublisher({ client, sleep: clock.sleep }).publish(batchEntries(entries(3)));
    expect(result).toEqual({ sent: 3, failed: 0, errorCodes: {} });
    expect(call).toBe(2);
  });

  it('an entry larger than a whole request is not sent and counts failed', async () => {
    const client = new FakeEventBridge((list) => list.map(() => undefined));
    const huge = { Source: 's', DetailType: 'd', Detail: JSON.stringify({ i: 99, pad: 'x'.repeat(300_000) }) };
    const result = await new EventPublisher({ client }).publish(batchEntries([...entries(2), huge, ...entries(1, 2)]));
    expect(result).toEqual({ sent: 3, failed: 1, errorCodes: { [ENTRY_TOO_LARGE]: 1 } });
    expect(client.calls.flatMap((c) => ids(c.entries))).toEqual([0, 1, 2]);
  });

  it('once the run stops, nothing more is sent or waited for: the rest counts failed', async () => {
    const clock = new FakeClock();
    const stop = new AbortController();
    const client = new FakeEventBridge((list, call) => {
      if (call === 1) stop.abort(new Error('deadline'));
      return list.map(() => 'InternalFailure');
    }, clock);
    const result = await new EventPublisher({ client, sleep: clock.sleep, concurrency: 1 }).publish(batchEntries(entries(30)), stop.signal);
    expect(result).toEqual({ sent: 0, failed: 30, errorCodes: { [NOT_SENT_STOPPED]: 30 } });
    expect(client.calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    const client = new FakeEventBridge((list) => list.map(() => undefined));
    const result = await new EventPublisher({ client, concurrency: 3 }).publish(batchEntries(entries(200)));
    expect(result.sent).toBe(200);
    expect(client.maxInFlight).toBe(3);
  });

  it('reads the batches lazily: a stream of them is never held whole', async () => {
    const client = new FakeEventBridge((list) => list.map(() => undefined));
    let produced = 0;
    async function* batches() {
      for (let k = 0; k < 50; k++) {
        produced++;
        // Never more than the requests in flight (+1 being read) ahead of what was sent.
        expect(produced - client.calls.length).toBeLessThanOrEqual(2);
        yield { entries: entries(10, k * 10), bytes: 0 };
      }
    }
    expect((await new EventPublisher({ client, concurrency: 1 }).publish(batches())).sent).toBe(500);
  });
});
