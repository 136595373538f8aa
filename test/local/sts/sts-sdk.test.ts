import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { CleanRoomsMLClient } from '../../../lambda/cleanroomsml/client';
import { ListAudienceGenerationJobsCommand } from '../../../lambda/cleanroomsml/commands';
import { CleanRoomsMLEmulator, generateJobs } from '../../../local/emulator';
import { LocalIdentities, StsEmulator } from '../../../local/sts';
import { collaborationId } from '../../support/ids';

const REGION = 'us-east-1';
const BASE_ACCOUNT = '111122223333';
const MEMBER_ACCOUNT = '444455556666';
const BASE = { accessKeyId: 'AKIDBASE000000000001', secretAccessKey: 'base/secret+key=' };
const READER = `arn:aws:iam::${MEMBER_ACCOUNT}:role/AudienceJobsReader`;
const DENIED = `arn:aws:iam::${MEMBER_ACCOUNT}:role/Denied`;
const EXTERNAL_ID = 'audience-export-7';
const SHARED = collaborationId(1);

describe('STS emulator: with the AWS SDK, and the Clean Rooms ML emulator across accounts', () => {
  let sts: StsEmulator;
  let emulator: CleanRoomsMLEmulator;
  const identities = new LocalIdentities([{ ...BASE, accountId: BASE_ACCOUNT }]);
  const jobsOfBase = generateJobs({ collaborationId: SHARED, count: 2, accountId: BASE_ACCOUNT });
  const jobsOfMember = generateJobs({ collaborationId: SHARED, count: 3, accountId: MEMBER_ACCOUNT });
  beforeAll(async () => {
    [sts, emulator] = await Promise.all([StsEmulator.start({ identities }), CleanRoomsMLEmulator.start({ identities, region: REGION })]);
    sts.addRole({ roleArn: READER, externalId: EXTERNAL_ID }).addRole({ roleArn: DENIED }).denyRole(DENIED);
    emulator.seed(SHARED, jobsOfBase);
    emulator.seed(SHARED, jobsOfMember, { accountId: MEMBER_ACCOUNT });
  });
  afterAll(() => Promise.all([sts.stop(), emulator.stop()]));
  beforeEach(() => sts.clearRequests());

  const readerCredentials = (clientConfig: { region: string; endpoint?: string }, externalId = EXTERNAL_ID) =>
    fromTemporaryCredentials({
      params: { RoleArn: READER, RoleSessionName: 'audience-export', ExternalId: externalId },
      masterCredentials: BASE,
      clientConfig,
    });

  /** Sets `AWS_ENDPOINT_URL_STS` for the duration of `run`: jest workers share process.env across test files. */
  async function withStsEndpointVariable<T>(run: () => Promise<T>): Promise<T> {
    const saved = process.env.AWS_ENDPOINT_URL_STS;
    process.env.AWS_ENDPOINT_URL_STS = sts.endpoint;
    try {
      return await run();
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_STS;
      else process.env.AWS_ENDPOINT_URL_STS = saved;
    }
  }

  it('answers GetCallerIdentity of the base identity through STSClient', async () => {
    const client = new STSClient({ region: REGION, endpoint: sts.endpoint, credentials: BASE });

    const identity = await client.send(new GetCallerIdentityCommand({}));

    expect(identity).toMatchObject({
      Account: BASE_ACCOUNT,
      Arn: `arn:aws:iam::${BASE_ACCOUNT}:user/local`,
      UserId: expect.stringMatching(/^AIDA/),
      $metadata: { httpStatusCode: 200, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    });
  });

  it('issues credentials to fromTemporaryCredentials found through AWS_ENDPOINT_URL_STS, which then read the member account', async () => {
    const credentials = await withStsEndpointVariable(() => readerCredentials({ region: REGION })());
    const client = new CleanRoomsMLClient({ region: REGION, endpoint: emulator.endpoint, credentials });
    try {
      const listed = await client.send(new ListAudienceGenerationJobsCommand({ collaborationId: SHARED }));

      // The only way the SDK could have reached the emulator is the variable: no endpoint was configured.
      expect(sts.requests).toEqual([
        expect.objectContaining({
          action: 'AssumeRole',
          status: 200,
          params: expect.objectContaining({ RoleArn: READER, ExternalId: EXTERNAL_ID }),
        }),
      ]);
      expect(credentials).toMatchObject({
        accessKeyId: expect.stringMatching(/^ASIA/),
        sessionToken: expect.any(String),
        expiration: expect.any(Date),
      });
      expect(listed.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn)).toEqual(
        jobsOfMember.map((job) => job.audienceGenerationJobArn),
      );
      expect(emulator.requests.at(-1)).toMatchObject({ accountId: MEMBER_ACCOUNT, region: REGION, status: 200 });
    } finally {
      client.destroy();
    }
  });

  it('issues credentials to fromTemporaryCredentials given the endpoint in clientConfig; GetCallerIdentity names the assumed role', async () => {
    const credentials = readerCredentials({ region: REGION, endpoint: sts.endpoint });
    const client = new STSClient({ region: REGION, endpoint: sts.endpoint, credentials });

    const identity = await client.send(new GetCallerIdentityCommand({}));
    await client.send(new GetCallerIdentityCommand({}));

    expect(identity).toMatchObject({
      Account: MEMBER_ACCOUNT,
      Arn: `arn:aws:sts::${MEMBER_ACCOUNT}:assumed-role/AudienceJobsReader/audience-export`,
      UserId: expect.stringMatching(/^AROA[A-Z2-7]{17}:audience-export$/),
    });
    // The SDK client caches the provider's credentials until they near expiry: one AssumeRole for two calls.
    expect(sts.requests.map((request) => request.action)).toEqual(['AssumeRole', 'GetCallerIdentity', 'GetCallerIdentity']);
  });

  it('counts AssumeRole calls per role', async () => {
    const before = sts.assumeRoleCount(READER);
    const provider = readerCredentials({ region: REGION, endpoint: sts.endpoint });

    await provider();
    await provider();

    expect(sts.assumeRoleCount(READER) - before).toBe(2);
    expect(sts.assumeRoleCount(`arn:aws:iam::${MEMBER_ACCOUNT}:role/NeverAssumed`)).toBe(0);
  });

  it('refuses a wrong external id with AccessDenied, which the SDK surfaces by name', async () => {
    const attempt = withStsEndpointVariable(() => readerCredentials({ region: REGION }, 'not-the-external-id')());

    await expect(attempt).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${BASE_ACCOUNT}:user/local is not authorized to perform: sts:AssumeRole on resource: ${READER}`,
      $metadata: { httpStatusCode: 403 },
    });
  });

  it('refuses a denied role with AccessDenied', async () => {
    const client = new STSClient({ region: REGION, endpoint: sts.endpoint, credentials: BASE });

    const attempt = client.send(new AssumeRoleCommand({ RoleArn: DENIED, RoleSessionName: 'audience-export' }));

    await expect(attempt).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining(`sts:AssumeRole on resource: ${DENIED}`),
    });
    expect(sts.assumeRoleCount(DENIED)).toBe(1);
  });

  it('refuses credentials it does not know, and the Clean Rooms ML emulator refuses expired ones', async () => {
    sts.addRole({ roleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/ShortLived`, durationSeconds: 1 });
    const client = new STSClient({ region: REGION, endpoint: sts.endpoint, credentials: BASE });
    const { Credentials } = await client.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${MEMBER_ACCOUNT}:role/ShortLived`, RoleSessionName: 'brief' }),
    );
    const expired = {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    };
    await new Promise((resolve) => setTimeout(resolve, Credentials!.Expiration!.getTime() - Date.now() + 50));
    const stranger = new STSClient({
      region: REGION,
      endpoint: sts.endpoint,
      credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'x' },
    });
    const crml = new CleanRoomsMLClient({ region: REGION, endpoint: emulator.endpoint, credentials: expired, maxAttempts: 1 });
    try {
      await expect(stranger.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      await expect(
        new STSClient({ region: REGION, endpoint: sts.endpoint, credentials: expired }).send(new GetCallerIdentityCommand({})),
      ).rejects.toMatchObject({ name: 'ExpiredToken' });
      await expect(crml.send(new ListAudienceGenerationJobsCommand({ collaborationId: SHARED }))).rejects.toMatchObject({
        name: 'ExpiredTokenException',
      });
    } finally {
      crml.destroy();
    }
  });
});
