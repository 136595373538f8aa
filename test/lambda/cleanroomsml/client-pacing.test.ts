/**
 * The client's retry loop with the standard strategy and a per-operation pacer, over HTTP against the emulator:
 * what the pacer is told and when, places freed on abort and error, operations kept apart on the wire, the bound on
 * throttled requests waiting for a retry, Retry-After, and the 10-attempt default.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RetryStrategyV2 } from '@smithy/types';
import { StandardRetryStrategy } from '@smithy/util-retry';
import {
  CleanRoomsMLClient,
  GetAudienceGenerationJobCommand,
  ListAudienceGenerationJobsCommand,
  paginateListAudienceGenerationJobs,
} from '../../../lambda/cleanroomsml';
import { OperationPacer, type RequestPacer } from '../../../lambda/pacing/operation-pacer';
import type { AttemptOutcome } from '../../../lambda/pacing/rate-controller';
import { generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { FixedRate } from '../pacing/fixed-rate';
import { useEmulatorClients } from './client-harness';

const GET = 'GetAudienceGenerationJob';
const LIST = 'ListAudienceGenerationJobs';

const SMALL = collaborationId(11);
const smallJobs = generateJobs({ collaborationId: SMALL, count: 3 });
/** Three pages of List. */
const BIG = collaborationId(12);
const bigJobs = generateJobs({ collaborationId: BIG, count: 250 });

/** Notes every call, then passes it on (if there is a pacer to pass it to). */
class RecordingPacer implements RequestPacer {
  readonly calls: string[] = [];
  constructor(private readonly inner?: RequestPacer) {}
  async acquire(operation: string, signal?: AbortSignal): Promise<void> {
    this.calls.push(`acquire ${operation}`);
    await this.inner?.acquire(operation, signal);
  }
  record(operation: string, outcome: AttemptOutcome, attempt?: number): void {
    this.calls.push(`record ${operation} ${outcome}`);
    this.inner?.record(operation, outcome, attempt);
  }
}

/** One limiter for the whole client, as the SDK's adaptive strategy has: the control for the isolation test. */
class SharedLanePacer implements RequestPacer {
  constructor(private readonly inner: OperationPacer) {}
  acquire(_operation: string, signal?: AbortSignal): Promise<void> {
    return this.inner.acquire('shared', signal);
  }
  record(_operation: string, outcome: AttemptOutcome, attempt?: number): void {
    this.inner.record('shared', outcome, attempt);
  }
}

