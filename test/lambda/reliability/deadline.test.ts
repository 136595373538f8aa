/**
 * The Lambda deadline: the handler is given little time, the emulator stops answering mid-walk, and the
 * deadline guard must stop starting pages, abort what is in flight (requests, retry waits, multipart
 * uploads), mark the collaborations not yet started as failed, write the manifest with reason `deadline`,
 * publish ExportSucceeded 0 and fail the invocation, all before Lambda would have killed it.
 *
 * S3 is s3rver, and moto_server as a second opinion when it is on PATH (test/support/s3-backends.ts), behind the
 * fault proxy, which records the traffic and keeps the ledger of multipart uploads (what is left open).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ANY_COLLABORATION } from '../../../local/emulator';
import { runExportJob } from '../../../lambda/export/export-job';
import { describeEachS3Backend } from '../../support/s3-backends';
import type { S3FaultProxy } from '../../support/s3-fault-proxy';
import {
  type BucketReader,
  MANIFEST_KEY,
  PREFIX,
  SCHEDULED,
  type S3UnderTest,
  expectRunInvariant,
  expectRunMetrics,
  expectedRecord,
  objectKey,
  startS3,
  stopS3,
  multipartJobs,
} from '../../support/run-checks';
import { useExportTestBed, callHandler } from '../../support/export-test-bed';

const bed = useExportTestBed({ firstCollaboration: 0x9000 });

const BUCKET = 'snapshots-deadline';
/** An answer that never comes within the test: only an abort ends the wait. */
const HANG_MS = 120_000;

let s3: S3UnderTest | undefined;
let proxy: S3FaultProxy;
let reader: BucketReader;

/** The first `fastPages` List requests of `id` are answered at once; every later one hangs. */
function hangAfterPages(id: string, fastPages: number): void {
  const scope = { operation: 'ListAudienceGenerationJobs', collaborationId: id } as const;
  bed.harness.emulator.faults.slowResponse(fastPages, 1, scope).slowResponse(1_000, HANG_MS, scope);
}

const KEY = (id: string) => objectKey(id, '20261128T090000Z', '.ndjson');

