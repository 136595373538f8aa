import { buildQueryString } from '@smithy/querystring-builder';
import { CleanRoomsMLEmulator, generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, listJobs, sendRaw } from '../../support/signed-http';

const COLLABORATION = collaborationId(1);
const jobs = generateJobs({ collaborationId: COLLABORATION, count: 3 });
const CREDENTIALS = { accessKeyId: 'AKIDEMULATORTEST0001', secretAccessKey: 'secret+with/chars=', sessionToken: 'session/token+1==' };

describe('emulator: SigV4 verification', () => {
  let emulator: CleanRoomsMLEmulator;
  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start({ region: 'eu-west-1', credentials: CREDENTIALS });
    emulator.seed(COLLABORATION, jobs);
  });
  afterAll(() => emulator.stop());

  it('accepts List and Get signed by the real signer, with a session token and a double-encoded label', async () => {
    const { nextToken } = JSON.parse((await listJobs(emulator, { collaborationId: COLLABORATION, maxResults: 1 })).body);

    const secondPage = await listJobs(emulator, { collaborationId: COLLABORATION, maxResults: 1, nextToken });
    const job = await getJob(emulator, jobs[2].audienceGenerationJobArn);

    expect([secondPage.status, job.status]).toEqual([200, 200]);
  });

  it.each([
    [
      'a wrong secret',
      { credentials: { ...CREDENTIALS, secretAccessKey: 'wrong' } },
      'InvalidSignatureException',
      /signature we calculated does not match/,
    ],
    ['a wrong region', { region: 'us-east-1' }, 'InvalidSignatureException', /scoped to a valid region/],
    ['a wrong service', { service: 'cleanrooms' }, 'InvalidSignatureException', /scoped to correct service: 'cleanrooms-ml'/],
    [
      'an unknown access key',
      { credentials: { ...CREDENTIALS, accessKeyId: 'AKIDUNKNOWN' } },
      'UnrecognizedClientException',
      /security token/,
    ],
    ['a wrong session token', { credentials: { ...CREDENTIALS, sessionToken: 'other' } }, 'UnrecognizedClientException', /security token/],
    [
      'no session token',
      { credentials: { accessKeyId: CREDENTIALS.accessKeyId, secretAccessKey: CREDENTIALS.secretAccessKey } },
      'UnrecognizedClientException',
      /security token/,
    ],
    ['a date 20 minutes off', { signingDate: new Date(Date.now() - 20 * 60_000) }, 'InvalidSignatureException', /Signature expired/],
  ])('answers 403 for %s', async (_, override, type, message) => {
    const response = await listJobs(emulator, { collaborationId: COLLABORATION }, override);

    expect(errorOf(response)).toEqual({ status: 403, type, message: expect.stringMatching(message) });
  });

  it.each([
    ['a query parameter changed after signing', (query: Record<string, string>) => (query.maxResults = '2')],
    ['a query parameter added after signing', (query: Record<string, string>) => (query.extra = '1')],
  ])('answers 403 InvalidSignatureException for %s', async (_, tamper) => {
    const response = await listJobs(
      emulator,
      { collaborationId: COLLABORATION, maxResults: 1 },
      { afterSigning: (request) => tamper(request.query as Record<string, string>) },
    );

    expect(errorOf(response)).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });

  it('answers 403 InvalidSignatureException for a signed header changed after signing', async () => {
    const response = await listJobs(
      emulator,
      { collaborationId: COLLABORATION },
      { afterSigning: (request) => void (request.headers.accept = 'text/plain') },
    );

    expect(errorOf(response)).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
  });

  describe('a token whose + the client sends unencoded', () => {
    /** Encodes like the SDK, then puts `+` back raw, as a client that encodes only `/` and `=` would. */
    const leavePlusRaw = (query: Record<string, unknown>) => buildQueryString(query as never).replace(/%2B/g, '+');

    it('fails the signature: the front end reads + as a space', async () => {
      const { nextToken } = JSON.parse((await listJobs(emulator, { collaborationId: COLLABORATION, maxResults: 1 })).body);
      expect(nextToken).toContain('+');

      const response = await listJobs(
        emulator,
        { collaborationId: COLLABORATION, maxResults: 1, nextToken },
        { serializeQuery: leavePlusRaw },
      );

      expect(errorOf(response)).toMatchObject({ status: 403, type: 'InvalidSignatureException' });
    });

    it('is an invalid token when signatures are not verified', async () => {
      const open = await CleanRoomsMLEmulator.start({ verifySignatures: false });
      try {
        open.seed(COLLABORATION, jobs);
        const { nextToken } = JSON.parse((await listJobs(open, { collaborationId: COLLABORATION, maxResults: 1 })).body);

        const response = await listJobs(
          open,
          { collaborationId: COLLABORATION, maxResults: 1, nextToken },
          { serializeQuery: leavePlusRaw },
        );

        expect(open.requests[1].query.nextToken).toEqual([nextToken.replace(/\+/g, ' ')]);
        expect(errorOf(response)).toMatchObject({ status: 400, type: 'ValidationException' });
      } finally {
        await open.stop();
      }
    });
  });

  it('answers MissingAuthenticationTokenException without an Authorization header', async () => {
    const response = await sendRaw(emulator.endpoint, { pathAndQuery: `/audience-generation-job?collaborationId=${COLLABORATION}` });

    expect(errorOf(response)).toMatchObject({ status: 403, type: 'MissingAuthenticationTokenException' });
  });

  it('answers IncompleteSignatureException for a malformed Authorization header', async () => {
    const response = await sendRaw(emulator.endpoint, {
      pathAndQuery: '/audience-generation-job',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/cleanrooms-ml, Signature=abc' },
    });

    expect(errorOf(response)).toMatchObject({ status: 400, type: 'IncompleteSignatureException' });
  });

  it('accepts unsigned requests when verification is off', async () => {
    const open = await CleanRoomsMLEmulator.start({ verifySignatures: false });
    try {
      const response = await sendRaw(open.endpoint, { pathAndQuery: '/audience-generation-job' });

      expect(response.status).toBe(200);
    } finally {
      await open.stop();
    }
  });
});