describe('CleanRoomsMLClient with a pacer, against the emulator', () => {
  const harness = useEmulatorClients((emulator) => {
    emulator.seed(SMALL, smallJobs);
    emulator.seed(BIG, bigJobs);
  });
  const { newClient } = harness;
  const listSmall = (client: CleanRoomsMLClient) => client.send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }));
  const getJob = (client: CleanRoomsMLClient, i = 0, abortSignal?: AbortSignal) =>
    client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: smallJobs[i].audienceGenerationJobArn }), { abortSignal });

  describe('what the pacer is told', () => {
    it('acquires before every attempt and records after it: throttled for a 429, success for a 2xx', async () => {
      harness.emulator.faults.throttle(2);
      jest.spyOn(Math, 'random').mockReturnValue(0); // no backoff to wait for
      const pacer = new RecordingPacer();

      const output = await listSmall(newClient({ pacer }));

      expect(output.$metadata.attempts).toBe(3);
      expect(pacer.calls).toEqual([
        `acquire ${LIST}`,
        `record ${LIST} throttled`,
        `acquire ${LIST}`,
        `record ${LIST} throttled`,
        `acquire ${LIST}`,
        `record ${LIST} success`,
      ]);
    });

    it('records error for a server error, a connection reset and a 404, and success for a 2xx with an invalid body', async () => {
      jest.spyOn(Math, 'random').mockReturnValue(0);
      const pacer = new RecordingPacer();
      const client = newClient({ pacer, maxAttempts: 3 });

      harness.emulator.faults.serverErrors(1, { status: 503 }).resetConnections(1, { at: 'before-response' });
      await getJob(client);
      const unknownArn = smallJobs[0].audienceGenerationJobArn.replace(/.{4}$/, 'dead');
      await expect(client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: unknownArn }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      harness.emulator.faults.malformedJson(1);
      await expect(listSmall(client)).rejects.toMatchObject({ name: 'InvalidResponseError' });

      expect(pacer.calls.filter((call) => call.startsWith('record'))).toEqual([
        `record ${GET} error`,
        `record ${GET} error`,
        `record ${GET} success`,
        `record ${GET} error`,
        `record ${LIST} success`,
      ]);
      expect(pacer.calls.filter((call) => call.startsWith('acquire'))).toHaveLength(5);
    });

    it('does not take a turn for a command that cannot be serialized', async () => {
      const pacer = new RecordingPacer();
      await expect(newClient({ pacer }).send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: '' }))).rejects.toThrow(
        /audienceGenerationJobArn is required/,
      );
      expect(pacer.calls).toEqual([]);
      expect(harness.emulator.requests).toHaveLength(0);
    });

    it('stops waiting for the pacer when the abort signal fires, with its reason, sending nothing', async () => {
      const pacer = new OperationPacer({ createController: () => new FixedRate(0.2) });
      const client = newClient({ pacer });
      await listSmall(client);
      harness.emulator.clearRequests();
      const controller = new AbortController();
      const reason = new Error('deadline');

      const sending = client
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: controller.signal })
        .catch((err: unknown) => err);
      await sleep(50);
      expect(pacer.state(LIST)!.queued).toBe(1);
      controller.abort(reason);

      expect(await sending).toBe(reason);
      expect(harness.emulator.requests).toHaveLength(0);
      expect(pacer.state(LIST)!.queued).toBe(0);
    });

    it('records error for an attempt aborted in flight', async () => {
      harness.emulator.faults.slowResponse(1, 3_000);
      const pacer = new RecordingPacer();
      const controller = new AbortController();
      const reason = new Error('stop');

      const sending = newClient({ pacer })
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: controller.signal })
        .catch((err: unknown) => err);
      while (harness.emulator.requests.length < 1) await sleep(5);
      controller.abort(reason);

      expect(await sending).toBe(reason);
      expect(pacer.calls).toEqual([`acquire ${LIST}`, `record ${LIST} error`]);
    });
  });

  describe('operations kept apart on the wire', () => {
    /**
     * Gets succeed at about 5/s for a second, then every Get is throttled: the Get lane comes down to about
     * 4.5/s with retries queued behind it. Resolves once that is so.
     */
    const throttleGets = async (
      client: CleanRoomsMLClient,
      pacer: { state(operation: string): { decreases: number; queued: number } | undefined },
      lane: string,
      signal: AbortSignal,
    ) => {
      const warmUpUntil = Date.now() + 1_100;
      while (Date.now() < warmUpUntil) {
        await getJob(client, 0, signal);
        await sleep(200);
      }
      harness.emulator.faults.throttle(10_000, { operation: GET });
      const loops = Array.from({ length: 6 }, async (_, i) => {
        while (!signal.aborted) await getJob(client, i % smallJobs.length, signal).catch(() => undefined);
      });
      while (!(pacer.state(lane)!.decreases >= 1 && pacer.state(lane)!.queued >= 2)) await sleep(10);
      return loops;
    };

    it('List attempts are not delayed while Get is throttled and paced down (one pacer, a lane per operation)', async () => {
      jest.spyOn(Math, 'random').mockReturnValue(0.2);
      const pacer = new OperationPacer();
      const client = newClient({ pacer, maxAttempts: 10 });
      const stop = new AbortController();
      const loops = await throttleGets(client, pacer, GET, stop.signal);
      const getRate = pacer.state(GET)!.rate;
      expect(getRate).toBeLessThan(10);

      const started = Date.now();
      const pages = [];
      for await (const page of paginateListAudienceGenerationJobs({ client }, { collaborationId: BIG })) pages.push(page);
      const elapsed = Date.now() - started;
      const getState = pacer.state(GET)!;
      stop.abort(new Error('test over'));
      await Promise.all(loops);

      expect(pages.flatMap((page) => page.audienceGenerationJobs)).toHaveLength(250);
      // Three pages in far less than one Get spacing (about 220 ms): nothing waited behind the Gets.
      expect(elapsed).toBeLessThan(1_000 / getRate);
      expect(getState.queued).toBeGreaterThanOrEqual(1);
      expect(getState.throttles).toBeGreaterThan(0);
      expect(pacer.state(LIST)).toMatchObject({ rate: Infinity, decreases: 0, throttles: 0, successes: 3 });
      const listRequests = harness.emulator.requests.filter((request) => request.operation === LIST);
      expect(listRequests.map((request) => request.status)).toEqual([200, 200, 200]);
    });

    it('control: with one limiter for the whole client, the same List waits behind the throttled Gets', async () => {
      jest.spyOn(Math, 'random').mockReturnValue(0.2);
      const operations = new OperationPacer();
      const client = newClient({ pacer: new SharedLanePacer(operations), maxAttempts: 10 });
      const stop = new AbortController();
      const loops = await throttleGets(client, operations, 'shared', stop.signal);
      const rate = operations.state('shared')!.rate;

      const started = Date.now();
      await client.send(new ListAudienceGenerationJobsCommand({ collaborationId: BIG }));
      const elapsed = Date.now() - started;
      stop.abort(new Error('test over'));
      await Promise.all(loops);

      // Behind at least the queued Gets, each a spacing apart.
      expect(elapsed).toBeGreaterThanOrEqual(1_000 / rate);
    });
  });

  describe("the pacer's probe: an attempt holds its place until recorded", () => {
    it('frees the place of an attempt aborted in flight: the next attempt starts at once, not after the probe (1 s)', async () => {
      harness.emulator.faults.slowResponse(1, 3_000);
      const pacer = new OperationPacer({ probeAttempts: 1 });
      const client = newClient({ pacer });
      const controller = new AbortController();

      const aborted = getJob(client, 0, controller.signal).catch((err: unknown) => err);
      const next = getJob(client, 1);
      while (harness.emulator.requests.length < 1) await sleep(5);
      expect(pacer.state(GET)).toMatchObject({ started: 1, queued: 1 });
      const started = Date.now();
      controller.abort(new Error('stop'));

      expect(await aborted).toEqual(new Error('stop'));
      await next;
      expect(Date.now() - started).toBeLessThan(500);
      expect(pacer.state(GET)).toMatchObject({ started: 0, queued: 0, errors: 1, successes: 1 });
    });

    it('frees the place of an attempt that failed: its retry starts at once', async () => {
      harness.emulator.faults.serverErrors(1, { status: 503 });
      jest.spyOn(Math, 'random').mockReturnValue(0);
      const pacer = new OperationPacer({ probeAttempts: 1 });

      const started = Date.now();
      const output = await getJob(newClient({ pacer }));

      expect(output.$metadata.attempts).toBe(2);
      expect(Date.now() - started).toBeLessThan(500);
      expect(pacer.state(GET)).toMatchObject({ started: 0, errors: 1, successes: 1 });
    });
  });

  describe('throttled requests waiting for their retry', () => {
    it('are 90 at most: with 150 Gets whose first attempts are all throttled, the rest wait for a place, and the retry quota holds', async () => {
      // 150 throttled retries at once would take 750 of the standard strategy's 500 tokens: a third would be refused.
      harness.emulator.faults.throttleFirstAttempts({ operation: GET });
      jest.spyOn(Math, 'random').mockReturnValue(0.5); // every first retry waits 500 ms
      // The standard strategy, counting the requests inside its retry wait at once.
      const standard = new StandardRetryStrategy(() => Promise.resolve(10));
      type StandardToken = Parameters<typeof standard.recordSuccess>[0];
      let waiting = 0;
      let mostWaiting = 0;
      const retryStrategy: RetryStrategyV2 = {
        acquireInitialRetryToken: (scope) => standard.acquireInitialRetryToken(scope),
        refreshRetryTokenForRetry: async (token, errorInfo) => {
          mostWaiting = Math.max(mostWaiting, ++waiting);
          try {
            return await standard.refreshRetryTokenForRetry(token as StandardToken, errorInfo);
          } finally {
            waiting--;
          }
        },
        recordSuccess: (token) => standard.recordSuccess(token as StandardToken),
      };
      const client = newClient({ retryStrategy });

      const started = Date.now();
      const outputs = await Promise.all(
        bigJobs
          .slice(0, 150)
          .map((job) => client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }))),
      );

      expect(outputs.every((output) => output.$metadata.attempts === 2)).toBe(true);
      expect(harness.emulator.requests.filter((request) => request.status === 429)).toHaveLength(150);
      expect(mostWaiting).toBe(90);
      // The 60 beyond the first 90 waited for a place, then 500 ms: two rounds.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    });
  });

  describe('the standard retry strategy', () => {
    it('honours Retry-After with a pacer in front: the retry comes no earlier than the hint', async () => {
      harness.emulator.faults.throttle(1, { retryAfterSeconds: 2, operation: LIST });
      const pacer = new RecordingPacer(new OperationPacer());

      const started = Date.now();
      const output = await listSmall(newClient({ pacer }));
      const elapsed = Date.now() - started;

      expect(output.$metadata.attempts).toBe(2);
      expect(harness.emulator.requests.map((request) => request.status)).toEqual([429, 200]);
      expect(elapsed).toBeGreaterThanOrEqual(1_990);
      expect(output.$metadata.totalRetryDelay).toBeGreaterThanOrEqual(1_950);
      expect(pacer.calls).toEqual([`acquire ${LIST}`, `record ${LIST} throttled`, `acquire ${LIST}`, `record ${LIST} success`]);
    });

    it.each([
      ['without a pacer', false],
      ['with a pacer', true],
    ])('gives up after 10 attempts by default (%s)', async (_label, withPacer) => {
      harness.emulator.faults.throttle(12);
      jest.spyOn(Math, 'random').mockReturnValue(0); // no backoff: ten attempts at once
      const pacer = withPacer ? new RecordingPacer(new OperationPacer()) : undefined;

      const error = await listSmall(newClient({ pacer })).catch((err: unknown) => err);

      expect(error).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429, attempts: 10 } });
      expect(harness.emulator.requests).toHaveLength(10);
      expect(harness.emulator.faults.pending).toBe(2);
      if (pacer) {
        expect(pacer.calls.filter((call) => call === `acquire ${LIST}`)).toHaveLength(10);
        expect(pacer.calls.filter((call) => call === `record ${LIST} throttled`)).toHaveLength(10);
      }
    });

    it('has no client-wide rate limiter: after a 429, the next requests go at full speed', async () => {
      // The adaptive strategy's limiter drops to 0.5 requests/s after a first throttle: 20 more requests would
      // take tens of seconds.
      harness.emulator.faults.throttle(1);
      jest.spyOn(Math, 'random').mockReturnValue(0);
      const client = newClient();

      const started = Date.now();
      for (let i = 0; i < 21; i++) await listSmall(client);
      const elapsed = Date.now() - started;

      expect(harness.emulator.requests).toHaveLength(22);
      expect(elapsed).toBeLessThan(2_000);
    });
  });
});
