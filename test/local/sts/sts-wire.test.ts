import { LocalIdentities, StsEmulator } from '../../../local/sts';
import { sendSts } from './sts-http';

const BASE = { accessKeyId: 'AKIDBASE000000000001', secretAccessKey: 'base/secret+key=', accountId: '111122223333' };
const credentials = { accessKeyId: BASE.accessKeyId, secretAccessKey: BASE.secretAccessKey };
const ROLE_ARN = 'arn:aws:iam::444455556666:role/audience/AudienceJobsReader';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

describe('STS emulator: wire form', () => {
  let sts: StsEmulator;
  const identities = new LocalIdentities([BASE]);
  beforeAll(async () => {
    sts = await StsEmulator.start({ identities });
    sts.addRole({ roleArn: ROLE_ARN, externalId: 'audience-export' });
  });
  afterAll(() => sts.stop());
  beforeEach(() => sts.clearRequests());

  it('answers GetCallerIdentity with the XML STS sends', async () => {
    const response = await sendSts(sts, { Action: 'GetCallerIdentity' }, { credentials });

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    const requestId = response.headers.get('x-amzn-requestid');
    expect(response.body).toBe(
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
        '  <GetCallerIdentityResult>\n' +
        '    <Arn>arn:aws:iam::111122223333:user/local</Arn>\n' +
        `    <UserId>${identities.get(BASE.accessKeyId)?.userId}</UserId>\n` +
        '    <Account>111122223333</Account>\n' +
        '  </GetCallerIdentityResult>\n' +
        '  <ResponseMetadata>\n' +
        `    <RequestId>${requestId}</RequestId>\n` +
        '  </ResponseMetadata>\n' +
        '</GetCallerIdentityResponse>\n',
    );
  });

  it('answers AssumeRole with fresh temporary credentials and registers them under the role account', async () => {
    const before = Date.now();
    const response = await sendSts(
      sts,
      { Action: 'AssumeRole', RoleArn: ROLE_ARN, RoleSessionName: 'export@run=1', ExternalId: 'audience-export', DurationSeconds: '900' },
      { credentials },
    );

    expect(response.status).toBe(200);
    const match = new RegExp(
      '^<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
        '  <AssumeRoleResult>\n' +
        '    <AssumedRoleUser>\n' +
        '      <AssumedRoleId>(AROA[A-Z2-7]{17}):export@run=1</AssumedRoleId>\n' +
        '      <Arn>arn:aws:sts::444455556666:assumed-role/AudienceJobsReader/export@run=1</Arn>\n' +
        '    </AssumedRoleUser>\n' +
        '    <Credentials>\n' +
        '      <AccessKeyId>(ASIA[A-Z2-7]{16})</AccessKeyId>\n' +
        '      <SecretAccessKey>([A-Za-z0-9+/]{40})</SecretAccessKey>\n' +
        '      <SessionToken>([A-Za-z0-9+/=]+)</SessionToken>\n' +
        '      <Expiration>(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ)</Expiration>\n' +
        '    </Credentials>\n' +
        '  </AssumeRoleResult>\n' +
        '  <ResponseMetadata>\n' +
        `    <RequestId>${UUID}</RequestId>\n` +
        '  </ResponseMetadata>\n' +
        '</AssumeRoleResponse>\n$',
    ).exec(response.body);
    expect(match).not.toBeNull();
    const [, roleId, accessKeyId, secretAccessKey, sessionToken, expiration] = match!;
    const expiresInMs = Date.parse(expiration) - before;
    expect(expiresInMs).toBeGreaterThan(899_000);
    expect(expiresInMs).toBeLessThanOrEqual(900_000);
    expect(identities.get(accessKeyId)).toEqual({
      accessKeyId,
      secretAccessKey,
      sessionToken,
      accountId: '444455556666',
      arn: 'arn:aws:sts::444455556666:assumed-role/AudienceJobsReader/export@run=1',
      userId: `${roleId}:export@run=1`,
      expiration: new Date(expiration),
    });
    expect(sts.requests[0]).toMatchObject({ action: 'AssumeRole', accountId: '111122223333', region: 'us-east-1', status: 200 });
    expect(sts.assumeRoleCount(ROLE_ARN)).toBe(1);
  });

  it('answers GetCallerIdentity for assumed credentials with the assumed-role ARN, in any Region', async () => {
    const assumed = await sendSts(
      sts,
      { Action: 'AssumeRole', RoleArn: ROLE_ARN, RoleSessionName: 's1', ExternalId: 'audience-export' },
      { credentials },
    );
    const [, accessKeyId, secretAccessKey, sessionToken] =
      /<AccessKeyId>(.*)<\/AccessKeyId>\s*<SecretAccessKey>(.*)<\/SecretAccessKey>\s*<SessionToken>(.*)<\/SessionToken>/.exec(
        assumed.body,
      )!;

    const response = await sendSts(
      sts,
      { Action: 'GetCallerIdentity' },
      { credentials: { accessKeyId, secretAccessKey, sessionToken }, region: 'eu-west-1' },
    );

    expect(response.body).toMatch(
      /<Arn>arn:aws:sts::444455556666:assumed-role\/AudienceJobsReader\/s1<\/Arn>\s*<UserId>AROA[A-Z2-7]{17}:s1<\/UserId>\s*<Account>444455556666<\/Account>/,
    );
  });

  it('answers AccessDenied with the error XML STS sends', async () => {
    const response = await sendSts(
      sts,
      { Action: 'AssumeRole', RoleArn: ROLE_ARN, RoleSessionName: 's1', ExternalId: 'wrong' },
      { credentials },
    );

    expect(response.status).toBe(403);
    expect(response.body).toBe(
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n' +
        '  <Error>\n' +
        '    <Type>Sender</Type>\n' +
        '    <Code>AccessDenied</Code>\n' +
        `    <Message>User: arn:aws:iam::111122223333:user/local is not authorized to perform: sts:AssumeRole on resource: ${ROLE_ARN}</Message>\n` +
        '  </Error>\n' +
        `  <RequestId>${response.headers.get('x-amzn-requestid')}</RequestId>\n` +
        '</ErrorResponse>\n',
    );
  });

  it.each([
    ['a missing external id', { RoleArn: ROLE_ARN, RoleSessionName: 's1' }],
    ['an unknown role', { RoleArn: 'arn:aws:iam::444455556666:role/Unknown', RoleSessionName: 's1' }],
  ])('refuses %s with AccessDenied', async (_, params) => {
    const response = await sendSts(sts, { Action: 'AssumeRole', ...params }, { credentials });

    expect(response.status).toBe(403);
    expect(response.body).toContain('<Code>AccessDenied</Code>');
  });

  it.each([
    ['no RoleSessionName', { RoleArn: ROLE_ARN }, 'ValidationError', /Value null at 'roleSessionName'/],
    [
      'a RoleSessionName with a space',
      { RoleArn: ROLE_ARN, RoleSessionName: 'a b' },
      'ValidationError',
      /at 'roleSessionName' failed to satisfy constraint/,
    ],
    [
      'DurationSeconds below 900',
      { RoleArn: ROLE_ARN, RoleSessionName: 's1', DurationSeconds: '60' },
      'ValidationError',
      /greater than or equal to 900/,
    ],
    [
      'DurationSeconds above the role maximum',
      { RoleArn: ROLE_ARN, RoleSessionName: 's1', ExternalId: 'audience-export', DurationSeconds: '7200' },
      'ValidationError',
      /exceeds the MaxSessionDuration/,
    ],
  ])('answers 400 for %s', async (_, params, code, message) => {
    const response = await sendSts(sts, { Action: 'AssumeRole', ...params }, { credentials });

    expect(response.status).toBe(400);
    expect(response.body).toContain(`<Code>${code}</Code>`);
    expect(response.body).toMatch(message);
  });

  it.each([
    [
      'an unknown action',
      { Action: 'GetSessionToken' },
      'InvalidAction',
      'Could not find operation GetSessionToken for version 2011-06-15',
    ],
    [
      'another version',
      { Action: 'GetCallerIdentity', Version: '2010-01-01' },
      'InvalidAction',
      'Could not find operation GetCallerIdentity for version 2010-01-01',
    ],
  ])('answers 400 for %s', async (_, params, code, message) => {
    const response = await sendSts(sts, params, { credentials });

    expect(response.status).toBe(400);
    expect(response.body).toContain(`<Code>${code}</Code>`);
    expect(response.body).toContain(`<Message>${message}</Message>`);
  });

  it.each([
    [
      'an unknown access key',
      { ...credentials, accessKeyId: 'AKIDUNKNOWN' },
      'InvalidClientTokenId',
      'The security token included in the request is invalid.',
    ],
    [
      'a wrong secret',
      { ...credentials, secretAccessKey: 'wrong' },
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match',
    ],
  ])('refuses %s with the Query error code AWS uses', async (_, signing, code, message) => {
    const response = await sendSts(sts, { Action: 'GetCallerIdentity' }, { credentials: signing });

    expect(response.status).toBe(403);
    expect(response.body).toContain(`<Code>${code}</Code>`);
    expect(response.body).toContain(message);
    expect(sts.requests[0]).toMatchObject({ errorCode: code, status: 403 });
    expect(sts.requests[0].accountId).toBeUndefined();
  });

  it('refuses a request signed for another service', async () => {
    const response = await sendSts(sts, { Action: 'GetCallerIdentity' }, { credentials, service: 'cleanrooms-ml' });

    expect(response.status).toBe(403);
    expect(response.body).toContain("<Message>Credential should be scoped to correct service: 'sts'.</Message>");
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(sts.endpoint, {
      method: 'POST',
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('refuses role ARNs that are not IAM role ARNs', () => {
    expect(() => sts.addRole({ roleArn: 'arn:aws:iam::4444:role/x' })).toThrow(RangeError);
    expect(() => sts.addRole({ roleArn: 'arn:aws:iam::444455556666:user/x' })).toThrow(RangeError);
  });
});
