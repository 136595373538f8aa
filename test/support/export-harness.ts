import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { CleanRoomsMLEmulator } from '../../local/emulator';
import { LocalAws } from '../../local/local-aws';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../../local/local-aws-environment';
import type { LocalS3Server } from '../../local/s3/local-s3-server';
import type { StsEmulator } from '../../local/sts';

export { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS };
import type { RunManifest } from '../../lambda/snapshot/manifest';
import type { SnapshotRecord } from '../../lambda/snapshot/record-schema';

export const TEST_BUCKET = 'snapshots-test';

/**
 * The local AWS (Clean Rooms ML emulator, STS, an in-process S3 server), plus the environment that points the
 * exporter at them and readers for what it wrote.
 */
export class ExportHarness {
  readonly emulator: CleanRoomsMLEmulator;
  readonly sts: StsEmulator;
  readonly s3Server: LocalS3Server;

  private constructor(
    readonly aws: LocalAws,
    readonly s3: S3Client,
  ) {
    ({ emulator: this.emulator, sts: this.sts, s3Server: this.s3Server } = aws);
  }

  static async start(options: { latencyMs?: number } = {}): Promise<ExportHarness> {
    const aws = await LocalAws.start({ latencyMs: options.latencyMs, buckets: [TEST_BUCKET] });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: aws.s3Server.endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    return new ExportHarness(aws, s3);
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

  async listKeys(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: TEST_BUCKET, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  }

  async readObject(key: string): Promise<Buffer> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: TEST_BUCKET, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  /** The raw NDJSON text of a snapshot object, gunzipped when its key ends in .gz. */
  async readSnapshotText(key: string): Promise<string> {
    const body = await this.readObject(key);
    return (key.endsWith('.gz') ? gunzipSync(body) : body).toString('utf8');
  }

  async readSnapshot(key: string): Promise<SnapshotRecord[]> {
    const text = await this.readSnapshotText(key);
    if (text === '') return [];
    expect(text.endsWith('\n')).toBe(true);
    return text
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line) as SnapshotRecord);
  }

  async readManifest(key: string): Promise<RunManifest> {
    return JSON.parse((await this.readObject(key)).toString('utf8')) as RunManifest;
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    await this.aws.stop();
  }
}

/** Distinct, valid, lowercase collaboration ids for tests. */
export function collaborationId(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `0000${hex.slice(0, 4)}-aaaa-4bbb-8ccc-${hex}`;
}
