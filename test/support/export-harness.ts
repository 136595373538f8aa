import type { S3Client } from '@aws-sdk/client-s3';
import type { CleanRoomsMLEmulator } from '../../local/emulator';
import { LocalAws } from '../../local/local-aws';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../../local/local-aws-environment';
import type { LocalS3Server } from '../../local/s3/local-s3-server';
import type { StsEmulator } from '../../local/sts';
import { BucketReader } from './run-checks';
import { localS3Client } from '../../local/s3/local-s3-client';

export { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS };

export const TEST_BUCKET = 'snapshots-test';

/**
 * The local AWS (Clean Rooms ML emulator, STS, an in-process S3 server), plus the environment that points the
 * exporter at them and a reader of what it wrote.
 */
export class ExportHarness {
  readonly emulator: CleanRoomsMLEmulator;
  readonly sts: StsEmulator;
  readonly s3Server: LocalS3Server;
  /** The test bucket, read back. */
  readonly reader: BucketReader;

  private constructor(
    readonly aws: LocalAws,
    readonly s3: S3Client,
  ) {
    ({ emulator: this.emulator, sts: this.sts, s3Server: this.s3Server } = aws);
    this.reader = new BucketReader(s3, TEST_BUCKET);
  }

  static async start(options: { latencyMs?: number } = {}): Promise<ExportHarness> {
    const aws = await LocalAws.start({ latencyMs: options.latencyMs, buckets: [TEST_BUCKET] });
    return new ExportHarness(aws, localS3Client(aws.s3Server.endpoint, LOCAL_CREDENTIALS));
  }

  /** The exporter's environment: standard AWS variables towards the local servers, plus `overrides`. */
  env(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    return {
      ...this.aws.env(),
      SNAPSHOT_BUCKET: TEST_BUCKET,
      ...overrides,
    };
  }

  /** Points this process's standard AWS variables at the local servers (for in-process runs). */
  applyEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const env = this.env(overrides);
    for (const [key, value] of Object.entries(env)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    return env;
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    await this.aws.stop();
  }
}