describeEachS3Backend('the deadline tests of test/lambda/reliability/deadline.test.ts', (backend) => {
  beforeAll(async () => {
    s3 = await startS3(backend, BUCKET);
    ({ proxy, reader } = s3);
  });

  afterAll(async () => {
    await stopS3(s3);
    s3 = undefined;
  });

  beforeEach(() => proxy.reset());

  // First on each backend: the strategy's own backoff timer (about 5 s, not cancellable) then runs out during the
  // next tests.
  test('the deadline also cuts a retry wait short (a 429 with Retry-After: 30)', async () => {
    const c = bed.seed(5);
    bed.harness.emulator.faults.throttle(1, { collaborationId: c.id, retryAfterSeconds: 30 });
    const env = bed.harness.applyEnv({
      COLLABORATION_IDS: c.id,
      SNAPSHOT_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      COMPRESSION: 'none',
      MAX_CONCURRENCY: undefined,
    });
    const started = Date.now();

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env, { remainingTimeMs: () => 1_500, deadlineMarginMs: 1_000 });

    // Honouring the hint would wait at least 5 s; the guard fired after 0.5 s.
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(manifest).toMatchObject({ status: 'failed', reason: 'deadline' });
    expect(manifest.collaborations[0]).toMatchObject({ status: 'failed', object_key: null, error: { name: 'DeadlineExceededError' } });
    expect(bed.harness.emulator.requests).toHaveLength(1);
    await expectRunInvariant(reader, manifest);
  });

  test('the handler stops at the deadline: no partial object, no open multipart upload, manifest reason deadline, ExportSucceeded 0, the invocation fails', async () => {
    // A: 2,500 jobs of 4 KB; the first 20 pages (about 9 MB) come at once, so part 1 of its multipart upload
    //    goes out; then the listing hangs.
    const a = bed.seedWith(multipartJobs);
    hangAfterPages(a.id, 20);
    // B: small, completes long before the deadline.
    const b = bed.seed(7);
    // C: starts when B is done; its first page is written, its second hangs.
    const c = bed.seed(300);
    hangAfterPages(c.id, 1);
    // D: waits for a free slot (MAX_CONCURRENCY 2), which it never gets.
    const d = bed.seed(3);
    bed.harness.applyEnv({
      COLLABORATION_IDS: [a.id, b.id, c.id, d.id].join(','),
      SNAPSHOT_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      COMPRESSION: 'none',
      MAX_CONCURRENCY: '2',
    });
    // 22 s left, and the handler keeps its default 15 s margin: the guard fires 7 s after the start (the work
    // before the hang takes about 1 s; the rest is slack for a loaded machine).
    const remainingAtStart = 22_000;
    const started = Date.now();

    const thrown = await callHandler(SCHEDULED, remainingAtStart);
    const elapsed = Date.now() - started;

    // The invocation fails, well before Lambda would have killed it (the margin is for this clean-up).
    expect(thrown).toMatchObject({ name: 'ExportFailedError', message: expect.stringContaining('(deadline)') });
    expect(elapsed).toBeLessThan(remainingAtStart);
    // Nothing continues in the background: no request reaches the emulator or S3 after the handler returned.
    const sentAtReturn = [bed.harness.emulator.requests.length, proxy.requests.length];
    await sleep(300);
    expect([bed.harness.emulator.requests.length, proxy.requests.length]).toEqual(sentAtReturn);

    const manifest = await reader.readManifest(MANIFEST_KEY);
    expect(manifest).toMatchObject({
      status: 'failed',
      reason: 'deadline',
      totals: { collaborations: 4, succeeded: 1, failed: 3, jobs: 7 },
    });
    const entry = (id: string) => manifest.collaborations.find((e) => e.collaboration_id === id)!;
    expect(entry(a.id)).toMatchObject({
      status: 'failed',
      pages: 20,
      job_count: 2_000,
      object_key: null,
      error: { name: 'DeadlineExceededError' },
    });
    expect(entry(b.id)).toMatchObject({ status: 'succeeded', job_count: 7, object_key: KEY(b.id) });
    expect(entry(c.id)).toMatchObject({
      status: 'failed',
      pages: 1,
      job_count: 100,
      object_key: null,
      error: { name: 'DeadlineExceededError' },
    });
    expect(entry(d.id)).toMatchObject({
      status: 'failed',
      pages: 0,
      job_count: 0,
      object_key: null,
      error: { name: 'DeadlineExceededError', message: expect.stringMatching(/^Not started: /) },
    });

    const records = await expectRunInvariant(reader, manifest);
    expect(records.get(b.id)).toEqual(b.jobs.map((j) => expectedRecord(j, b.id)));
    expect(await reader.listKeys(PREFIX)).toEqual([KEY(b.id), MANIFEST_KEY].sort());
    // A's multipart upload was open when the deadline came; it was aborted, not left behind.
    expect(proxy.count('CreateMultipartUpload')).toBe(1);
    expect(proxy.requests.some((r) => r.operation === 'UploadPart' && r.url.includes(a.id))).toBe(true);
    expect(proxy.count('AbortMultipartUpload')).toBe(1);
    expect(await reader.openUploads()).toEqual([]);
    // D never sent a request.
    expect(bed.harness.emulator.requests.filter((r) => r.query.collaborationId?.[0] === d.id)).toEqual([]);

    expectRunMetrics(bed.output, manifest);
    expect(bed.output.total('ExportSucceeded')).toBe(0);
    expect(bed.output.total('FailedCollaborations')).toBe(3);
  });

  test('COLLABORATION_IDS=*: the one walk stops at the deadline; every collaboration it had started is aborted, none has an object', async () => {
    const seeded = [0, 1, 2].map(() => bed.seed(90));
    // Two pages of the unfiltered listing, then it hangs (page size 100: the first page spans two collaborations).
    const scope = { operation: 'ListAudienceGenerationJobs', collaborationId: ANY_COLLABORATION } as const;
    bed.harness.emulator.faults.slowResponse(2, 1, scope).slowResponse(1_000, HANG_MS, scope);
    const env = bed.harness.applyEnv({
      COLLABORATION_IDS: '*',
      SNAPSHOT_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      COMPRESSION: 'gzip',
      MAX_CONCURRENCY: undefined,
    });

    // A margin injected through runExportJob: 3 s left, stop 1 s before.
    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env, { remainingTimeMs: () => 3_000, deadlineMarginMs: 1_000 });

    expect(manifest).toMatchObject({ status: 'failed', reason: 'deadline', totals: { succeeded: 0, jobs: 0 } });
    expect(manifest.collaborations[0]).toMatchObject({ collaboration_id: '*', status: 'failed', error: { name: 'DeadlineExceededError' } });
    expect(manifest.collaborations.length).toBeGreaterThanOrEqual(2);
    expect(manifest.collaborations.every((e) => e.status === 'failed' && e.object_key === null)).toBe(true);
    await expectRunInvariant(reader, manifest);
    for (const { id } of seeded) expect(await reader.listKeys(`${PREFIX}111122223333_us-east-1_${id}`)).toEqual([]);
    expectRunMetrics(bed.output, manifest);
  });

  test('S3 hangs (no answer at all) at the deadline: the run still ends within its margin and reports the deadline', async () => {
    // H: a small snapshot whose PutObject is never answered. M: a multipart snapshot whose first part is never
    // answered. OK: completes. S3 hangs are bounded by the writer's grace (5 s) after the guard fires.
    const h = bed.seed(5);
    const m = bed.seedWith(multipartJobs);
    const ok = bed.seed(4);
    proxy.fail('PutObject', 1, 'hang', { pathContains: h.id }).fail('UploadPart', 1, 'hang', { pathContains: m.id });
    const env = bed.harness.applyEnv({
      COLLABORATION_IDS: [h.id, m.id, ok.id].join(','),
      SNAPSHOT_BUCKET: BUCKET,
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      COMPRESSION: 'none',
      MAX_CONCURRENCY: undefined,
    });
    // The guard fires after 5 s, by which M's first part is on the wire even on a loaded machine (after 2 s, a CI run
    // under load had not reached it), and leaves a 10 s margin, twice the writer's grace.
    const remainingAtStart = 15_000;
    const started = Date.now();

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env, {
      remainingTimeMs: () => remainingAtStart - (Date.now() - started),
      deadlineMarginMs: 10_000,
    });

    expect(Date.now() - started).toBeLessThan(remainingAtStart);
    expect(manifest).toMatchObject({ status: 'failed', reason: 'deadline', totals: { succeeded: 1, failed: 2, jobs: 4 } });
    const entry = (id: string) => manifest.collaborations.find((e) => e.collaboration_id === id)!;
    expect(entry(h.id)).toMatchObject({ status: 'failed', object_key: null, error: { name: 'DeadlineExceededError' } });
    expect(entry(m.id)).toMatchObject({ status: 'failed', object_key: null, error: { name: 'DeadlineExceededError' } });
    expect(entry(ok.id)).toMatchObject({ status: 'succeeded', job_count: 4 });
    await expectRunInvariant(reader, manifest);
    expect(await reader.listKeys(`${PREFIX}111122223333_us-east-1_${h.id}`)).toEqual([]);
    expect(await reader.listKeys(`${PREFIX}111122223333_us-east-1_${m.id}`)).toEqual([]);
    expectRunMetrics(bed.output, manifest);
    // S3 never answered, so the writer could not wait for the abort: it says so, once per snapshot.
    expect(
      bed.output
        .errorLogs()
        .filter((l) => l.message === 'Could not abort the snapshot upload')
        .map((l) => l.key),
    ).toEqual(expect.arrayContaining([KEY(h.id), KEY(m.id)]));
    // M's multipart upload is the one left open (the bucket's lifecycle rule removes it after a day).
    expect((await reader.openUploads()).every((key) => key === KEY(m.id))).toBe(true);
    await reader.abortOpenUploads();
  });
});
