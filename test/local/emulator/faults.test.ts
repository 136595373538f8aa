import { CleanRoomsMLEmulator, generateJobs, type EmulatorJob } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, listAllPages, listJobs, type RawResponse } from '../../support/signed-http';

const A = collaborationId(1);
const B = collaborationId(2);

describe('emulator: faults', () => {
  let emulator: CleanRoomsMLEmulator;
  const jobsA = generateJobs({ collaborationId: A, count: 5 });
  const jobsB = generateJobs({ collaborationId: B, count: 3 });
  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start();
    emulator.seed(A, jobsA);
    emulator.seed(B, jobsB);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    emulator.faults.reset();
    emulator.clearRequests();
  });

  const listA = (query: { maxResults?: number; nextToken?: string } = {}) => listJobs(emulator, { collaborationId: A, ...query });
  const arnsOf = (response: RawResponse): string[] =>
    JSON.parse(response.body).audienceGenerationJobs.map((job: EmulatorJob) => job.audienceGenerationJobArn);

  describe('counted faults', () => {
    it('throttle(n) answers 429 ThrottlingException n times, with Retry-After when asked, then recovers', async () => {
      emulator.faults.throttle(2, { retryAfterSeconds: 3 });

      const responses = [await listA(), await listA(), await listA()];

      expect(responses.map((r) => r.status)).toEqual([429, 429, 200]);
      expect(errorOf(responses[0])).toEqual({ status: 429, type: 'ThrottlingException', message: 'Rate exceeded' });
      expect(responses[0].headers['retry-after']).toBe('3');
      expect(emulator.requests.map((r) => r.fault)).toEqual(['throttle', 'throttle', undefined]);
      expect(emulator.faults.pending).toBe(0);
    });

    it.each([
      [500, 'InternalServiceException', 'InternalServiceException', 'application/json'],
      [503, 'ServiceUnavailableException', 'ServiceUnavailableException', 'application/json'],
      [502, "a load balancer's page", undefined, 'text/html'],
      [504, "a load balancer's page", undefined, 'text/html'],
    ] as const)('serverErrors(n, %i) answers %s', async (status, _, errorType, contentType) => {
      emulator.faults.serverErrors(1, { status });

      const response = await listA();

      expect(response.status).toBe(status);
      expect(response.headers['x-amzn-errortype']).toBe(errorType);
      expect(response.headers['content-type']).toBe(contentType);
      expect(response.headers['x-amzn-requestid']).toBeDefined();
    });

    it('queues faults in the order they were programmed, one per request', async () => {
      emulator.faults.throttle(1).serverErrors(1).throttle(1);

      const statuses = [(await listA()).status, (await listA()).status, (await listA()).status, (await listA()).status];

      expect(statuses).toEqual([429, 500, 429, 200]);
    });

    it('scopes a fault to an operation', async () => {
      emulator.faults.throttle(1, { operation: 'GetAudienceGenerationJob' });

      const list = await listA();
      const get = await getJob(emulator, jobsA[0].audienceGenerationJobArn);

      expect([list.status, get.status]).toEqual([200, 429]);
    });

    it('scopes a fault to a collaboration, for List and for Get of its jobs', async () => {
      emulator.faults.serverErrors(2, { collaborationId: B });

      const statuses = [
        (await listA()).status,
        (await getJob(emulator, jobsA[0].audienceGenerationJobArn)).status,
        (await listJobs(emulator, { collaborationId: B })).status,
        (await getJob(emulator, jobsB[0].audienceGenerationJobArn)).status,
        (await listJobs(emulator, { collaborationId: B })).status,
      ];

      expect(statuses).toEqual([200, 200, 500, 500, 200]);
    });

    it('spends no fault on a request that fails signature verification', async () => {
      emulator.faults.throttle(1);

      const badlySigned = await listJobs(emulator, { collaborationId: A }, { region: 'eu-north-1' });
      const signed = await listA();

      expect(errorOf(badlySigned).type).toBe('InvalidSignatureException');
      expect(signed.status).toBe(429);
    });

    it.each([
      ['before-response', 0, /ECONNRESET/],
      ['after-headers', 200, /aborted|ECONNRESET/],
      ['mid-body', 200, /aborted|ECONNRESET/],
    ] as const)('resetConnections(n, %s) breaks the connection and records status %i', async (at, recordedStatus, error) => {
      emulator.faults.resetConnections(1, { at });

      await expect(listA()).rejects.toThrow(error);
      const next = await listA();

      expect(next.status).toBe(200);
      expect(emulator.requests[0]).toMatchObject({ status: recordedStatus, fault: 'resetConnection' });
    });

    it('slowResponse(n, delay) outlasts a client timeout once', async () => {
      emulator.faults.slowResponse(1, 300);

      await expect(listJobs(emulator, { collaborationId: A }, { timeoutMs: 50 })).rejects.toThrow('client timeout');
      const next = await listJobs(emulator, { collaborationId: A }, { timeoutMs: 1000 });

      expect(next.status).toBe(200);
      expect(emulator.requests[0].fault).toBe('slowResponse');
    });

    it('truncateBody(n) sends half the body with a matching content-length', async () => {
      const whole = await listA();
      emulator.faults.truncateBody(1);

      const truncated = await listA();

      expect(truncated.status).toBe(200);
      expect(truncated.body).toBe(whole.body.slice(0, Math.floor(whole.body.length / 2)));
      expect(() => JSON.parse(truncated.body)).toThrow(SyntaxError);
    });

    it('malformedJson(n) sends a 200 that is not JSON', async () => {
      emulator.faults.malformedJson(1);

      const response = await listA();

      expect(response.status).toBe(200);
      expect(() => JSON.parse(response.body)).toThrow(SyntaxError);
      expect(JSON.parse((await listA()).body)).toHaveProperty('audienceGenerationJobs');
    });

    it('missingRequiredField(n, field) drops a top-level member or a member of every summary', async () => {
      emulator.faults
        .missingRequiredField(1, 'audienceGenerationJobs')
        .missingRequiredField(1, 'name', { operation: 'ListAudienceGenerationJobs' })
        .missingRequiredField(1, 'createTime', { operation: 'GetAudienceGenerationJob' });

      const noList = JSON.parse((await listA()).body);
      const noNames = JSON.parse((await listA()).body);
      const noCreateTime = JSON.parse((await getJob(emulator, jobsA[0].audienceGenerationJobArn)).body);

      expect(noList).not.toHaveProperty('audienceGenerationJobs');
      expect(noNames.audienceGenerationJobs).toHaveLength(5);
      for (const job of noNames.audienceGenerationJobs) expect(job).not.toHaveProperty('name');
      expect(noCreateTime).not.toHaveProperty('createTime');
      expect(noCreateTime).toHaveProperty('updateTime');
    });

    it('rejects a negative or fractional count', () => {
      expect(() => emulator.faults.throttle(-1)).toThrow(RangeError);
      expect(() => emulator.faults.serverErrors(1.5)).toThrow(RangeError);
    });
  });

  describe('standing faults', () => {
    it('latencyMs delays every answer', async () => {
      emulator.faults.latencyMs = 60;

      const started = performance.now();
      await listA();

      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    });

    it('rateLimit answers 429 above the burst, and can be lifted', async () => {
      emulator.faults.rateLimit({ requestsPerSecond: 1, burst: 3 });

      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await listA()).status);
      emulator.faults.rateLimit(undefined);

      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(emulator.requests[3]).toMatchObject({ fault: 'rateLimit', errorType: 'ThrottlingException' });
      expect((await listA()).status).toBe(200);
    });

    it('denyCollaboration answers AccessDeniedException to List and Get, and hides it from an unscoped List', async () => {
      emulator.faults.denyCollaboration(B);

      const list = await listJobs(emulator, { collaborationId: B });
      const get = await getJob(emulator, jobsB[0].audienceGenerationJobArn);
      const unscoped = await listJobs(emulator, {});

      expect(errorOf(list)).toMatchObject({ status: 403, type: 'AccessDeniedException' });
      expect(errorOf(get)).toMatchObject({ status: 403, type: 'AccessDeniedException' });
      expect(arnsOf(unscoped)).toEqual(jobsA.map((job) => job.audienceGenerationJobArn));
      expect((await listA()).status).toBe(200);
    });

    it('repeatToken makes the second page return the token of the first: a loop', async () => {
      emulator.faults.repeatToken(A);

      const first = JSON.parse((await listA({ maxResults: 2 })).body);
      const second = JSON.parse((await listA({ maxResults: 2, nextToken: first.nextToken })).body);
      const again = JSON.parse((await listA({ maxResults: 2, nextToken: second.nextToken })).body);

      expect(second.nextToken).toBe(first.nextToken);
      expect(again).toEqual(second);
    });

    it('expireTokenAfterPages(k) answers ValidationException for page k+1', async () => {
      emulator.faults.expireTokenAfterPages(A, 2);

      const first = JSON.parse((await listA({ maxResults: 1 })).body);
      const second = JSON.parse((await listA({ maxResults: 1, nextToken: first.nextToken })).body);
      const third = await listA({ maxResults: 1, nextToken: second.nextToken });

      expect(second.audienceGenerationJobs).toHaveLength(1);
      expect(errorOf(third)).toEqual({ status: 400, type: 'ValidationException', message: 'The pagination token has expired.' });
    });

    it('duplicateAcrossPages repeats the last job of page 1 as the first job of page 2', async () => {
      emulator.faults.duplicateAcrossPages(A);

      const pages = await listAllPages(emulator, { collaborationId: A, maxResults: 2 });

      const arns = jobsA.map((job) => job.audienceGenerationJobArn);
      expect(pages.map((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn))).toEqual([
        [arns[0], arns[1]],
        [arns[1], arns[2]],
        [arns[3], arns[4]],
      ]);
    });

    it('pagination faults on ANY_COLLABORATION ("*") apply to unscoped listings too', async () => {
      emulator.faults.expireTokenAfterPages('*', 1);

      const first = JSON.parse((await listJobs(emulator, { maxResults: 1 })).body);
      const second = await listJobs(emulator, { maxResults: 1, nextToken: first.nextToken });

      expect(errorOf(second).message).toBe('The pagination token has expired.');
    });

    it('unknownStatus serves a status outside the model, for the first seeded job or a given one', async () => {
      emulator.faults.unknownStatus('ARCHIVED').unknownStatus('PAUSED', jobsB[1].audienceGenerationJobArn);

      const listed = JSON.parse((await listJobs(emulator, {})).body).audienceGenerationJobs.map((job: EmulatorJob) => job.status);
      const got = JSON.parse((await getJob(emulator, jobsB[1].audienceGenerationJobArn)).body);

      expect(listed).toEqual(['ARCHIVED', ...jobsA.slice(1).map((job) => job.status), jobsB[0].status, 'PAUSED', jobsB[2].status]);
      expect(got.status).toBe('PAUSED');
    });
  });

  it('reset() clears every fault and restores the starting latency', async () => {
    const slow = await CleanRoomsMLEmulator.start({ latencyMs: 5 });
    try {
      slow.seed(A, jobsA);
      slow.faults.latencyMs = 500;
      slow.faults.throttle(3).denyCollaboration(A).rateLimit({ requestsPerSecond: 1, burst: 1 }).unknownStatus('X');

      slow.faults.reset();
      const statuses = [(await listJobs(slow, { collaborationId: A })).status, (await listJobs(slow, { collaborationId: A })).status];

      expect(slow.faults.latencyMs).toBe(5);
      expect(slow.faults.pending).toBe(0);
      expect(statuses).toEqual([200, 200]);
    } finally {
      await slow.stop();
    }
  });
});
