/**
 * The S3 servers the wire tests run against:
 *
 * - s3rver (in-process, from npm: local/s3/local-s3-server.ts), always. `npm ci && npm test` needs nothing but Node.
 * - moto_server (Python, `pip install 'moto[server]'`), as a second opinion, when it is on PATH. It implements the
 *   multipart lifecycle s3rver lacks, so there the no-orphan checks also compare the fault proxy's ledger with the
 *   server's own ListMultipartUploads. When it is not on PATH, {@link describeEachS3Backend} declares, in its place,
 *   a test that fails in CI and elsewhere prints one loud `moto_server NOT RUN: ...` line (test/support/tool-on-path.ts).
 *
 * What s3rver 3.7.1 does with multipart uploads (checked against it, path-style, WHEN_REQUIRED checksums):
 * CreateMultipartUpload 200 with an UploadId; UploadPart 200, also for an UploadId it never issued;
 * CompleteMultipartUpload 200, the object assembled byte for byte, and 500 InternalError when repeated;
 * AbortMultipartUpload 405 MethodNotAllowed, whatever the UploadId (the parts stay on its disk);
 * ListMultipartUploads 501 NotImplemented. It checks that the access key id is one it knows (only S3RVER, unless
 * {@link S3Backend.allowKeyPair} adds one) but does not verify SigV4 signatures. The fault proxy in front of it
 * (`fillMultipartGaps`) answers the Abort and the repeated Complete as S3 does; see test/support/s3-fault-proxy.ts.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_CREDENTIALS } from '../../local/local-aws-environment';
import { LocalS3Server } from '../../local/s3/local-s3-server';
import { MotoServer } from './moto-server';
import { S3FaultProxy } from './s3-fault-proxy';
import { describeToolAbsent, findTool } from './tool-on-path';
import { localS3Client } from '../../local/s3/local-s3-client';

export type S3BackendName = 's3rver' | 'moto_server';

/** moto_server has no --version; --help exits 0 when it runs. */
export const MOTO_SERVER = findTool('moto_server', ['--help']);

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3Backend {
  readonly name: S3BackendName;
  readonly endpoint: string;
  /** A key pair it accepts. */
  readonly credentials: Credentials;
  /** The server itself implements ListMultipartUploads and AbortMultipartUpload (moto_server; not s3rver). */
  readonly implementsMultipartListing: boolean;
  /** A client on the server directly (not through a proxy). */
  readonly s3: S3Client;
  /** Lets requests signed with this key pair in (s3rver knows only its own; moto_server accepts any). */
  allowKeyPair(credentials: Credentials): void;
  /** A fault proxy in front of the server; for s3rver, one that fills its multipart gaps. */
  startProxy(): Promise<S3FaultProxy>;
  stop(): Promise<void>;
}

/** Starts the server with these buckets. */
export async function startS3Backend(name: S3BackendName, buckets: string[]): Promise<S3Backend> {
  return name === 's3rver' ? startS3rver(buckets) : startMoto(buckets);
}

async function startS3rver(buckets: string[]): Promise<S3Backend> {
  const server = await LocalS3Server.start({ buckets });
  // s3rver's registry of key pairs (module-global; each Jest test file has its own module registry).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
  };
  const added: string[] = [];
  const s3 = localS3Client(server.endpoint, LOCAL_CREDENTIALS);
  return {
    name: 's3rver',
    endpoint: server.endpoint,
    credentials: LOCAL_CREDENTIALS,
    implementsMultipartListing: false,
    s3,
    allowKeyPair(credentials) {
      DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
      added.push(credentials.accessKeyId);
    },
    startProxy: () => S3FaultProxy.start(server.endpoint, { fillMultipartGaps: true }),
    async stop() {
      for (const id of added) DUMMY_ACCOUNT.revokeAccessKey(id);
      s3.destroy();
      await server.stop();
    },
  };
}

async function startMoto(buckets: string[]): Promise<S3Backend> {
  const moto = await MotoServer.start();
  const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  const s3 = localS3Client(moto.endpoint, credentials);
  try {
    for (const bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    s3.destroy();
    await moto.stop();
    throw error;
  }
  return {
    name: 'moto_server',
    endpoint: moto.endpoint,
    credentials,
    implementsMultipartListing: true,
    s3,
    allowKeyPair: () => undefined,
    startProxy: () => S3FaultProxy.start(moto.endpoint),
    async stop() {
      s3.destroy();
      await moto.stop();
    },
  };
}

/**
 * Declares the tests of `define` once per backend: in `describe('on s3rver')`, and in `describe('on moto_server')` when
 * moto_server is on PATH. Without it, a test stands in for the moto part (see test/support/tool-on-path.ts): it fails
 * in CI, and elsewhere prints `moto_server NOT RUN: ...` naming `secondOpinion`, what did not run.
 */
export function describeEachS3Backend(secondOpinion: string, define: (name: S3BackendName) => void): void {
  describe('on s3rver', () => define('s3rver'));
  if (MOTO_SERVER.available) {
    describe('on moto_server (second opinion)', () => define('moto_server'));
  } else {
    describeToolAbsent(MOTO_SERVER, {
      notRun: `the S3 second-opinion checks (${secondOpinion}, on moto_server)`,
      install: `moto[server] (pip install 'moto[server]')`,
    });
  }
}
