/**
 * Logs never contain credentials, signatures or session tokens. Runs with temporary credentials set (as on
 * Lambda: key id, secret, session token), successful and failing ones, including an S3 SignatureDoesNotMatch
 * whose body echoes the string to sign and the signature (as S3 does), with every log level on; then searches
 * everything printed, the manifest, and what the handler threw.
 *
 * The access key id is an identifier, not a secret, but nothing needs it in a log: the test forbids it too
 * (lambda/commons/error-details.ts redacts AKIA/ASIA ids in messages).
 *
 * S3 is s3rver, and moto_server as a second opinion when it is on PATH (test/support/s3-backends.ts), behind the
 * fault proxy; each backend gets its own emulator, STS and captured output, searched after its own runs.
 */
import { randomBytes } from 'node:crypto';
import { CleanRoomsMLEmulator, generateJobs } from '../../../local/emulator';
import { LocalIdentities } from '../../../local/emulator/identities';
import { StsEmulator } from '../../../local/sts';
import { destroyAwsClients } from '../../../lambda/commons/aws-clients';
import { logger } from '../../../lambda/commons/logger';
import { callHandler } from '../../support/export-test-bed';
import { describeEachS3Backend } from '../../support/s3-backends';
import type { S3FaultProxy } from '../../support/s3-fault-proxy';
import { type BucketReader, CapturedOutput, MANIFEST_KEY, type S3UnderTest, startS3, stopS3 } from '../../support/run-checks';

const BUCKET = 'snapshots-log-secrets';
const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString('base64')
    .replace(/[^A-Z0-9]/g, '')
    .slice(0, n)
    .padEnd(n, 'Q');
const CREDENTIALS = {
  accessKeyId: `ASIA${alnum(16)}`,
  secretAccessKey: randomBytes(30).toString('base64'),
  sessionToken: `IQoJb3JpZ2luX2VjE${randomBytes(300).toString('base64')}`,
};

let emulator: CleanRoomsMLEmulator;
let sts: StsEmulator;
let s3: S3UnderTest | undefined;
let proxy: S3FaultProxy;
let reader: BucketReader;
let output: CapturedOutput;
const thrown: unknown[] = [];
const manifests: string[] = [];
const ids = ['0', '1', '2', '3'].map((n) => `5ec7e75e-0000-4000-8000-00000000000${n}`);

function setEnv(values: Record<string, string | undefined>): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** The handler for these collaborations; keeps what it threw and the manifest it wrote, for the search. */
async function run(collaborations: string[]): Promise<unknown> {
  process.env.COLLABORATION_IDS = collaborations.join(',');
  const error = await callHandler();
  thrown.push(error);
  manifests.push(
    await reader.readObject(MANIFEST_KEY).then(
      (b) => b.toString('utf8'),
      () => '',
    ),
  );
  return error;
}

