import { CleanRoomsMLEmulator, generateJobs, LocalIdentities } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, listJobs, type SignedRequest } from '../../support/signed-http';

const C = collaborationId(1);
const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';
const B = { accessKeyId: 'AKIDACCOUNTB00000001', secretAccessKey: 'secret-of-b' };
/** Refills once in about 17 minutes: within a test, a bucket holds exactly its burst. */
const NO_REFILL = 0.001;

describe('emulator: per-operation rate limits', () => {
  let emulator: CleanRoomsMLEmulator;
  const jobs = generateJobs({ collaborationId: C, count: 2 });
  const jobsOfB = generateJobs({ collaborationId: C, count: 2, accountId: ACCOUNT_B });
  const asB: Partial<SignedRequest> = { credentials: B };
  beforeAll(async () => {
    const identities = new LocalIdentities([{ ...B, accountId: ACCOUNT_B }]);
    emulator = await CleanRoomsMLEmulator.start({
      identities,
      credentials: { accessKeyId: 'AKIDACCOUNTA00000001', secretAccessKey: 'a' },
      regions: 'any',
    });
    emulator.seed(C, jobs);
    emulator.seed(C, jobsOfB, { accountId: ACCOUNT_B });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => {
    emulator.faults.reset();
    emulator.clearRequests();
  });

  const list = (options: Partial<SignedRequest> = {}) => listJobs(emulator, { collaborationId: C }, options).then((r) => r.status);
  const get = (options: Partial<SignedRequest> = {}) =>
    getJob(emulator, (options.credentials === B ? jobsOfB : jobs)[0].audienceGenerationJobArn, options).then((r) => r.status);
  const times = async (n: number, send: () => Promise<number>) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push(await send());
    return statuses;
  };

  it('keeps one bucket per operation when limits name operations: List and Get quotas coexist', async () => {
    emulator.faults
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, { operation: 'ListAudienceGenerationJobs' })
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 3 }, { operation: 'GetAudienceGenerationJob' });

    const lists = await times(2, list);
    const gets = await times(4, get);

    expect(lists).toEqual([200, 429]);
    expect(gets).toEqual([200, 200, 200, 429]);
    expect(emulator.requests[1]).toMatchObject({ fault: 'rateLimit', errorType: 'ThrottlingException', status: 429 });
  });

  it('shares one bucket between the operations when the limit names none, as rateLimit(limit) always did', async () => {
    emulator.faults.rateLimit({ requestsPerSecond: NO_REFILL, burst: 2 });

    const statuses = [await list(), await get(), await list(), await get()];

    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('gives every account its own buckets', async () => {
    emulator.faults.rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, { operation: 'ListAudienceGenerationJobs' });

    const statuses = [await list(), await list(), await list(asB), await list(asB)];

    expect(statuses).toEqual([200, 429, 200, 429]);
  });

  it('gives every Region its own buckets', async () => {
    emulator.faults.rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 });

    const statuses = [await list(), await list(), await list({ region: 'eu-west-1' }), await list({ region: 'eu-west-1' })];

    expect(statuses).toEqual([200, 429, 200, 429]);
  });

  it('limits only the scoped account or Region', async () => {
    emulator.faults
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, { accountId: ACCOUNT_B })
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, { region: 'eu-west-1' });

    const statuses = [
      ...(await times(3, () => list())),
      ...(await times(2, () => list(asB))),
      ...(await times(2, () => get({ region: 'eu-west-1' }))),
    ];

    expect(statuses).toEqual([200, 200, 200, 200, 429, 404, 429]);
    expect(emulator.requests.map((r) => r.accountId)).toEqual([
      ACCOUNT_A,
      ACCOUNT_A,
      ACCOUNT_A,
      ACCOUNT_B,
      ACCOUNT_B,
      ACCOUNT_A,
      ACCOUNT_A,
    ]);
  });

  it('admits a request only when every limit covering it has a token, and then spends from each', async () => {
    emulator.faults
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 2 })
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, { operation: 'GetAudienceGenerationJob' });

    // Get spends from both; the refused Get spends from neither, so the shared bucket still admits one List.
    const statuses = [await get(), await get(), await list(), await list()];

    expect(statuses).toEqual([200, 429, 200, 429]);
  });

  it('replaces the limit of the same scope, lifts one scope with undefined, and every limit with rateLimit(undefined)', async () => {
    const listOnly = { operation: 'ListAudienceGenerationJobs' } as const;
    emulator.faults
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, listOnly)
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 2 }, listOnly)
      .rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, { operation: 'GetAudienceGenerationJob' });

    const replaced = await times(3, list);
    emulator.faults.rateLimit(undefined, listOnly);
    const lifted = [await list(), await get(), await get()];
    emulator.faults.rateLimit(undefined);
    const allLifted = [await get(), await list()];

    expect(replaced).toEqual([200, 200, 429]);
    expect(lifted).toEqual([200, 200, 429]);
    expect(allLifted).toEqual([200, 200]);
  });

  it('refills at the rate', async () => {
    emulator.faults.rateLimit({ requestsPerSecond: 20, burst: 1 }, { operation: 'ListAudienceGenerationJobs' });

    const burst = await times(2, list);
    await new Promise((resolve) => setTimeout(resolve, 120));

    expect(burst).toEqual([200, 429]);
    expect(await list()).toBe(200);
  });

  it('answers ThrottlingException "Rate exceeded" and refuses a limit that admits nothing', async () => {
    emulator.faults.rateLimit({ requestsPerSecond: NO_REFILL, burst: 1 }, { operation: 'GetAudienceGenerationJob' });
    await get();

    const over = await getJob(emulator, jobs[0].audienceGenerationJobArn);

    expect(errorOf(over)).toEqual({ status: 429, type: 'ThrottlingException', message: 'Rate exceeded' });
    expect(() => emulator.faults.rateLimit({ requestsPerSecond: 1, burst: 0 }, { operation: 'GetAudienceGenerationJob' })).toThrow(
      RangeError,
    );
  });
});
