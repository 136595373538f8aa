/**
 * Shared checks of the reliability tests: what a run printed (logs and EMF metrics), what it left in S3,
 * and the one invariant every run must keep: a snapshot object is complete and exact, or absent and
 * reported in the manifest.
 */
import { gunzipSync } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { generateJobs, type EmulatorJob } from '../../local/emulator';
import type { RunManifest } from '../../lambda/snapshot/manifest';
import { SNAPSHOT_COLUMNS, type SnapshotRecord } from '../../lambda/snapshot/record-schema';
import { type S3Backend, type S3BackendName, startS3Backend } from './s3-backends';
import type { S3FaultProxy } from './s3-fault-proxy';
import { localS3Client } from '../../local/s3/local-s3-client';

export const SCHEDULED = '2026-11-28T09:00:00Z';
export const SNAPSHOT_TIME = '2026-11-28T09:00:00.000Z';
export const PREFIX = 'audience-generation-jobs/dt=2026-11-28/';
export const MANIFEST_KEY = `${PREFIX}_manifest_20261128T090000Z.json`;
/** Key of a collaboration's object, read with the local credentials (account 111122223333) in us-east-1 unless told. */
export const objectKey = (
  id: string,
  time = '20261128T090000Z',
  ext = '.ndjson.gz',
  owner = { accountId: '111122223333', region: 'us-east-1' },
) => `${PREFIX}${owner.accountId}_${owner.region}_${id}_${time}${ext}`;

/** Everything the process printed (Powertools writes logs and EMF to process.stdout / process.stderr). */
export class CapturedOutput {
  private readonly chunks: string[] = [];
  private readonly spies: jest.SpyInstance[];

  constructor() {
    const capture = (chunk: string | Uint8Array) => {
      this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    };
    this.spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
  }

  /** Forgets what was captured so far. */
  clear(): void {
    this.chunks.length = 0;
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** JSON log lines (not EMF), parsed. */
  logs(): Array<{ level: string; message: string; [key: string]: unknown }> {
    return this.lines()
      .filter((l) => l.startsWith('{"level"'))
      .map((l) => JSON.parse(l));
  }

  errorLogs(): Array<{ level: string; message: string; [key: string]: unknown }> {
    return this.logs().filter((l) => l.level === 'ERROR');
  }

  /** EMF documents, flattened to one entry per metric value. */
  metrics(): Array<{ name: string; value: number; dimensions: Record<string, string> }> {
    const out: Array<{ name: string; value: number; dimensions: Record<string, string> }> = [];
    for (const line of this.lines()) {
      if (!line.startsWith('{"_aws"')) continue;
      const doc = JSON.parse(line);
      for (const directive of doc._aws.CloudWatchMetrics) {
        const dimensions: Record<string, string> = {};
        for (const d of directive.Dimensions[0]) dimensions[d] = doc[d];
        for (const metric of directive.Metrics) out.push({ name: metric.Name, value: doc[metric.Name], dimensions });
      }
    }
    return out;
  }

  /** The run-level value of a metric (dimension `service` only), or undefined when it was not emitted. */
  total(name: string): number | undefined {
    const values = this.metrics().filter((m) => m.name === name && Object.keys(m.dimensions).length === 1);
    expect(values.length).toBeLessThanOrEqual(1);
    return values[0]?.value;
  }

  restore(): void {
    for (const spy of this.spies) spy.mockRestore();
  }

  private lines(): string[] {
    return this.text.split('\n').filter((l) => l.length > 0);
  }
}

/** What a job must look like in the snapshot, written from the wire form independently of the mapper. */
export function expectedRecord(job: EmulatorJob, queried: string, snapshotTime = SNAPSHOT_TIME): SnapshotRecord {
  const [, , , region, account] = job.audienceGenerationJobArn.split(':');
  const failed = job.status === 'CREATE_FAILED' || job.status === 'DELETE_FAILED';
  return {
    audience_generation_job_arn: job.audienceGenerationJobArn,
    name: job.name,
    description: job.description ?? null,
    status: job.status,
    configured_audience_model_arn: job.configuredAudienceModelArn,
    collaboration_id: job.omitCollaborationIdInSummary ? queried : (job.collaborationId ?? queried),
    started_by: job.startedBy ?? null,
    create_time: new Date(job.createTime).toISOString(),
    update_time: new Date(job.updateTime).toISOString(),
    status_details:
      failed && job.statusDetails
        ? { status_code: job.statusDetails.statusCode ?? null, message: job.statusDetails.message ?? null }
        : null,
    snapshot_time: snapshotTime,
    account_id: account,
    region: region,
  };
}

/**
 * Reads what a run left in one bucket, on the server directly. With `via` (the backend and the fault proxy the run's
 * S3 requests went through), it also answers which multipart uploads were left open.
 */
export class BucketReader {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
    readonly via?: { backend: S3Backend; proxy: S3FaultProxy },
  ) {}

