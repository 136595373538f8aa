import { CleanRoomsMLEmulator, generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, jobPath, listJobs, sendSigned } from '../../support/signed-http';

const COLLABORATION = collaborationId(1);
const MODEL_ARN = 'arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/abc';

describe('emulator: restJson1 answers and input validation', () => {
  let emulator: CleanRoomsMLEmulator;
  const jobs = generateJobs({ collaborationId: COLLABORATION, count: 14 });
  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start();
    emulator.seed(COLLABORATION, jobs);
  });
  afterAll(() => emulator.stop());

  describe('GetAudienceGenerationJob', () => {
    it('returns the full job, statusDetails included, for a label encoded once', async () => {
      const failed = jobs.find((job) => job.status === 'CREATE_FAILED')!;

      const response = await getJob(emulator, failed.audienceGenerationJobArn);

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(JSON.parse(response.body)).toEqual({
        createTime: failed.createTime,
        updateTime: failed.updateTime,
        audienceGenerationJobArn: failed.audienceGenerationJobArn,
        name: failed.name,
        description: failed.description,
        status: 'CREATE_FAILED',
        configuredAudienceModelArn: failed.configuredAudienceModelArn,
        collaborationId: COLLABORATION,
        startedBy: failed.startedBy,
        statusDetails: failed.statusDetails,
      });
    });

    it('returns collaborationId even for a job whose summary omits it', async () => {
      const omitted = jobs.find((job) => job.omitCollaborationIdInSummary)!;
      const [summary] = JSON.parse((await listJobs(emulator, { collaborationId: COLLABORATION })).body).audienceGenerationJobs.filter(
        (job: { audienceGenerationJobArn: string }) => job.audienceGenerationJobArn === omitted.audienceGenerationJobArn,
      );

      const full = JSON.parse((await getJob(emulator, omitted.audienceGenerationJobArn)).body);

      expect(summary).not.toHaveProperty('collaborationId');
      expect(full.collaborationId).toBe(COLLABORATION);
    });

    it('accepts an unencoded colon, as the path allows it', async () => {
      const arn = jobs[0].audienceGenerationJobArn;

      const response = await sendSigned(emulator, { path: jobPath(arn).replace(/%3A/g, ':') });

      expect(JSON.parse(response.body).audienceGenerationJobArn).toBe(arn);
    });

    it('routes nowhere when the label slash is not encoded', async () => {
      const response = await sendSigned(emulator, { path: jobPath(jobs[0].audienceGenerationJobArn).replace(/%2F/g, '/') });

      expect(errorOf(response)).toMatchObject({ status: 404, type: 'UnknownOperationException' });
    });

    it('answers ResourceNotFoundException for an unknown ARN', async () => {
      const unknown = 'arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/does-not-exist';

      expect(errorOf(await getJob(emulator, unknown))).toEqual({
        status: 404,
        type: 'ResourceNotFoundException',
        message: expect.stringContaining(unknown),
      });
    });

    it.each([
      ['not an ARN', 'hello-world-this-is-not-an-arn'],
      ['a configured audience model ARN', MODEL_ARN],
      ['too long', `arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/${'a'.repeat(2048)}`],
    ])('answers ValidationException naming the label for %s', async (_, arn) => {
      expect(errorOf(await getJob(emulator, arn))).toEqual({
        status: 400,
        type: 'ValidationException',
        message: expect.stringContaining("at 'audienceGenerationJobArn'"),
      });
    });
  });

  describe('ListAudienceGenerationJobs validation', () => {
    it.each([
      ['collaborationId', 'not a UUID', { collaborationId: 'not-a-uuid' }],
      ['collaborationId', 'upper-case', { collaborationId: 'ABCDEF00-0000-4000-8000-000000000001' }],
      ['collaborationId', 'empty', { collaborationId: '' }],
      ['configuredAudienceModelArn', 'another service', { configuredAudienceModelArn: 'arn:aws:s3:::bucket/key/that/is/long' }],
      ['configuredAudienceModelArn', '2049+ characters', { configuredAudienceModelArn: `${MODEL_ARN}${'x'.repeat(2048)}` }],
      ['maxResults', '0', { maxResults: 0 }],
      ['maxResults', '101', { maxResults: 101 }],
      ['maxResults', 'not a number', { maxResults: 'ten' }],
      ['maxResults', 'not an integer', { maxResults: 1.5 }],
      ['nextToken', 'empty', { nextToken: '' }],
      ['nextToken', '10241 characters', { nextToken: 'x'.repeat(10241) }],
    ])('answers ValidationException naming %s when it is %s', async (field, _, query) => {
      const response = await sendSigned(emulator, {
        path: '/audience-generation-job',
        query: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])),
      });

      expect(errorOf(response)).toEqual({
        status: 400,
        type: 'ValidationException',
        message: expect.stringContaining(`at '${field}' failed to satisfy constraint`),
      });
    });

    it('names every bad member in one answer', async () => {
      const response = await listJobs(emulator, { collaborationId: 'nope', maxResults: 500 });

      expect(errorOf(response).message).toMatch(/^2 validation errors detected: .*'collaborationId'.*'maxResults'/);
    });

    it('ignores unknown query parameters, as AWS does', async () => {
      const response = await sendSigned(emulator, {
        path: '/audience-generation-job',
        query: { collaborationId: COLLABORATION, maxResults: '2', MaxItems: '1', foo: 'bar' },
      });

      expect(response.status).toBe(200);
      expect(JSON.parse(response.body).audienceGenerationJobs).toHaveLength(2);
    });

    it('accepts the bounds maxResults=1 and maxResults=100', async () => {
      const one = JSON.parse((await listJobs(emulator, { collaborationId: COLLABORATION, maxResults: 1 })).body);
      const hundred = JSON.parse((await listJobs(emulator, { collaborationId: COLLABORATION, maxResults: 100 })).body);

      expect(one.audienceGenerationJobs).toHaveLength(1);
      expect(hundred.audienceGenerationJobs).toHaveLength(jobs.length);
    });
  });

  describe('protocol', () => {
    it('sends x-amzn-requestid and JSON on every answer, errors with x-amzn-errortype and __type', async () => {
      const ok = await listJobs(emulator, { collaborationId: COLLABORATION });
      const bad = await listJobs(emulator, { maxResults: 0 });

      expect(ok.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(bad.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
      expect(ok.headers['x-amzn-requestid']).not.toBe(bad.headers['x-amzn-requestid']);
      expect(bad.headers['content-type']).toBe('application/json');
      expect(JSON.parse(bad.body)).toEqual({ __type: 'ValidationException', message: expect.any(String) });
    });

    it.each([
      ['POST', '/audience-generation-job'],
      ['GET', '/audience-generation-jobs'],
      ['GET', '/audience-generation-job/'],
    ])('answers UnknownOperationException for %s %s', async (method, path) => {
      expect(errorOf(await sendSigned(emulator, { method, path }))).toMatchObject({ status: 404, type: 'UnknownOperationException' });
    });

    it('records each request: raw path, decoded query, headers, operation and status', async () => {
      emulator.clearRequests();
      const arn = jobs[0].audienceGenerationJobArn;

      await listJobs(emulator, { collaborationId: COLLABORATION, maxResults: 5 });
      await getJob(emulator, arn);

      expect(emulator.requests).toEqual([
        expect.objectContaining({
          method: 'GET',
          path: '/audience-generation-job',
          query: { collaborationId: [COLLABORATION], maxResults: ['5'] },
          operation: 'ListAudienceGenerationJobs',
          status: 200,
          headers: expect.objectContaining({ authorization: expect.stringMatching(/^AWS4-HMAC-SHA256 /) }),
        }),
        expect.objectContaining({ path: jobPath(arn), query: {}, operation: 'GetAudienceGenerationJob', status: 200 }),
      ]);
    });
  });
});
