import {
  CleanRoomsMLEmulator,
  DEFAULT_ACCOUNT_ID,
  EMULATOR_DEFAULT_CREDENTIALS,
  generateJobs,
  LocalIdentities,
  type EmulatorJob,
} from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, listJobs, type RawResponse } from '../../support/signed-http';

const SHARED = collaborationId(1);
const ACCOUNT_A = '111122223333';
const ACCOUNT_B = '444455556666';
const A = { accessKeyId: 'AKIDACCOUNTA00000001', secretAccessKey: 'secret-of-a', accountId: ACCOUNT_A };
const B = { accessKeyId: 'AKIDACCOUNTB00000001', secretAccessKey: 'secret/of+b=', sessionToken: 'token-of-b', accountId: ACCOUNT_B };
const keysOf = ({
  accessKeyId,
  secretAccessKey,
  sessionToken,
}: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}) => ({
  accessKeyId,
  secretAccessKey,
  sessionToken,
});
const arnsOf = (response: RawResponse): string[] =>
  JSON.parse(response.body).audienceGenerationJobs.map((job: EmulatorJob) => job.audienceGenerationJobArn);

describe('LocalIdentities', () => {
  it('resolves the principal ARN and a stable user id, and looks identities up by access key id', () => {
    const identities = new LocalIdentities([A]);

    expect(identities.get(A.accessKeyId)).toEqual({
      ...A,
      arn: `arn:aws:iam::${ACCOUNT_A}:user/local`,
      userId: expect.stringMatching(/^AIDA[0-9A-F]{17}$/),
    });
    expect(new LocalIdentities([A]).get(A.accessKeyId)?.userId).toBe(identities.get(A.accessKeyId)?.userId);
    expect(identities.get('AKIDUNKNOWN')).toBeUndefined();
  });

  it('ignores the same set added twice, and refuses an access key id reused for other credentials', () => {
    const identities = new LocalIdentities([A]);

    identities.add(A);

    expect(identities.list()).toHaveLength(1);
    expect(() => identities.add({ ...A, secretAccessKey: 'other' })).toThrow(/already registered/);
    expect(() => identities.add({ ...A, accountId: ACCOUNT_B })).toThrow(/already registered/);
    expect(() => identities.add({ ...B, accountId: '123' })).toThrow(RangeError);
  });
});

