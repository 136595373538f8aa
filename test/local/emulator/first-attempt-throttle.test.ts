import { ConfiguredRetryStrategy } from '@smithy/util-retry';
import { CleanRoomsMLClient } from '../../../lambda/cleanroomsml/client';
import { GetAudienceGenerationJobCommand, ListAudienceGenerationJobsCommand } from '../../../lambda/cleanroomsml/commands';
import { CleanRoomsMLEmulator, generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, listJobs } from '../../support/signed-http';

const A = collaborationId(1);
const B = collaborationId(2);
const OTHER_ACCOUNT = { accessKeyId: 'AKIDACCOUNTB00000001', secretAccessKey: 'secret-of-b', accountId: '444455556666' };

describe('emulator: throttleFirstAttempts (a throttling storm)', () => {
  let emulator: CleanRoomsMLEmulator;
  const jobsA = generateJobs({ collaborationId: A, count: 5 });
  const jobsB = generateJobs({ collaborationId: B, count: 2 });
  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start();
    emulator.identities.add(OTHER_ACCOUNT);
    emulator.seed(A, jobsA);
    emulator.seed(B, jobsB);
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    emulator.faults.reset();
    emulator.clearRequests();
  });

  const getStatus = (arn: string) => getJob(emulator, arn).then((r) => r.status);

  it('throttles the first Get of each job once, with Retry-After when asked', async () => {
    emulator.faults.throttleFirstAttempts({ retryAfterSeconds: 2 });

    const first = await getJob(emulator, jobsA[0].audienceGenerationJobArn);
    const statuses = [
      await getStatus(jobsA[0].audienceGenerationJobArn),
      await getStatus(jobsA[1].audienceGenerationJobArn),
      await getStatus(jobsA[1].audienceGenerationJobArn),
      await getStatus(jobsA[0].audienceGenerationJobArn),
    ];

    expect(errorOf(first)).toEqual({ status: 429, type: 'ThrottlingException', message: 'Rate exceeded' });
    expect(first.headers['retry-after']).toBe('2');
    expect(statuses).toEqual([200, 429, 200, 200]);
    expect(emulator.requests.map((r) => r.fault)).toEqual([
      'throttleFirstAttempt',
      undefined,
      'throttleFirstAttempt',
      undefined,
      undefined,
    ]);
  });

  it('throttles the first request for each collaboration and page of a listing once', async () => {
    emulator.faults.throttleFirstAttempts();

    const firstPage = [
      await listJobs(emulator, { collaborationId: A, maxResults: 2 }),
      await listJobs(emulator, { collaborationId: A, maxResults: 2 }),
    ];
    const { nextToken } = JSON.parse(firstPage[1].body);
    const secondPage = [
      (await listJobs(emulator, { collaborationId: A, maxResults: 2, nextToken })).status,
      (await listJobs(emulator, { collaborationId: A, maxResults: 2, nextToken })).status,
    ];
    const otherCollaboration = [
      (await listJobs(emulator, { collaborationId: B })).status,
      (await listJobs(emulator, { collaborationId: B })).status,
    ];
    const unscoped = [(await listJobs(emulator, {})).status, (await listJobs(emulator, {})).status];
    const firstPageAgain = (await listJobs(emulator, { collaborationId: A, maxResults: 2 })).status;

    expect(firstPage.map((r) => r.status)).toEqual([429, 200]);
    expect(secondPage).toEqual([429, 200]);
    expect(otherCollaboration).toEqual([429, 200]);
    expect(unscoped).toEqual([429, 200]);
    expect(firstPageAgain).toBe(200);
  });

  it('hits every distinct request of a concurrent burst, however many run at once', async () => {
    emulator.faults.throttleFirstAttempts({ operation: 'GetAudienceGenerationJob' });
    const arns = jobsA.map((job) => job.audienceGenerationJobArn);

    const burst = await Promise.all(arns.map(getStatus));
    const retries = await Promise.all(arns.map(getStatus));

    expect(burst).toEqual(arns.map(() => 429));
    expect(retries).toEqual(arns.map(() => 200));
  });

  it('scopes the storm to one operation', async () => {
    emulator.faults.throttleFirstAttempts({ operation: 'ListAudienceGenerationJobs' });

    const statuses = [await getStatus(jobsA[0].audienceGenerationJobArn), (await listJobs(emulator, { collaborationId: A })).status];

    expect(statuses).toEqual([200, 429]);
  });

  it('counts first attempts per account', async () => {
    emulator.faults.throttleFirstAttempts();
    const asOther = { credentials: { accessKeyId: OTHER_ACCOUNT.accessKeyId, secretAccessKey: OTHER_ACCOUNT.secretAccessKey } };

    const statuses = [
      (await listJobs(emulator, { collaborationId: A })).status,
      (await listJobs(emulator, { collaborationId: A })).status,
      (await listJobs(emulator, { collaborationId: A }, asOther)).status,
    ];

    expect(statuses).toEqual([429, 200, 429]);
  });

  it('ends with reset(), and starts afresh when set again', async () => {
    emulator.faults.throttleFirstAttempts();
    await getStatus(jobsA[0].audienceGenerationJobArn);

    emulator.faults.reset();
    const afterReset = await getStatus(jobsB[0].audienceGenerationJobArn);
    emulator.faults.throttleFirstAttempts();
    const afresh = await getStatus(jobsA[0].audienceGenerationJobArn);

    expect([afterReset, afresh]).toEqual([200, 429]);
  });

  it('is weathered by a client that retries throttling', async () => {
    emulator.faults.throttleFirstAttempts();
    // A short fixed backoff keeps the test fast; the storm is about whether each request is retried, not when.
    const retryStrategy = new ConfiguredRetryStrategy(3, () => 10);
    const client = new CleanRoomsMLClient({
      region: emulator.region,
      endpoint: emulator.endpoint,
      credentials: emulator.credentials,
      retryStrategy,
    });
    try {
      const listed = await client.send(new ListAudienceGenerationJobsCommand({ collaborationId: B }));
      const got = await client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: jobsB[1].audienceGenerationJobArn }));

      expect(listed.audienceGenerationJobs).toHaveLength(2);
      expect(got.audienceGenerationJobArn).toBe(jobsB[1].audienceGenerationJobArn);
      expect([listed.$metadata.attempts, got.$metadata.attempts]).toEqual([2, 2]);
    } finally {
      client.destroy();
    }
  });
});
