/**
 * The real Clean Rooms ML client over HTTP against the local emulator (SigV4 verified on every request):
 * serialization, pagination, deserialization, typed errors, and the retry behaviour of the default
 * (standard) strategy with real backoff delays. Pacing: client-pacing.test.ts.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CleanRoomsMLClient,
  CleanRoomsMLServiceException,
  GetAudienceGenerationJobCommand,
  InvalidResponseError,
  ListAudienceGenerationJobsCommand,
  PaginationLoopError,
  paginateListAudienceGenerationJobs,
  type CleanRoomsMLClientConfig,
  type ListAudienceGenerationJobsCommandOutput,
} from '../../lambda/cleanroomsml';
import { CleanRoomsMLEmulator, generateJobs, type EmulatorJob } from '../../local/emulator';
import { collaborationId } from '../support/ids';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Listings of these sizes, one collaboration each. */
const SIZES = [0, 1, 100, 101, 250] as const;
const sizedCollaboration = (size: number) => collaborationId(1000 + size);
const jobsBySize = new Map<number, EmulatorJob[]>(
  SIZES.map((size) => [size, generateJobs({ collaborationId: sizedCollaboration(size), count: size })]),
);
const jobsOfSize = (size: number): EmulatorJob[] => jobsBySize.get(size)!;

/** A small collaboration for error and retry tests. */
const SMALL = collaborationId(1);
const smallJobs = generateJobs({ collaborationId: SMALL, count: 3 });
/** Jobs at the edges of the model's constraints (2048-character ARNs, tabs and non-ASCII names, ...). */
const EDGES = collaborationId(2);
const edgeJobs = generateJobs({ collaborationId: EDGES, count: 6, boundaryValues: true });

/** Wire timestamps and the instant each stands for (Date keeps milliseconds; finer digits are truncated). */
const TIMESTAMPS: readonly [wire: string, iso: string][] = [
  ['2024-03-01T09:00:00Z', '2024-03-01T09:00:00.000Z'],
  ['2024-03-01T09:00:00.5Z', '2024-03-01T09:00:00.500Z'],
  ['2024-03-01T09:00:00.12Z', '2024-03-01T09:00:00.120Z'],
  ['2024-03-01T09:00:00.123Z', '2024-03-01T09:00:00.123Z'],
  ['2024-03-01T09:00:00.123456Z', '2024-03-01T09:00:00.123Z'],
  ['2024-03-01T09:00:00.999999999Z', '2024-03-01T09:00:00.999Z'],
  ['2024-03-01T10:00:00+01:00', '2024-03-01T09:00:00.000Z'],
  ['2024-03-01T04:30:00.250-04:30', '2024-03-01T09:00:00.250Z'],
  ['2024-03-01T00:00:00.000001+09:00', '2024-02-29T15:00:00.000Z'],
  ['2024-12-31T23:59:59.999-00:00', '2024-12-31T23:59:59.999Z'],
  ['2024-03-01t09:00:00.7z', '2024-03-01T09:00:00.700Z'],
];
const TIMES = collaborationId(3);
const timeJobs: EmulatorJob[] = generateJobs({ collaborationId: TIMES, count: TIMESTAMPS.length }).map((job, i) => ({
  ...job,
  createTime: TIMESTAMPS[i]![0],
  updateTime: TIMESTAMPS[(i + 1) % TIMESTAMPS.length]![0],
}));

/** An ARN of the right shape that was never seeded. */
const UNKNOWN_JOB_ARN = 'arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/00000000-0000-4000-8000-00000000dead';

