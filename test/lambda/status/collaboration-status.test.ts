/**
 * The per-collaboration lifecycle (pointer, previous snapshot, observe, removed pass, send, advance) against an
 * in-memory S3 and a fake PutEvents client: the paths that are awkward to provoke over the wire.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import { LOG_MESSAGE } from '../../../lambda/commons/log-messages';
import { snapshotObjectKey } from '../../../lambda/snapshot/key-layout';
import type { SnapshotRecord } from '../../../lambda/snapshot/record-schema';
import { CollaborationStatus, type StatusEventsSettings } from '../../../lambda/status/collaboration-status';
import { EventPublisher } from '../../../lambda/status/event-publisher';
import { statePointerKey } from '../../../lambda/status/state-pointer';
import { CapturedOutput } from '../../support/run-checks';

const PREFIX = 'p/';
const OWNER = {
  accountId: '111122223333',
  region: 'us-east-1',
  collaborationId: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01',
  roleArn: undefined,
};
const T1 = new Date('2026-11-28T09:00:00Z');
const T2 = new Date('2026-11-28T10:00:00Z');
const arn = (n: number) =>
  `arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const record = (n: number, status: string): SnapshotRecord => ({
  audience_generation_job_arn: arn(n),
  name: `job-${n}`,
  description: null,
  status,
  configured_audience_model_arn: 'm',
  collaboration_id: OWNER.collaborationId,
  started_by: null,
  create_time: '2026-01-01T00:00:00.000Z',
  update_time: '2026-01-01T00:00:00.000Z',
  status_details: null,
  snapshot_time: T1.toISOString(),
  account_id: OWNER.accountId,
  region: OWNER.region,
});
const ndjson = (records: SnapshotRecord[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

/** A bucket in memory; `fail` makes the next matching requests fail. */
class FakeS3 {
  readonly objects = new Map<string, { body: Buffer; etag: string }>();
  readonly requests: { command: string; key: string }[] = [];
  failures: { command: string; key?: string; error: Error }[] = [];
  private version = 0;

  put(key: string, body: string | Buffer): void {
    this.objects.set(key, { body: Buffer.from(body), etag: `"v${++this.version}"` });
  }

  async send(command: { constructor: { name: string }; input: { Key: string; Body?: string; IfMatch?: string } }) {
    const name = command.constructor.name;
    const key = command.input.Key;
    this.requests.push({ command: name, key });
    const failure = this.failures.findIndex((f) => f.command === name && (f.key === undefined || f.key === key));
    if (failure >= 0) throw this.failures.splice(failure, 1)[0].error;
    if (name === 'PutObjectCommand') {
      this.put(key, command.input.Body!);
      return {};
    }
    const object = this.objects.get(key);
    if (!object)
      throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
    if (command.input.IfMatch && command.input.IfMatch !== object.etag) {
      throw Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
        name: 'PreconditionFailed',
        $metadata: { httpStatusCode: 412 },
      });
    }
    const body = Object.assign(Readable.from([object.body]), { transformToString: async () => object.body.toString('utf8') });
    return { Body: body, ContentLength: object.body.length, ETag: object.etag };
  }
}

class FakeEventBridge {
  readonly sent: string[] = [];
  async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    const entries = command.input.Entries!;
    for (const e of entries) this.sent.push(JSON.parse(e.Detail!).change as string);
    return { $metadata: {}, FailedEntryCount: 0, Entries: entries.map((_, i) => ({ EventId: String(i) })) };
  }
}

let s3: FakeS3;
let eventBridge: FakeEventBridge;
let output: CapturedOutput;
beforeEach(() => {
  s3 = new FakeS3();
  eventBridge = new FakeEventBridge();
  output = new CapturedOutput();
});
afterEach(() => output.restore());

function settings(overrides: Partial<StatusEventsSettings> = {}): StatusEventsSettings {
  return {
    s3: s3 as unknown as S3Client,
    bucket: 'b',
    prefix: PREFIX,
    scheduledTime: T2,
    events: { eventBusName: 'default', publisher: new EventPublisher({ client: eventBridge, sleep: async () => undefined }) },
    abortSignal: undefined,
    ...overrides,
  };
}

