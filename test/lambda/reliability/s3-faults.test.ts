/**
 * The fault matrix of the S3 side: the handler against the emulator, and against S3 through a proxy that injects
 * 500s, 503s, 403s and resets into chosen S3 operations, on s3rver and, as a second opinion, on moto_server when it
 * is on PATH (test/support/s3-backends.ts). Every row asserts: the snapshot is complete and exact, or there is no
 * object and no open multipart upload (the proxy's ledger of uploads; on moto_server also its own listing), and the
 * manifest, the metrics and the invocation say so.
 */
import type { EmulatorJob } from '../../../local/emulator';
import type { RunManifest } from '../../../lambda/snapshot/manifest';
import type { SnapshotRecord } from '../../../lambda/snapshot/record-schema';
import { describeEachS3Backend } from '../../support/s3-backends';
import type { S3FaultKind, S3FaultProxy, S3Operation } from '../../support/s3-fault-proxy';
import {
  type BucketReader,
  MANIFEST_KEY,
  type S3UnderTest,
  expectRunMetrics,
  expectedRecord,
  objectKey,
  startS3,
  stopS3,
  multipartJobs,
  expectHandlerOutcome,
} from '../../support/run-checks';
import { useExportTestBed, callHandler } from '../../support/export-test-bed';

const bed = useExportTestBed({ firstCollaboration: 0x8000 });

const BUCKET = 'snapshots-s3-faults';

let s3: S3UnderTest | undefined;
let proxy: S3FaultProxy;
let reader: BucketReader;

/** A small collaboration: its snapshot is one PutObject. */
const small = (count = 20) => bed.seed(count);
/** A collaboration whose snapshot is a multipart upload of two parts. */
const large = () => bed.seedWith(multipartJobs);

interface RunOutcome {
  manifest: RunManifest;
  thrown: Error | undefined;
  records: Map<string, SnapshotRecord[]>;
}

/** The handler against S3 behind the proxy; then the invariant, the metrics and the open uploads. */
async function runHandler(ids: string[], env: Record<string, string | undefined> = {}): Promise<RunOutcome> {
  bed.harness.applyEnv({
    COLLABORATION_IDS: ids.join(','),
    SNAPSHOT_BUCKET: BUCKET,
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    COMPRESSION: 'none',
    ...env,
  });
  const thrown = await callHandler();
  const { manifest, records } = await expectHandlerOutcome(reader, bed.output, thrown);
  // Never an orphaned multipart upload, whatever failed.
  expect(await reader.openUploads()).toEqual([]);
  return { manifest, thrown, records };
}

const entryOf = (manifest: RunManifest, id: string) => manifest.collaborations.find((c) => c.collaboration_id === id)!;
const KEY = (id: string) => objectKey(id, '20261128T090000Z', '.ndjson');

function expectComplete(outcome: RunOutcome, { id, jobs }: { id: string; jobs: EmulatorJob[] }): void {
  expect(entryOf(outcome.manifest, id)).toMatchObject({ status: 'succeeded', job_count: jobs.length, object_key: KEY(id) });
  const records = outcome.records.get(id)!;
  expect(records).toHaveLength(jobs.length);
  // Field by field for the large ones would print megabytes on failure; the ARNs in order, then a sample.
  expect(records.map((r) => r.audience_generation_job_arn)).toEqual(jobs.map((j) => j.audienceGenerationJobArn));
  for (const i of [0, Math.floor(jobs.length / 2), jobs.length - 1]) expect(records[i]).toEqual(expectedRecord(jobs[i], id));
}

function expectFailed(outcome: RunOutcome, id: string, errorName: string): void {
  expect(entryOf(outcome.manifest, id)).toMatchObject({ status: 'failed', object_key: null, error: { name: errorName } });
  expect(outcome.manifest).toMatchObject({ status: 'failed', reason: 'collaboration_failed' });
  expect(outcome.thrown?.message).toContain(id);
}