  async listKeys(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys.sort();
  }

  async readObject(key: string): Promise<Buffer> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from(await object.Body!.transformToByteArray());
  }

  /** The NDJSON text of a snapshot object, gunzipped when its key ends in .gz. */
  async readSnapshotText(key: string): Promise<string> {
    const body = await this.readObject(key);
    return (key.endsWith('.gz') ? gunzipSync(body) : body).toString('utf8');
  }

  /** Every line parsed; fails the test on a line that is not one JSON object with exactly the schema's keys. */
  async readSnapshot(key: string): Promise<SnapshotRecord[]> {
    return parseNdjson(await this.readSnapshotText(key));
  }

  async readManifest(key = MANIFEST_KEY): Promise<RunManifest> {
    return JSON.parse((await this.readObject(key)).toString('utf8')) as RunManifest;
  }

  /**
   * Keys of the multipart uploads left open since the proxy's last reset, sorted (a key once per open upload): from
   * the proxy's ledger (created − completed − aborted, per key), since s3rver cannot list them. On a server that
   * lists them (moto_server), its own ListMultipartUploads must agree: a second opinion on the ledger.
   */
  async openUploads(): Promise<string[]> {
    const { backend, proxy } = this.requireVia();
    if (!backend.implementsMultipartListing) return proxy.openUploads(this.bucket);
    // A request still in flight (an abort the run did not wait for) may have reached the server and not yet the
    // ledger: compare again for up to a second before calling a difference.
    const settleBy = Date.now() + 1_000;
    for (;;) {
      const open = proxy.openUploads(this.bucket);
      const listed = await this.s3.send(new ListMultipartUploadsCommand({ Bucket: this.bucket }));
      const listedByServer = (listed.Uploads ?? []).map((u) => u.Key!).sort();
      if (JSON.stringify(listedByServer) === JSON.stringify(open) || Date.now() > settleBy) {
        expect({ listedByServer }).toEqual({ listedByServer: open });
        return open;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * Aborts every open multipart upload (clean-up after a test that leaves one on purpose), through the proxy with
   * its faults cleared, so that its ledger sees the aborts; then checks that none is left.
   */
  async abortOpenUploads(): Promise<void> {
    const { backend, proxy } = this.requireVia();
    proxy.clearFaults();
    const client = localS3Client(proxy.endpoint, backend.credentials);
    try {
      for (const upload of proxy.openUploadIds(this.bucket)) {
        await client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.key, UploadId: upload.uploadId }));
      }
    } finally {
      client.destroy();
    }
    expect(await this.openUploads()).toEqual([]);
  }

  private requireVia(): { backend: S3Backend; proxy: S3FaultProxy } {
    if (!this.via) throw new Error('BucketReader: open multipart uploads are known only through the fault proxy (pass `via`)');
    return this.via;
  }
}

/** NDJSON text → records, checking the framing: `\n`-terminated lines, each one JSON object with the schema's keys in order. */
export function parseNdjson(text: string): SnapshotRecord[] {
  if (text === '') return [];
  expect(text.endsWith('\n')).toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      const record = JSON.parse(line) as SnapshotRecord;
      expect(Object.keys(record)).toEqual(SNAPSHOT_COLUMNS.map((c) => c.name));
      return record;
    });
}

/**
 * The promise of every run, checked against S3 and the manifest: each succeeded collaboration has exactly
 * one object whose lines all parse, with no job twice, as many lines as the manifest counts, all of that
 * collaboration; each failed collaboration has no object and an error that says why; the totals add up; the run
 * succeeded exactly when every collaboration did and no status event failed. Returns the records of each succeeded
 * collaboration.
 */