describeEachS3Backend('the log-secret checks of test/lambda/reliability/log-secrets.test.ts', (backend) => {
  beforeAll(async () => {
    const identities = new LocalIdentities([{ ...CREDENTIALS, accountId: '111122223333' }]);
    const [started, stsStarted, s3Started] = await Promise.all([
      CleanRoomsMLEmulator.start({ identities, credentials: CREDENTIALS }),
      StsEmulator.start({ identities }),
      startS3(backend, BUCKET),
    ]);
    emulator = started;
    sts = stsStarted;
    s3 = s3Started;
    ({ proxy, reader } = s3);
    // s3rver refuses access key ids it does not know (it does not verify SigV4 signatures); moto_server takes any.
    s3.backend.allowKeyPair(CREDENTIALS);
    thrown.length = 0;
    manifests.length = 0;
    for (const id of ids) emulator.seed(id, generateJobs({ collaborationId: id, count: 30 }));
    setEnv({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: CREDENTIALS.sessionToken,
      AWS_ENDPOINT_URL_CLEANROOMSML: emulator.endpoint,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      SNAPSHOT_BUCKET: BUCKET,
      SNAPSHOT_PREFIX: undefined,
      COMPRESSION: undefined,
      MAX_CONCURRENCY: undefined,
      CLEANROOMSML_MAX_ATTEMPTS: '2',
      CLEANROOMSML_REQUEST_TIMEOUT_MS: undefined,
      AWS_CREDENTIAL_EXPIRATION: undefined,
    });
    logger.setLogLevel('DEBUG');
    output = new CapturedOutput();
  });

  afterAll(async () => {
    output?.restore();
    logger.setLogLevel('INFO');
    destroyAwsClients();
    await Promise.all([emulator?.stop(), sts?.stop(), stopS3(s3)]);
    s3 = undefined;
  });

  describe('runs with temporary credentials', () => {
    it('a successful run', async () => {
      expect(await run(ids.slice(0, 2))).toBeUndefined();
      // The emulator verified every signature, session token included.
      expect(emulator.requests.length).toBeGreaterThan(2);
      expect(emulator.requests.every((r) => r.status === 200 && r.headers['x-amz-security-token'] === CREDENTIALS.sessionToken)).toBe(true);
    });

    it('a run with Clean Rooms ML failures: AccessDenied, server errors past the budget, a malformed body', async () => {
      emulator.faults.denyCollaboration(ids[0]);
      emulator.faults.serverErrors(2, { collaborationId: ids[1], status: 500 });
      emulator.faults.malformedJson(1, { collaborationId: ids[2] });

      expect(await run(ids)).toMatchObject({ name: 'ExportFailedError' });
      emulator.faults.reset();
    });

    it('a run whose snapshot upload S3 refuses with SignatureDoesNotMatch (the string to sign echoed back)', async () => {
      proxy.fail('PutObject', 1, 'signatureDoesNotMatch', { pathContains: ids[3] });

      expect(await run([ids[3]])).toMatchObject({ name: 'ExportFailedError' });
      expect(proxy.requests.some((r) => r.fault === 'signatureDoesNotMatch')).toBe(true);
    });

    it('a run whose manifest S3 refuses with SignatureDoesNotMatch: the handler throws the S3 error', async () => {
      proxy.fail('PutObject', 1, 'signatureDoesNotMatch', { pathContains: '_manifest_' });

      expect(await run([ids[2]])).toMatchObject({ name: 'SignatureDoesNotMatch' });
    });

    it('a run whose signature is rejected (a wrong secret key): STS GetCallerIdentity refuses it first', async () => {
      process.env.AWS_SECRET_ACCESS_KEY = `${CREDENTIALS.secretAccessKey}x`;
      destroyAwsClients();
      try {
        expect(await run([ids[1]])).toMatchObject({ name: 'ExportFailedError' });
        expect(sts.requests.some((r) => r.errorCode === 'SignatureDoesNotMatch')).toBe(true);
      } finally {
        process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
        destroyAwsClients();
      }
    });
  });

  describe('what the runs printed, wrote and threw', () => {
    /** Every SigV4 signature that went over the wire, to Clean Rooms ML, STS and S3. */
    function signaturesSent(): string[] {
      const headers = [
        ...emulator.requests.map((r) => r.headers.authorization),
        ...sts.requests.map((r) => r.headers.authorization),
        ...proxy.requests.map((r) => r.authorization),
      ];
      return [...new Set(headers.map((h) => /Signature=([0-9a-f]{64})/.exec(h ?? '')?.[1]).filter((s): s is string => Boolean(s)))];
    }

    /** Everything searched: stdout and stderr of all runs, the manifests, and the thrown errors with their own properties. */
    function haystacks(): Array<[string, string]> {
      return [
        ['log output', output.text],
        ...manifests.map((m, i): [string, string] => [`manifest ${i}`, m]),
        ...thrown.filter(Boolean).map((e, i): [string, string] => [`thrown ${i}`, `${(e as Error).message}\n${(e as Error).stack}`]),
      ];
    }

    it('captured something from every run (the search is not vacuous)', () => {
      expect(output.logs().length).toBeGreaterThan(10);
      expect(output.errorLogs().length).toBeGreaterThan(3);
      expect(signaturesSent().length).toBeGreaterThan(10);
      expect(output.text).toContain('AccessDeniedException');
      expect(output.text).toContain('SignatureDoesNotMatch');
    });

    it.each<[string, () => string | RegExp]>([
      ['the secret access key', () => CREDENTIALS.secretAccessKey],
      ['the wrong secret access key of the last run', () => `${CREDENTIALS.secretAccessKey}x`],
      ['the session token', () => CREDENTIALS.sessionToken],
      ['any 40-character piece of the session token', () => new RegExp(chunks(CREDENTIALS.sessionToken, 40).map(escapeRegExp).join('|'))],
      ['the access key id', () => CREDENTIALS.accessKeyId],
      ['a Signature= parameter', () => /Signature=[0-9a-f]/i],
      ['a Credential= parameter', () => /Credential=[A-Z0-9]/],
      ['the SigV4 algorithm (a string to sign or an Authorization header)', () => 'AWS4-HMAC-SHA256'],
      ['a session token header', () => /x-amz-security-token/i],
      ["S3's echo fields", () => /StringToSign|SignatureProvided|CanonicalRequest/],
    ])('none contains %s', (_, pattern) => {
      const p = pattern();
      for (const [where, text] of haystacks()) {
        if (typeof p === 'string') expect({ where, found: text.includes(p) }).toEqual({ where, found: false });
        else expect({ where, found: p.test(text) }).toEqual({ where, found: false });
      }
    });

    it('none contains any signature that was sent', () => {
      const signatures = signaturesSent();
      for (const [where, text] of haystacks()) {
        expect({ where, leaked: signatures.filter((s) => text.includes(s)) }).toEqual({ where, leaked: [] });
      }
    });
  });
});

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + size <= text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