describeEachS3Backend('the S3 fault matrix of test/lambda/reliability/s3-faults.test.ts', (backend) => {
  beforeAll(async () => {
    s3 = await startS3(backend, BUCKET);
    ({ proxy, reader } = s3);
  });

  afterAll(async () => {
    await stopS3(s3);
    s3 = undefined;
  });

  beforeEach(() => proxy.reset());

  describe('transient S3 failures are retried and the snapshot is complete', () => {
    const transient: Array<[S3Operation, S3FaultKind, number]> = [
      ['PutObject', 'internalError', 2],
      ['PutObject', 'slowDown', 2],
      ['PutObject', 'resetBeforeForward', 1],
      ['PutObject', 'resetAfterForward', 1],
    ];
    it.each(transient)('%s answered %s ×%i (a single-part snapshot)', async (operation, kind, count) => {
      const c = small();
      const other = small(5);
      proxy.fail(operation, count, kind, { pathContains: c.id });

      const outcome = await runHandler([c.id, other.id]);

      expectComplete(outcome, c);
      expectComplete(outcome, other);
      expect(proxy.pending).toBe(0);
      expect(outcome.thrown).toBeUndefined();
    });

    const multipart: Array<[S3Operation, S3FaultKind, number]> = [
      ['UploadPart', 'internalError', 2],
      ['UploadPart', 'resetBeforeForward', 1],
      ['UploadPart', 'resetAfterForward', 1],
      ['CreateMultipartUpload', 'internalError', 2],
      ['CompleteMultipartUpload', 'internalError', 2],
      // S3 completed the object but the answer was lost: the retried Complete is answered 200 (moto_server, as S3;
      // in front of s3rver, which answers it 500, the proxy replays the first answer).
      ['CompleteMultipartUpload', 'resetAfterForward', 1],
    ];
    it.each(multipart)('%s answered %s ×%i (a multipart snapshot)', async (operation, kind, count) => {
      const c = large();
      proxy.fail(operation, count, kind);

      const outcome = await runHandler([c.id]);

      expectComplete(outcome, c);
      expect(proxy.count('UploadPart')).toBeGreaterThanOrEqual(2);
      expect(proxy.pending).toBe(0);
    });
  });

  describe('a permanent S3 failure leaves no object and no open multipart upload', () => {
    it('PutObject of one snapshot keeps failing: that collaboration fails, the others complete', async () => {
      const c = small();
      const other = small(5);
      proxy.fail('PutObject', 10, 'internalError', { pathContains: c.id });

      const outcome = await runHandler([c.id, other.id]);

      expectFailed(outcome, c.id, 'InternalError');
      expectComplete(outcome, other);
      expect(proxy.requests.filter((r) => r.operation === 'PutObject' && r.url.includes(c.id))).toHaveLength(3); // the S3 client's 3 attempts
    });

    it.each(['UploadPart', 'CreateMultipartUpload', 'CompleteMultipartUpload'] as S3Operation[])(
      '%s keeps failing: no object, no open upload, the failure in the manifest',
      async (operation) => {
        const c = large();
        const other = small(5);
        proxy.fail(operation, 50, 'internalError');

        const outcome = await runHandler([c.id, other.id]);

        expectFailed(outcome, c.id, 'InternalError');
        expectComplete(outcome, other);
        if (operation !== 'CreateMultipartUpload') expect(proxy.count('AbortMultipartUpload')).toBe(1);
      },
    );

    it('UploadPart and then AbortMultipartUpload keep failing: no object, the failure reported; the open upload is left to the lifecycle rule', async () => {
      const c = large();
      proxy.fail('UploadPart', 50, 'internalError').fail('AbortMultipartUpload', 50, 'internalError');
      bed.harness.applyEnv({ COLLABORATION_IDS: c.id, SNAPSHOT_BUCKET: BUCKET, AWS_ENDPOINT_URL_S3: proxy.endpoint, COMPRESSION: 'none' });

      expect(await callHandler()).toMatchObject({ name: 'ExportFailedError' });

      const manifest = await reader.readManifest(MANIFEST_KEY);
      expect(manifest.collaborations[0]).toMatchObject({ status: 'failed', object_key: null, error: { name: 'InternalError' } });
      expect(await reader.listKeys(KEY(c.id))).toEqual([]);
      expectRunMetrics(bed.output, manifest);
      // The one case with an open upload: S3 refused the abort too. The bucket's AbortIncompleteMultipartUpload
      // rule (1 day, asserted in test/lib) removes it; it is never visible as an object.
      expect(await reader.openUploads()).toEqual([KEY(c.id)]);
      await reader.abortOpenUploads();
    });

    it('the manifest cannot be written: the run fails (ExportSucceeded 0, the handler throws); the snapshots are complete', async () => {
      const c = small();
      proxy.fail('PutObject', 10, 'internalError', { pathContains: '_manifest_' });
      bed.harness.applyEnv({ COLLABORATION_IDS: c.id, SNAPSHOT_BUCKET: BUCKET, AWS_ENDPOINT_URL_S3: proxy.endpoint, COMPRESSION: 'none' });

      expect(await callHandler()).toMatchObject({ name: 'InternalError' });

      expect(bed.output.total('ExportSucceeded')).toBe(0);
      expect(bed.output.errorLogs().map((l) => l.message)).toContain('Export failed: the manifest could not be written');
      expect(await reader.readSnapshot(KEY(c.id))).toEqual(c.jobs.map((j) => expectedRecord(j, c.id)));
    });
  });
});