const previousKey = snapshotObjectKey(PREFIX, T1, OWNER, 'gzip');
const currentKey = snapshotObjectKey(PREFIX, T2, OWNER, 'gzip');
const pointerKey = statePointerKey(PREFIX, OWNER);
function seedPrevious(records: SnapshotRecord[]): void {
  s3.put(previousKey, gzipSync(ndjson(records)));
  s3.put(
    pointerKey,
    JSON.stringify({
      pointer_version: 1,
      account_id: OWNER.accountId,
      region: OWNER.region,
      collaboration_id: OWNER.collaborationId,
      snapshots: [{ scheduled_time: T1.toISOString(), key: previousKey }],
    }),
  );
}
const pointerTimes = () =>
  (JSON.parse(s3.objects.get(pointerKey)!.body.toString()) as { snapshots: { scheduled_time: string }[] }).snapshots.map(
    (s) => s.scheduled_time,
  );
const warnings = () => output.logs().filter((l) => l.level === 'WARN');
const pointer = () => JSON.parse(s3.objects.get(pointerKey)!.body.toString()) as { truncated?: boolean };
const s3Error = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const accessDenied = () => s3Error('AccessDenied', 403);
const internalError = () => s3Error('InternalError', 500);

describe('CollaborationStatus', () => {
  it('compares, sends created / status_changed / removed, then advances the pointer', async () => {
    seedPrevious([record(1, 'ACTIVE'), record(2, 'ACTIVE'), record(3, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings(), OWNER);
    // What the walk's set of written ARNs is sized for.
    expect(status.previousJobCount).toBe(3);
    await status.observe([record(1, 'ACTIVE'), record(2, 'DELETE_PENDING')]);
    await status.observeLines(ndjson([record(4, 'CREATE_FAILED')]));

    const outcome = await status.complete(currentKey);

    expect(outcome).toEqual({ sent: 3, failed: 0, counts: { changes: 3, newDeleteFailed: 0, newCreateFailed: 1 } });
    expect(eventBridge.sent.sort()).toEqual(['created', 'removed', 'status_changed']);
    expect(pointerTimes()).toEqual([T2.toISOString(), T1.toISOString()]);
    expect(output.logs()).toEqual([]);
    // Two reads of the previous snapshot (the table, then the removed pass), the second pinned to the first's ETag.
    expect(s3.requests.filter((r) => r.key === previousKey)).toHaveLength(2);
  });

  it('no removed pass when every previous job is listed again', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings(), OWNER);
    await status.observe([record(1, 'ACTIVE'), record(2, 'ACTIVE')]);
    expect(await status.complete(currentKey)).toMatchObject({ sent: 1, failed: 0 });
    expect(s3.requests.filter((r) => r.key === previousKey)).toHaveLength(1);
  });

  it('events off: nothing read (not even the pointer), no WARN; the pointer is rewritten with this snapshot alone', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings({ events: undefined }), OWNER);
    expect(status.previousJobCount).toBe(0);
    await status.observe([record(1, 'DELETE_PENDING')]);
    expect(await status.complete(currentKey)).toEqual({
      sent: null,
      failed: null,
      counts: { changes: 0, newDeleteFailed: 0, newCreateFailed: 0 },
    });
    expect(s3.requests.filter((r) => r.command === 'GetObjectCommand')).toEqual([]);
    // Its history was not read: the pointer says it may not name every earlier snapshot.
    expect(pointerTimes()).toEqual([T2.toISOString()]);
    expect(pointer().truncated).toBe(true);
    expect(output.logs()).toEqual([]);
  });

  it('a pointer S3 answers with AccessDenied (no s3:ListBucket: a missing key) is a first snapshot once the probe reads the new one', async () => {
    s3.put(currentKey, gzipSync(''));
    s3.failures.push({ command: 'GetObjectCommand', key: pointerKey, error: accessDenied() });
    const status = await CollaborationStatus.open(settings(), OWNER);
    expect(await status.complete(currentKey)).toMatchObject({ sent: null, failed: null });
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT,
        reason: 'no_pointer',
        error: expect.objectContaining({ name: 'AccessDenied' }),
      }),
    ]);
    expect(s3.requests.map((r) => [r.command, r.key])).toEqual([
      ['GetObjectCommand', pointerKey],
      ['GetObjectCommand', currentKey],
      ['PutObjectCommand', pointerKey],
    ]);
    expect(pointerTimes()).toEqual([T2.toISOString()]);
    expect(pointer().truncated).toBeUndefined();
  });

  it('AccessDenied on the pointer and on the new snapshot too: reads are refused; one ERROR, one failed, the pointer untouched', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.put(currentKey, gzipSync(''));
    s3.failures.push({ command: 'GetObjectCommand', key: pointerKey, error: accessDenied() });
    s3.failures.push({ command: 'GetObjectCommand', key: currentKey, error: accessDenied() });
    const status = await CollaborationStatus.open(settings(), OWNER);
    expect(await status.complete(currentKey)).toMatchObject({ sent: 0, failed: 1 });
    expect(warnings()).toEqual([]);
    expect(output.errorLogs()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.STATUS_EVENTS_NOT_COMPARED,
        reason: 'reads_denied',
        pointerKey,
        probeKey: currentKey,
        error: expect.objectContaining({ name: 'AccessDenied' }),
      }),
    ]);
    expect(pointerTimes()).toEqual([T1.toISOString()]);
  });

  it.each([
    ['a 500', internalError],
    ['a timeout', () => Object.assign(new Error('Request timed out'), { name: 'TimeoutError' })],
    ['a reset connection', () => Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' })],
  ])('a pointer read that fails (%s): one ERROR, no events, one failed, the pointer untouched', async (_what, error) => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.failures.push({ command: 'GetObjectCommand', key: pointerKey, error: error() });
    const status = await CollaborationStatus.open(settings(), OWNER);
    await status.observe([record(1, 'DELETE_PENDING')]);
    expect(await status.complete(currentKey)).toMatchObject({ sent: 0, failed: 1 });
    expect(eventBridge.sent).toEqual([]);
    expect(warnings()).toEqual([]);
    expect(output.errorLogs().map((l) => [l.message, l.reason])).toEqual([[LOG_MESSAGE.STATUS_EVENTS_NOT_COMPARED, 'pointer_read_failed']]);
    expect(pointerTimes()).toEqual([T1.toISOString()]);
  });

  it('a pointer that is not a pointer: one WARN, no events, and the advance starts it afresh, truncated', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.put(pointerKey, '{"pointer_version":1,');
    const status = await CollaborationStatus.open(settings(), OWNER);
    expect(await status.complete(currentKey)).toMatchObject({ sent: null, failed: null });
    expect(warnings().map((w) => w.message)).toEqual([LOG_MESSAGE.STATE_POINTER_UNREADABLE]);
    expect(pointerTimes()).toEqual([T2.toISOString()]);
    expect(pointer().truncated).toBe(true);
  });

  it('the previous snapshot read fails on the first pass: one ERROR, no events, one failed, the pointer untouched', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.failures.push({ command: 'GetObjectCommand', key: previousKey, error: internalError() });
    const status = await CollaborationStatus.open(settings(), OWNER);
    await status.observe([record(1, 'DELETE_PENDING')]);
    expect(await status.complete(currentKey)).toMatchObject({ sent: 0, failed: 1 });
    expect(eventBridge.sent).toEqual([]);
    expect(output.errorLogs()).toEqual([
      expect.objectContaining({ message: LOG_MESSAGE.STATUS_EVENTS_NOT_COMPARED, reason: 'previous_read_failed', previousKey }),
    ]);
    expect(pointerTimes()).toEqual([T1.toISOString()]);
  });

  it.each([
    ['gone (NoSuchKey)', () => s3.objects.delete(previousKey), false],
    [
      'gone (AccessDenied, and the probe reads the new snapshot)',
      () => s3.failures.push({ command: 'GetObjectCommand', key: previousKey, error: accessDenied() }),
      true,
    ],
  ])('a previous snapshot %s: one WARN, no events, the pointer advances', async (_what, remove, withError) => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.put(currentKey, gzipSync(''));
    remove();
    const status = await CollaborationStatus.open(settings(), OWNER);
    expect(await status.complete(currentKey)).toMatchObject({ sent: null, failed: null });
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.PREVIOUS_SNAPSHOT_MISSING,
        previousKey,
        ...(withError ? { error: expect.objectContaining({ name: 'AccessDenied' }) } : {}),
      }),
    ]);
    expect(pointerTimes()).toEqual([T2.toISOString(), T1.toISOString()]);
  });

  it('a previous snapshot that is not snapshot lines: one WARN, no events, the pointer advances', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.put(previousKey, gzipSync('{"not":"a record"}\n'));
    const status = await CollaborationStatus.open(settings(), OWNER);
    expect(await status.complete(currentKey)).toMatchObject({ sent: null, failed: null });
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.PREVIOUS_SNAPSHOT_UNREADABLE,
        error: expect.objectContaining({ name: 'InvalidSnapshotLineError' }),
      }),
    ]);
    expect(pointerTimes()).toEqual([T2.toISOString(), T1.toISOString()]);
  });

  it('a rerun older than every entry of a truncated pointer: one ERROR naming both times, no events, one failed, the pointer untouched', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.put(pointerKey, JSON.stringify({ ...pointer(), truncated: true }));
    const before = s3.objects.get(pointerKey)!.body.toString();
    const old = new Date('2026-11-27T09:00:00Z');
    const status = await CollaborationStatus.open(settings({ scheduledTime: old }), OWNER);
    expect(await status.complete(snapshotObjectKey(PREFIX, old, OWNER, 'gzip'))).toMatchObject({ sent: 0, failed: 1 });
    expect(output.errorLogs()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.PREVIOUS_SNAPSHOT_NOT_KEPT,
        scheduledTime: old.toISOString(),
        oldestKeptTime: T1.toISOString(),
        pointerKey,
      }),
    ]);
    expect(s3.objects.get(pointerKey)!.body.toString()).toBe(before);
    // Without truncated, the same rerun is a backfill before the first snapshot: one WARN, and its entry is added.
    output.clear();
    seedPrevious([record(1, 'ACTIVE')]);
    const backfill = await CollaborationStatus.open(settings({ scheduledTime: old }), OWNER);
    expect(await backfill.complete(snapshotObjectKey(PREFIX, old, OWNER, 'gzip'))).toMatchObject({ sent: null, failed: null });
    expect(warnings().map((w) => [w.message, w.reason])).toEqual([[LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT, 'no_earlier_snapshot']]);
    expect(pointerTimes()).toEqual([T1.toISOString(), old.toISOString()]);
  });

  it('the previous snapshot changed or failed between the two passes: its events count failed (the run fails and retries)', async () => {
    seedPrevious([record(1, 'ACTIVE'), record(2, 'ACTIVE'), record(3, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings(), OWNER);
    await status.observe([record(1, 'DELETE_PENDING'), record(5, 'ACTIVE')]);
    s3.put(previousKey, gzipSync(ndjson([record(1, 'ACTIVE')]))); // rewritten: another ETag

    const outcome = await status.complete(currentKey);

    // Two observed (1 changed, 5 created), two not listed again (2, 3): four events not delivered, none sent.
    expect(outcome).toMatchObject({ sent: 0, failed: 4 });
    expect(eventBridge.sent).toEqual([]);
    expect(output.errorLogs()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED,
        failed: 4,
        error: expect.objectContaining({ name: 'PreconditionFailed' }),
      }),
    ]);
    // Not compared: the pointer is left alone, so that the next tick also compares with T1 if the retry never comes.
    expect(pointerTimes()).toEqual([T1.toISOString()]);
  });

  it('a pointer that cannot be written: one ERROR; the events were sent and the outcome stands', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings(), OWNER);
    await status.observe([record(1, 'DELETE_PENDING')]);
    s3.failures.push({ command: 'PutObjectCommand', key: pointerKey, error: Object.assign(new Error('Slow Down'), { name: 'SlowDown' }) });
    expect(await status.complete(currentKey)).toMatchObject({ sent: 1, failed: 0 });
    expect(output.errorLogs().map((l) => [l.message, l.pointerKey])).toEqual([[LOG_MESSAGE.STATE_POINTER_WRITE_FAILED, pointerKey]]);
    expect(pointerTimes()).toEqual([T1.toISOString()]);
  });

  it('a collaboration that fails only disposes: nothing sent, the pointer untouched', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings(), OWNER);
    await status.observe([record(1, 'DELETE_PENDING')]);
    await status.dispose();
    expect(eventBridge.sent).toEqual([]);
    expect(s3.requests.filter((r) => r.command === 'PutObjectCommand')).toEqual([]);
  });

  it('a load stopped by its signal (the collaboration failed) logs nothing', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    const stop = new AbortController();
    stop.abort(new Error('stopped'));
    s3.failures.push({ command: 'GetObjectCommand', key: previousKey, error: Object.assign(new Error('aborted'), { name: 'AbortError' }) });
    const status = await CollaborationStatus.open(settings({ abortSignal: stop.signal }), OWNER);
    await status.dispose();
    expect(output.logs()).toEqual([]);
    expect(pointerTimes()).toEqual([T1.toISOString()]);
  });
});