export async function expectRunInvariant(reader: BucketReader, manifest: RunManifest): Promise<Map<string, SnapshotRecord[]>> {
  const byCollaboration = new Map<string, SnapshotRecord[]>();
  const keys = await reader.listKeys(manifest.prefix);
  for (const entry of manifest.collaborations) {
    if (entry.collaboration_id === '*') continue;
    const key = objectKeyFor(manifest, entry);
    if (entry.status === 'succeeded') {
      expect(entry.object_key).toBe(key);
      expect(keys).toContain(key);
      const records = await reader.readSnapshot(key);
      expect(records).toHaveLength(entry.job_count);
      expect(new Set(records.map((r) => r.audience_generation_job_arn)).size).toBe(records.length);
      expect(records.every((r) => r.collaboration_id === entry.collaboration_id && r.snapshot_time === manifest.scheduled_time)).toBe(true);
      expect(entry.error).toBeNull();
      byCollaboration.set(entry.collaboration_id, records);
    } else {
      expect(entry).toMatchObject({ object_key: null, object_bytes: null });
      expect(entry.error).toEqual({ name: expect.any(String), message: expect.any(String) });
      expect(entry.error!.message.length).toBeGreaterThan(0);
      expect(keys).not.toContain(key);
    }
  }
  const succeeded = manifest.collaborations.filter((c) => c.status === 'succeeded');
  expect(manifest.totals).toMatchObject({
    collaborations: manifest.collaborations.length,
    succeeded: succeeded.length,
    failed: manifest.collaborations.length - succeeded.length,
    jobs: succeeded.reduce((n, c) => n + c.job_count, 0),
  });
  const eventsFailed = manifest.collaborations.reduce((n, c) => n + (c.status_events_failed ?? 0), 0);
  expect(manifest.status).toBe(succeeded.length === manifest.collaborations.length && eventsFailed === 0 ? 'succeeded' : 'failed');
  if (manifest.status === 'failed' && manifest.reason !== 'deadline') {
    expect(manifest.reason).toBe(succeeded.length < manifest.collaborations.length ? 'collaboration_failed' : 'status_events_failed');
  }
  return byCollaboration;
}

/** The metrics a finished run must have emitted for its manifest. */
export function expectRunMetrics(output: CapturedOutput, manifest: RunManifest): void {
  expect(output.total('ExportSucceeded')).toBe(manifest.status === 'succeeded' ? 1 : 0);
  expect(output.total('FailedCollaborations')).toBe(manifest.totals.failed);
  expect(output.total('ExportedJobs')).toBe(manifest.totals.jobs);
}

/** Where an entry's object must be: `{prefix}dt=…/{account}_{region}_{collaboration}_{time}.ndjson[.gz]`. */
function objectKeyFor(manifest: RunManifest, entry: RunManifest['collaborations'][number]): string {
  const time = manifest.scheduled_time.replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  const date = manifest.scheduled_time.slice(0, 10);
  const owner = `${entry.account_id}_${entry.region}_${entry.collaboration_id}`;
  return `${manifest.prefix}dt=${date}/${owner}_${time}${manifest.compression === 'gzip' ? '.ndjson.gz' : '.ndjson'}`;
}

/** An S3 server with one bucket, the fault proxy in front of it (where the exporter is pointed), and a reader. */
/**
 * The checks of every handler invocation, against the manifest it wrote: the run invariant, the metrics, and that the
 * invocation failed (with ExportFailedError) exactly when the run did. Returns the manifest and the records.
 */
export async function expectHandlerOutcome(
  reader: BucketReader,
  output: CapturedOutput,
  thrown: Error | undefined,
  manifestKey = MANIFEST_KEY,
): Promise<{ manifest: RunManifest; records: Map<string, SnapshotRecord[]> }> {
  const manifest = await reader.readManifest(manifestKey);
  const records = await expectRunInvariant(reader, manifest);
  expectRunMetrics(output, manifest);
  expect(thrown === undefined).toBe(manifest.status === 'succeeded');
  if (thrown) expect(thrown.name).toBe('ExportFailedError');
  return { manifest, records };
}

export interface S3UnderTest {
  backend: S3Backend;
  proxy: S3FaultProxy;
  reader: BucketReader;
}

export async function startS3(name: S3BackendName, bucket: string): Promise<S3UnderTest> {
  const backend = await startS3Backend(name, [bucket]);
  const proxy = await backend.startProxy();
  return { backend, proxy, reader: new BucketReader(backend.s3, bucket, { backend, proxy }) };
}

export async function stopS3(s3: S3UnderTest | undefined): Promise<void> {
  if (!s3) return;
  await s3.proxy.stop();
  await s3.backend.stop();
}

/**
 * 2,500 ACTIVE jobs of `collaborationId` whose two ARNs are 2,048 characters long (the model's maximum): about 4.3 KB
 * per NDJSON line, so that their 25 pages make a multipart upload of three 5 MiB parts uncompressed (about 11 MB).
 */
export function multipartJobs(collaborationId: string): EmulatorJob[] {
  const pad = (arn: string) => arn + '/segment_v2.'.repeat(200).slice(0, 2048 - arn.length);
  return generateJobs({ collaborationId, count: 2_500, statuses: ['ACTIVE'] }).map((job) => ({
    ...job,
    audienceGenerationJobArn: pad(job.audienceGenerationJobArn),
    configuredAudienceModelArn: pad(job.configuredAudienceModelArn),
  }));
}