describe('emulator: identities', () => {
  let emulator: CleanRoomsMLEmulator;
  const identities = new LocalIdentities([A, B]);
  const jobsOfA = generateJobs({ collaborationId: SHARED, count: 3, accountId: ACCOUNT_A });
  const jobsOfB = generateJobs({ collaborationId: SHARED, count: 2, accountId: ACCOUNT_B });
  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start({ identities });
    emulator.seed(SHARED, jobsOfA);
    emulator.seed(SHARED, jobsOfB, { accountId: ACCOUNT_B });
  });
  afterAll(() => emulator.stop());
  beforeEach(() => emulator.clearRequests());

  it("defaults to the registry's first identity and its account", () => {
    expect(emulator.credentials).toEqual({ accessKeyId: A.accessKeyId, secretAccessKey: A.secretAccessKey });
    expect(emulator.accountId).toBe(ACCOUNT_A);
    expect(emulator.identities).toBe(identities);
  });

  it("lists and gets only the caller's account's jobs of a collaboration both accounts are members of", async () => {
    const listedByA = await listJobs(emulator, { collaborationId: SHARED });
    const listedByB = await listJobs(emulator, { collaborationId: SHARED }, { credentials: keysOf(B) });
    const ownJob = await getJob(emulator, jobsOfB[1].audienceGenerationJobArn, { credentials: keysOf(B) });
    const othersJob = await getJob(emulator, jobsOfA[0].audienceGenerationJobArn, { credentials: keysOf(B) });

    expect(arnsOf(listedByA)).toEqual(jobsOfA.map((job) => job.audienceGenerationJobArn));
    expect(arnsOf(listedByB)).toEqual(jobsOfB.map((job) => job.audienceGenerationJobArn));
    expect(JSON.parse(ownJob.body).audienceGenerationJobArn).toBe(jobsOfB[1].audienceGenerationJobArn);
    expect(errorOf(othersJob)).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
  });

  it('records the account and Region of every verified request, and neither for a refused one', async () => {
    await listJobs(emulator, { collaborationId: SHARED });
    await listJobs(emulator, { collaborationId: SHARED }, { credentials: keysOf(B) });
    await listJobs(emulator, { collaborationId: SHARED }, { credentials: { ...keysOf(B), secretAccessKey: 'wrong' } });

    expect(emulator.requests.map(({ accountId, region, status }) => ({ accountId, region, status }))).toEqual([
      { accountId: ACCOUNT_A, region: 'us-east-1', status: 200 },
      { accountId: ACCOUNT_B, region: 'us-east-1', status: 200 },
      { accountId: undefined, region: undefined, status: 403 },
    ]);
  });

  it.each([
    [
      'an unknown access key',
      { ...keysOf(B), accessKeyId: 'AKIDUNKNOWN' },
      'UnrecognizedClientException',
      /security token included in the request is invalid/,
    ],
    ["another identity's session token", { ...keysOf(B), sessionToken: 'token-of-someone-else' }, 'UnrecognizedClientException', /invalid/],
    ['no session token for an identity that has one', { ...keysOf(B), sessionToken: undefined }, 'UnrecognizedClientException', /invalid/],
    [
      'a session token for an identity that has none',
      { ...keysOf(A), sessionToken: 'token-of-b' },
      'UnrecognizedClientException',
      /invalid/,
    ],
    [
      "another identity's secret",
      { ...keysOf(B), secretAccessKey: A.secretAccessKey },
      'InvalidSignatureException',
      /signature we calculated/,
    ],
  ])('verifies against the identity whose key signs: refuses %s', async (_, credentials, type, message) => {
    const response = await listJobs(emulator, { collaborationId: SHARED }, { credentials });

    expect(errorOf(response)).toEqual({ status: 403, type, message: expect.stringMatching(message) });
  });

  it('scopes a counted fault to an account', async () => {
    emulator.faults.serverErrors(1, { accountId: ACCOUNT_B });

    const statuses = [
      (await listJobs(emulator, { collaborationId: SHARED })).status,
      (await listJobs(emulator, { collaborationId: SHARED }, { credentials: keysOf(B) })).status,
      (await listJobs(emulator, { collaborationId: SHARED }, { credentials: keysOf(B) })).status,
    ];

    expect(statuses).toEqual([200, 500, 200]);
  });

  it('accepts an identity added after start, and refuses one removed', async () => {
    const late = { accessKeyId: 'AKIDLATE000000000001', secretAccessKey: 'late', accountId: ACCOUNT_B };
    identities.add(late);
    const accepted = await listJobs(emulator, { collaborationId: SHARED }, { credentials: keysOf(late) });
    identities.remove(late.accessKeyId);
    const refused = await listJobs(emulator, { collaborationId: SHARED }, { credentials: keysOf(late) });

    expect(arnsOf(accepted)).toEqual(jobsOfB.map((job) => job.audienceGenerationJobArn));
    expect(errorOf(refused).type).toBe('UnrecognizedClientException');
  });

  it('refuses temporary credentials from their expiration on, with ExpiredTokenException', async () => {
    const expired = {
      accessKeyId: 'ASIAEXPIRED000000001',
      secretAccessKey: 's',
      sessionToken: 't',
      accountId: ACCOUNT_B,
      expiration: new Date(Date.now() - 1000),
    };
    identities.add(expired);

    const response = await listJobs(emulator, { collaborationId: SHARED }, { credentials: keysOf(expired) });

    expect(errorOf(response)).toEqual({
      status: 403,
      type: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
    });
  });
});

describe('emulator: default identity', () => {
  it('is the example key pair in account 111122223333, or the given credentials under the given account', async () => {
    const byDefault = await CleanRoomsMLEmulator.start();
    const custom = await CleanRoomsMLEmulator.start({ credentials: keysOf(B), accountId: ACCOUNT_B });
    try {
      expect([byDefault.accountId, byDefault.credentials]).toEqual([DEFAULT_ACCOUNT_ID, EMULATOR_DEFAULT_CREDENTIALS]);
      expect(byDefault.identities.list().map((identity) => identity.accessKeyId)).toEqual([EMULATOR_DEFAULT_CREDENTIALS.accessKeyId]);
      expect(custom.accountId).toBe(ACCOUNT_B);
      expect(custom.identities.get(B.accessKeyId)?.accountId).toBe(ACCOUNT_B);

      custom.seed(SHARED, generateJobs({ collaborationId: SHARED, count: 1, accountId: ACCOUNT_B }));
      expect(arnsOf(await listJobs(custom, { collaborationId: SHARED }))).toHaveLength(1);
    } finally {
      await Promise.all([byDefault.stop(), custom.stop()]);
    }
  });

  it('registers the given credentials in a given registry, and refuses options that contradict it', async () => {
    const registry = new LocalIdentities([A]);
    const emulator = await CleanRoomsMLEmulator.start({ identities: registry, credentials: keysOf(B), accountId: ACCOUNT_B });
    try {
      expect(registry.get(B.accessKeyId)?.accountId).toBe(ACCOUNT_B);
      expect(emulator.accountId).toBe(ACCOUNT_B);
    } finally {
      await emulator.stop();
    }
    await expect(CleanRoomsMLEmulator.start({ identities: registry, credentials: keysOf(A), accountId: ACCOUNT_B })).rejects.toThrow(
      /contradicts/,
    );
    await expect(CleanRoomsMLEmulator.start({ identities: registry, credentials: { ...keysOf(A), secretAccessKey: 'x' } })).rejects.toThrow(
      /differ/,
    );
  });
});