describe('CleanRoomsMLClient against the emulator', () => {
  let emulator: CleanRoomsMLEmulator;
  const clients: CleanRoomsMLClient[] = [];

  /** A client for this emulator; fresh per test, so the retry strategy's retry quota starts full. */
  const newClient = (config: Partial<CleanRoomsMLClientConfig> = {}): CleanRoomsMLClient => {
    const client = new CleanRoomsMLClient({
      region: emulator.region,
      endpoint: emulator.endpoint,
      credentials: emulator.credentials,
      maxAttempts: 3,
      requestTimeoutMs: 5_000,
      ...config,
    });
    clients.push(client);
    return client;
  };

  const listSmall = (client: CleanRoomsMLClient) => client.send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }));

  const walk = async (client: CleanRoomsMLClient, collaboration: string, pageSize?: number) => {
    const pages: ListAudienceGenerationJobsCommandOutput[] = [];
    for await (const page of paginateListAudienceGenerationJobs({ client, pageSize }, { collaborationId: collaboration })) {
      pages.push(page);
    }
    return pages;
  };

  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start();
    for (const size of SIZES) emulator.seed(sizedCollaboration(size), jobsOfSize(size));
    emulator.seed(SMALL, smallJobs);
    emulator.seed(EDGES, edgeJobs);
    emulator.seed(TIMES, timeJobs);
  });
  afterAll(async () => {
    await emulator.stop();
  });
  beforeEach(() => {
    emulator.faults.reset();
    emulator.clearRequests();
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.destroy();
    stopRecordingArrivals(emulator);
  });

  describe('ListAudienceGenerationJobs through the paginator', () => {
    it.each(SIZES)('lists a collaboration of %i jobs: every job once, in order', async (size) => {
      const pages = await walk(newClient(), sizedCollaboration(size));

      const listed = pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn));
      expect(listed).toEqual(jobsOfSize(size).map((job) => job.audienceGenerationJobArn));
      expect(new Set(listed).size).toBe(size);
      const expectedPages = Math.max(1, Math.ceil(size / 100));
      expect(pages).toHaveLength(expectedPages);
      expect(pages.at(-1)!.nextToken).toBeUndefined();
      expect(emulator.requests).toHaveLength(expectedPages);
      for (const request of emulator.requests) {
        expect(request).toMatchObject({ method: 'GET', path: '/audience-generation-job', operation: 'ListAudienceGenerationJobs', status: 200 });
        expect(request.query.collaborationId).toEqual([sizedCollaboration(size)]);
        expect(request.query.maxResults).toEqual(['100']);
      }
    });

    it('deserializes every member of a summary, absent optional members as undefined', async () => {
      const [page] = await walk(newClient(), sizedCollaboration(250));
      const jobs = page!.audienceGenerationJobs;
      const wire = jobsOfSize(250);

      for (const [i, job] of jobs.entries()) {
        const seeded = wire[i]!;
        expect(job).toEqual({
          createTime: new Date(seeded.createTime),
          updateTime: new Date(seeded.updateTime),
          audienceGenerationJobArn: seeded.audienceGenerationJobArn,
          name: seeded.name,
          description: seeded.description,
          status: seeded.status,
          configuredAudienceModelArn: seeded.configuredAudienceModelArn,
          collaborationId: seeded.omitCollaborationIdInSummary ? undefined : sizedCollaboration(250),
          startedBy: seeded.startedBy,
        });
      }
      // The generator leaves some optional members out; make sure this test saw them absent.
      expect(jobs.some((job) => job.description === undefined)).toBe(true);
      expect(jobs.some((job) => job.startedBy === undefined)).toBe(true);
      expect(jobs.some((job) => job.collaborationId === undefined)).toBe(true);
    });

    it('sends tokens with + / = intact: the emulator receives exactly the token it issued', async () => {
      const pages = await walk(newClient(), sizedCollaboration(250));

      const tokens = pages.slice(0, -1).map((page) => page.nextToken!);
      expect(tokens).toHaveLength(2);
      for (const token of tokens) {
        expect(token).toMatch(/\+/);
        expect(token).toMatch(/\//);
        expect(token).toMatch(/=$/);
      }
      expect(emulator.requests.map((request) => request.query.nextToken)).toEqual([undefined, [tokens[0]], [tokens[1]]]);
      // Had a token been garbled on the way (e.g. + sent raw and read as a space), the emulator would have
      // answered ValidationException or a signature mismatch instead.
      expect(emulator.requests.map((request) => request.status)).toEqual([200, 200, 200]);
    });

    it('walks small pages with a configuredAudienceModelArn filter (an ARN in the query)', async () => {
      const modelArn = jobsOfSize(250)[1]!.configuredAudienceModelArn;
      const client = newClient();
      const pages: ListAudienceGenerationJobsCommandOutput[] = [];
      for await (const page of paginateListAudienceGenerationJobs(
        { client, pageSize: 40 },
        { collaborationId: sizedCollaboration(250), configuredAudienceModelArn: modelArn },
      )) {
        pages.push(page);
      }

      const expected = jobsOfSize(250).filter((job) => job.configuredAudienceModelArn === modelArn);
      expect(expected.length).toBeGreaterThan(80);
      expect(pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn))).toEqual(
        expected.map((job) => job.audienceGenerationJobArn),
      );
      expect(pages).toHaveLength(Math.ceil(expected.length / 40));
      for (const request of emulator.requests) {
        expect(request.query.configuredAudienceModelArn).toEqual([modelArn]);
        expect(request.query.maxResults).toEqual(['40']);
      }
    });

    it('reads jobs at the edges of the model: 2048-character ARNs, tabs and non-ASCII, empty descriptions', async () => {
      const pages = await walk(newClient(), EDGES);

      const jobs = pages.flatMap((page) => page.audienceGenerationJobs);
      expect(jobs.map((job) => [job.audienceGenerationJobArn, job.name, job.description])).toEqual(
        edgeJobs.map((job) => [job.audienceGenerationJobArn, job.name, job.description]),
      );
      expect(jobs.some((job) => job.audienceGenerationJobArn.length === 2048)).toBe(true);
      expect(jobs.some((job) => job.description === '')).toBe(true);
    });

    it('signs every request with SigV4 for the region and the cleanrooms-ml service', async () => {
      await walk(newClient(), sizedCollaboration(101));

      expect(emulator.requests).toHaveLength(2);
      for (const request of emulator.requests) {
        expect(request.headers.authorization).toMatch(
          new RegExp(`^AWS4-HMAC-SHA256 Credential=${emulator.credentials.accessKeyId}/\\d{8}/us-east-1/cleanrooms-ml/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$`),
        );
        expect(request.headers['amz-sdk-request']).toBe('attempt=1');
        expect(request.status).toBe(200);
      }
      // One invocation id per send, so two pages carry two ids.
      expect(new Set(emulator.requests.map((request) => request.headers['amz-sdk-invocation-id'])).size).toBe(2);
    });
  });

  describe('GetAudienceGenerationJob', () => {
    it('sends the ARN percent-encoded as one path label and reads the job with its statusDetails', async () => {
      const job = smallJobs[2]!;
      expect(job.status).toBe('CREATE_FAILED');

      const output = await newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }));

      expect(emulator.requests).toHaveLength(1);
      const [request] = emulator.requests;
      const encodedLabel = job.audienceGenerationJobArn.replace(/:/g, '%3A').replace(/\//g, '%2F');
      expect(request!.path).toBe(`/audience-generation-job/${encodedLabel}`);
      expect(request!.path.split('/')).toHaveLength(3);
      expect(request).toMatchObject({ operation: 'GetAudienceGenerationJob', status: 200 });
      expect(output).toEqual({
        createTime: new Date(job.createTime),
        updateTime: new Date(job.updateTime),
        audienceGenerationJobArn: job.audienceGenerationJobArn,
        name: job.name,
        description: job.description,
        status: 'CREATE_FAILED',
        configuredAudienceModelArn: job.configuredAudienceModelArn,
        collaborationId: SMALL,
        startedBy: job.startedBy,
        statusDetails: job.statusDetails,
        protectedQueryIdentifier: undefined,
        $metadata: { httpStatusCode: 200, requestId: expect.stringMatching(UUID), attempts: 1, totalRetryDelay: 0 },
      });
      expect(output.statusDetails?.statusCode).toBe('INSUFFICIENT_SEED_SIZE');
    });

    it('gets a job whose 2048-character ARN has several / and . in its resource part', async () => {
      const job = edgeJobs[2]!;
      expect(job.audienceGenerationJobArn).toHaveLength(2048);

      const output = await newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }));

      expect(output.audienceGenerationJobArn).toBe(job.audienceGenerationJobArn);
      expect(emulator.requests[0]!.path).not.toMatch(/^\/audience-generation-job\/.*\//);
    });

    it('rejects an empty ARN before sending anything', async () => {
      await expect(newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: '' }))).rejects.toThrow(
        /audienceGenerationJobArn is required/,
      );
      expect(emulator.requests).toHaveLength(0);
    });
  });

  describe('timestamps', () => {
    it('turns RFC 3339 timestamps of any fractional precision and offset into the right Date (List and Get)', async () => {
      const client = newClient();
      const [page] = await walk(client, TIMES);
      const listed = page!.audienceGenerationJobs;

      expect(listed.map((job) => job.createTime.toISOString())).toEqual(TIMESTAMPS.map(([, iso]) => iso));
      expect(listed.map((job) => job.updateTime.toISOString())).toEqual(TIMESTAMPS.map((_, i) => TIMESTAMPS[(i + 1) % TIMESTAMPS.length]![1]));
      for (const job of listed) expect(job.createTime).toBeInstanceOf(Date);

      for (const [i, job] of timeJobs.entries()) {
        const got = await client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }));
        expect(got.createTime.toISOString()).toBe(TIMESTAMPS[i]![1]);
      }
    });
  });

  describe('typed errors, not retried', () => {
    const expectServiceError = async (promise: Promise<unknown>, name: string, status: number, message: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      const serviceError = error as CleanRoomsMLServiceException;
      expect(serviceError.name).toBe(name);
      expect(serviceError.message).toMatch(message);
      expect(serviceError.$fault).toBe('client');
      expect(serviceError.$metadata).toMatchObject({ httpStatusCode: status, requestId: expect.stringMatching(UUID), attempts: 1 });
      return serviceError;
    };

    it('AccessDeniedException: 403, one request', async () => {
      emulator.faults.denyCollaboration(SMALL);

      await expectServiceError(listSmall(newClient()), 'AccessDeniedException', 403, new RegExp(`access to collaboration ${SMALL}`));

      expect(emulator.requests).toHaveLength(1);
      expect(emulator.requests[0]).toMatchObject({ status: 403, errorType: 'AccessDeniedException' });
    });

    it('ValidationException: 400, one request, message names the member', async () => {
      await expectServiceError(
        newClient().send(new ListAudienceGenerationJobsCommand({ collaborationId: 'not-a-collaboration-id' })),
        'ValidationException',
        400,
        /'collaborationId'/,
      );

      expect(emulator.requests).toHaveLength(1);
    });

    it('ValidationException for maxResults out of range', async () => {
      await expectServiceError(
        newClient().send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL, maxResults: 101 })),
        'ValidationException',
        400,
        /'maxResults'/,
      );
      expect(emulator.requests).toHaveLength(1);
    });

    it('ResourceNotFoundException: 404, one request', async () => {
      await expectServiceError(
        newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: UNKNOWN_JOB_ARN })),
        'ResourceNotFoundException',
        404,
        /not found/,
      );

      expect(emulator.requests).toHaveLength(1);
    });

    it('a wrong secret key: 403 InvalidSignatureException from the emulator, one request', async () => {
      const client = newClient({ credentials: { ...emulator.credentials, secretAccessKey: 'not-the-secret-key-at-all-000000000000000' } });

      await expectServiceError(listSmall(client), 'InvalidSignatureException', 403, /signature we calculated does not match/);

      expect(emulator.requests).toHaveLength(1);
    });

    it('an unknown access key: 403 UnrecognizedClientException, one request', async () => {
      const client = newClient({ credentials: { ...emulator.credentials, accessKeyId: 'AKIAI44QH8DHBEXAMPLE' } });

      await expectServiceError(listSmall(client), 'UnrecognizedClientException', 403, /security token/);

      expect(emulator.requests).toHaveLength(1);
    });

    it('signing for another region: 403 InvalidSignatureException, one request', async () => {
      await expectServiceError(listSmall(newClient({ region: 'eu-west-1' })), 'InvalidSignatureException', 403, /region/);
      expect(emulator.requests).toHaveLength(1);
    });
  });

  describe('retries', () => {
    it('retries a throttled request (429) and succeeds; $metadata.attempts counts both attempts', async () => {
      emulator.faults.throttle(1);

      const output = await listSmall(newClient());

      expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
      expect(output.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 2 });
      expect(output.$metadata.totalRetryDelay).toBeGreaterThanOrEqual(0);
      expect(emulator.requests.map((request) => request.status)).toEqual([429, 200]);
      expect(emulator.requests.map((request) => request.headers['amz-sdk-request'])).toEqual(['attempt=1', 'attempt=2']);
      // Both attempts belong to one invocation.
      expect(new Set(emulator.requests.map((request) => request.headers['amz-sdk-invocation-id'])).size).toBe(1);
    });

    it.each([500, 502, 503, 504] as const)('retries a %i and succeeds', async (status) => {
      emulator.faults.serverErrors(1, { status });

      const output = await listSmall(newClient());

      expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
      expect(output.$metadata.attempts).toBe(2);
      expect(emulator.requests.map((request) => request.status)).toEqual([status, 200]);
    });

    it('retries Get as well as List', async () => {
      emulator.faults.serverErrors(2, { status: 503, operation: 'GetAudienceGenerationJob' });

      const output = await newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: smallJobs[0]!.audienceGenerationJobArn }));

      expect(output.name).toBe(smallJobs[0]!.name);
      expect(output.$metadata.attempts).toBe(3);
      expect(emulator.requests.map((request) => request.status)).toEqual([503, 503, 200]);
    });

    it('gives up on throttling after exactly maxAttempts requests with a ThrottlingException', async () => {
      emulator.faults.throttle(5);

      const error = await listSmall(newClient({ maxAttempts: 3 })).catch((err: unknown) => err);

      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      expect(error).toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 429, attempts: 3, requestId: expect.stringMatching(UUID) },
      });
      expect(emulator.requests).toHaveLength(3);
      expect(emulator.faults.pending).toBe(2);
    });

    it('gives up on server errors after maxAttempts, with the status and a server fault', async () => {
      emulator.faults.serverErrors(3, { status: 502 });

      const error = await listSmall(newClient({ maxAttempts: 2 })).catch((err: unknown) => err);

      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      // A load balancer's HTML page has no error type; the status names it.
      expect(error).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 502, attempts: 2 } });
      expect((error as Error).name).toBe('InternalServiceException');
      expect(emulator.requests).toHaveLength(2);
    });

    it('maxAttempts 1 sends once', async () => {
      emulator.faults.serverErrors(1, { status: 500 });

      await expect(listSmall(newClient({ maxAttempts: 1 }))).rejects.toMatchObject({
        name: 'InternalServiceException',
        $metadata: { httpStatusCode: 500, attempts: 1 },
      });
      expect(emulator.requests).toHaveLength(1);
    });

    it.each(['before-response', 'after-headers', 'mid-body'] as const)('retries a connection reset %s and succeeds', async (at) => {
      emulator.faults.resetConnections(1, { at });

      const output = await listSmall(newClient());

      expect(output.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn)).toEqual(
        smallJobs.map((job) => job.audienceGenerationJobArn),
      );
      expect(output.$metadata.attempts).toBe(2);
      expect(emulator.requests).toHaveLength(2);
      expect(emulator.requests[0]!.fault).toBe('resetConnection');
    });

    it('retries a response slower than requestTimeoutMs and succeeds', async () => {
      emulator.faults.slowResponse(1, 3_000);

      // 500 ms: far below the 3 s the emulator holds the first answer, far above what a normal answer takes.
      const output = await listSmall(newClient({ requestTimeoutMs: 500 }));

      expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
      expect(output.$metadata.attempts).toBe(2);
      expect(emulator.requests).toHaveLength(2);
      expect(emulator.requests[0]!.fault).toBe('slowResponse');
      expect(emulator.requests[1]!.status).toBe(200);
    });

    it('gives up with a TimeoutError when every attempt is slower than requestTimeoutMs', async () => {
      emulator.faults.slowResponse(3, 3_000);

      const error = await listSmall(newClient({ requestTimeoutMs: 300, maxAttempts: 2 })).catch((err: unknown) => err);

      expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
      expect(emulator.requests).toHaveLength(2);
      expect(emulator.faults.pending).toBe(1);
    });

    // KNOWN BUG (reported, not fixed here): requestTimeoutMs is documented as "time allowed for one attempt,
    // from sending to the whole body received", but NodeHttpHandler clears its request timeout when the
    // headers arrive; afterwards only the socket's inactivity timeout applies, which a body that trickles in
    // never trips. The emulator has no trickling fault, so a bare HTTP server plays the service here.
    it('bounds a whole attempt, body included, by requestTimeoutMs (a trickling body times out)', async () => {
      const body = JSON.stringify({ audienceGenerationJobs: [] });
      const open = new Set<ServerResponse>();
      const server = createServer((_request, response) => {
        open.add(response);
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        let sent = 0;
        const drip = setInterval(() => {
          response.write(body[sent++]);
          if (sent === body.length) response.end();
        }, 50);
        response.on('close', () => {
          clearInterval(drip);
          open.delete(response);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const client = newClient({ endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requestTimeoutMs: 300, maxAttempts: 1 });
        // About 1.5 s of body at one byte per 50 ms, never 300 ms without a byte.
        await expect(listSmall(client)).rejects.toMatchObject({ name: 'TimeoutError' });
      } finally {
        for (const response of open) response.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('stops waiting for a retry when the abort signal fires, with the signal\'s reason', async () => {
      // Retry-After 2 s: the retry would wait about 2 s; the signal fires during that wait. (The strategy's
      // own timer cannot be cancelled and runs out in the background, as in the SDK's retry middleware.)
      emulator.faults.throttle(1, { retryAfterSeconds: 2 });
      const controller = new AbortController();
      const reason = new Error('deadline reached');

      const sending = newClient()
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: controller.signal })
        .catch((err: unknown) => err);
      await until(() => emulator.requests[0]?.status === 429);
      await sleep(100);
      controller.abort(reason);

      expect(await sending).toBe(reason);
      expect(emulator.requests).toHaveLength(1);
    });

    it('aborts a request in flight, with the signal\'s reason, and does not retry it', async () => {
      emulator.faults.slowResponse(1, 3_000);
      const controller = new AbortController();
      const reason = new Error('stop now');

      const sending = newClient()
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: controller.signal })
        .catch((err: unknown) => err);
      // The emulator holds the answer for 3 s; abort while it does.
      await until(() => emulator.requests.length === 1);
      controller.abort(reason);

      expect(await sending).toBe(reason);
      expect(emulator.requests).toHaveLength(1);
    });

    it('does not send at all with an already aborted signal', async () => {
      const reason = new Error('already over');
      const error = await newClient()
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: AbortSignal.abort(reason) })
        .catch((err: unknown) => err);

      expect(error).toBe(reason);
      expect(emulator.requests).toHaveLength(0);
    });
    it('honours Retry-After on a 429: the retry does not come earlier than the hint', async () => {
      // Without the hint the retry comes after the throttling backoff (< 1 s); the hint asks for 3 s, within
      // the SDK's cap (backoff + 5 s).
      emulator.faults.throttle(1, { retryAfterSeconds: 3 });
      const arrivals = recordArrivals(emulator);

      const started = Date.now();
      const output = await listSmall(newClient());
      const elapsed = Date.now() - started;

      expect(output.$metadata.attempts).toBe(2);
      expect(emulator.requests.map((request) => request.status)).toEqual([429, 200]);
      expect(emulator.requests[0]!.fault).toBe('throttle');
      expect(arrivals).toHaveLength(2);
      expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(2_990);
      expect(elapsed).toBeGreaterThanOrEqual(2_990);
      expect(output.$metadata.totalRetryDelay).toBeGreaterThanOrEqual(2_950);
    });
  });

  describe('invalid 2xx bodies: InvalidResponseError, not retried', () => {
    const expectInvalidResponse = async (promise: Promise<unknown>, message: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as InvalidResponseError).name).toBe('InvalidResponseError');
      expect((error as InvalidResponseError).message).toMatch(message);
      expect((error as InvalidResponseError).$metadata).toMatchObject({ httpStatusCode: 200, requestId: expect.stringMatching(UUID), attempts: 1 });
      expect(emulator.requests).toHaveLength(1);
    };

    it('malformed JSON', async () => {
      emulator.faults.malformedJson(2);
      await expectInvalidResponse(listSmall(newClient()), /not valid JSON/);
    });

    it('a truncated body', async () => {
      emulator.faults.truncateBody(2);
      await expectInvalidResponse(listSmall(newClient()), /not valid JSON/);
    });

    it('a List output without audienceGenerationJobs', async () => {
      emulator.faults.missingRequiredField(2, 'audienceGenerationJobs');
      await expectInvalidResponse(listSmall(newClient()), /audienceGenerationJobs is required/);
    });

    it('a summary without its name', async () => {
      emulator.faults.missingRequiredField(2, 'name');
      await expectInvalidResponse(listSmall(newClient()), /audienceGenerationJobs\[0\]\.name is required/);
    });

    it('a Get output without createTime', async () => {
      emulator.faults.missingRequiredField(2, 'createTime');
      await expectInvalidResponse(
        newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: smallJobs[0]!.audienceGenerationJobArn })),
        /GetAudienceGenerationJobResponse\.createTime is required/,
      );
    });

    it('a timestamp that is not RFC 3339', async () => {
      const collaboration = collaborationId(4);
      const [job] = generateJobs({ collaborationId: collaboration, count: 1 });
      emulator.seed(collaboration, [{ ...job!, createTime: '2024-03-01 09:00:00' }]);
      await expectInvalidResponse(
        newClient().send(new ListAudienceGenerationJobsCommand({ collaborationId: collaboration })),
        /createTime is not an RFC 3339 date-time: "2024-03-01 09:00:00"/,
      );
    });
  });

  describe('service behaviours passed through', () => {
    it('passes a status outside the model through as-is (List and Get)', async () => {
      const job = smallJobs[1]!;
      emulator.faults.unknownStatus('ARCHIVED', job.audienceGenerationJobArn);
      const client = newClient();

      const listed = await listSmall(client);
      const got = await client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }));

      expect(listed.audienceGenerationJobs.map((j) => j.status)).toEqual([smallJobs[0]!.status, 'ARCHIVED', smallJobs[2]!.status]);
      expect(got.status).toBe('ARCHIVED');
    });

    it('yields a job repeated across pages as the service sent it (deduplication is the exporter\'s job)', async () => {
      emulator.faults.duplicateAcrossPages(sizedCollaboration(250));

      const pages = await walk(newClient(), sizedCollaboration(250));

      const first = pages[0]!.audienceGenerationJobs;
      expect(pages[1]!.audienceGenerationJobs[0]!.audienceGenerationJobArn).toBe(first.at(-1)!.audienceGenerationJobArn);
      const listed = pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn));
      expect(listed).toHaveLength(251);
      expect(new Set(listed).size).toBe(250);
    });

    it('an expired token ends the walk with ValidationException, not retried', async () => {
      emulator.faults.expireTokenAfterPages(sizedCollaboration(250), 1);
      const client = newClient();
      const pages: ListAudienceGenerationJobsCommandOutput[] = [];

      const error = await (async () => {
        for await (const page of paginateListAudienceGenerationJobs({ client }, { collaborationId: sizedCollaboration(250) })) {
          pages.push(page);
        }
      })().catch((err: unknown) => err);

      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      expect(error).toMatchObject({ name: 'ValidationException', message: 'The pagination token has expired.', $metadata: { httpStatusCode: 400, attempts: 1 } });
      expect(pages).toHaveLength(1);
      expect(emulator.requests).toHaveLength(2);
    });

    it('signs with temporary credentials from a provider (x-amz-security-token), as on Lambda', async () => {
      const credentials = { accessKeyId: 'ASIAIOSFODNN7EXAMPLE', secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY', sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+/=' };
      const sessionEmulator = await CleanRoomsMLEmulator.start({ region: 'eu-west-1', credentials });
      try {
        sessionEmulator.seed(SMALL, smallJobs);
        let calls = 0;
        const client = new CleanRoomsMLClient({
          region: 'eu-west-1',
          endpoint: sessionEmulator.endpoint,
          credentials: async () => {
            calls++;
            return credentials;
          },
        });
        clients.push(client);
        const output = await client.send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }));
        expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
        expect(calls).toBeGreaterThanOrEqual(1);
        expect(sessionEmulator.requests[0]!.headers['x-amz-security-token']).toBe(credentials.sessionToken);

        const withoutToken = new CleanRoomsMLClient({
          region: 'eu-west-1',
          endpoint: sessionEmulator.endpoint,
          credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
        });
        clients.push(withoutToken);
        await expect(withoutToken.send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }))).rejects.toMatchObject({
          name: 'UnrecognizedClientException',
          $metadata: { httpStatusCode: 403, attempts: 1 },
        });
        expect(sessionEmulator.requests).toHaveLength(2);
      } finally {
        await sessionEmulator.stop();
      }
    });
  });

  describe('pagination loop guard', () => {
    it('stops with PaginationLoopError when a token repeats, without yielding the repeated page', async () => {
      emulator.faults.repeatToken(sizedCollaboration(250));
      const client = newClient();
      const pages: ListAudienceGenerationJobsCommandOutput[] = [];

      const error = await (async () => {
        for await (const page of paginateListAudienceGenerationJobs({ client }, { collaborationId: sizedCollaboration(250) })) {
          pages.push(page);
        }
      })().catch((err: unknown) => err);

      expect(error).toBeInstanceOf(PaginationLoopError);
      expect(error).toMatchObject({ name: 'PaginationLoopError', pageNumber: 2 });
      expect(pages).toHaveLength(1);
      expect(pages[0]!.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn)).toEqual(
        jobsOfSize(250)
          .slice(0, 100)
          .map((job) => job.audienceGenerationJobArn),
      );
      // The repeated page was fetched (that is how the loop shows), but no third request followed.
      expect(emulator.requests).toHaveLength(2);
      expect(emulator.requests[1]!.query.nextToken).toEqual([pages[0]!.nextToken]);
    });
  });

  describe('configuration', () => {
    it('rejects maxAttempts below 1 or not an integer', () => {
      expect(() => newClient({ maxAttempts: 0 })).toThrow(/maxAttempts must be a positive integer, got 0/);
      expect(() => newClient({ maxAttempts: 1.5 })).toThrow(/maxAttempts must be a positive integer, got 1.5/);
    });

    it('takes the region from AWS_REGION and fails clearly without one', () => {
      const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
      try {
        delete process.env.AWS_REGION;
        delete process.env.AWS_DEFAULT_REGION;
        expect(() => new CleanRoomsMLClient({ endpoint: emulator.endpoint, credentials: emulator.credentials })).toThrow(/no AWS region/);
        process.env.AWS_REGION = 'eu-central-1';
        const client = new CleanRoomsMLClient({ endpoint: emulator.endpoint, credentials: emulator.credentials });
        clients.push(client);
        expect(client.region).toBe('eu-central-1');
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
    });
  });
});

/** Resolves once `condition` holds, polling every few milliseconds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

/** Arrival times of the emulator's next requests, read off its request log as entries are appended. */
function recordArrivals(emulator: CleanRoomsMLEmulator): number[] {
  const arrivals: number[] = [];
  const log = emulator.requests;
  const push = log.push.bind(log);
  Object.defineProperty(log, 'push', {
    configurable: true,
    value: (...items: Parameters<typeof log.push>) => {
      for (let i = 0; i < items.length; i++) arrivals.push(Date.now());
      return push(...items);
    },
  });
  return arrivals;
}

/** Undoes {@link recordArrivals}: the log's own `push` goes, the array's comes back. */
function stopRecordingArrivals(emulator: CleanRoomsMLEmulator): void {
  delete (emulator.requests as { push?: unknown }).push;
}
