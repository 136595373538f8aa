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

describe('CollaborationStatus', () => {
  it('compares, sends created / status_changed / removed, then advances the pointer', async () => {
    seedPrevious([record(1, 'ACTIVE'), record(2, 'ACTIVE'), record(3, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings(), OWNER);
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

  it('events off: no comparison, no WARN, the previous object is not read, the pointer still advances', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    const status = await CollaborationStatus.open(settings({ events: undefined }), OWNER);
    await status.observe([record(1, 'DELETE_PENDING')]);
    expect(await status.complete(currentKey)).toEqual({
      sent: null,
      failed: null,
      counts: { changes: 0, newDeleteFailed: 0, newCreateFailed: 0 },
    });
    expect(s3.requests.map((r) => r.key)).not.toContain(previousKey);
    expect(pointerTimes()).toEqual([T2.toISOString(), T1.toISOString()]);
    expect(output.logs()).toEqual([]);
    // ... and with no pointer at all, nothing to warn about either.
    s3.objects.clear();
    await (await CollaborationStatus.open(settings({ events: undefined }), OWNER)).complete(currentKey);
    expect(output.logs()).toEqual([]);
    expect(pointerTimes()).toEqual([T2.toISOString()]);
  });

  it('a pointer S3 answers with AccessDenied (no s3:ListBucket: a missing key) is a first snapshot: one WARN with the error', async () => {
    s3.failures.push({
      command: 'GetObjectCommand',
      key: pointerKey,
      error: Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
    });
    const status = await CollaborationStatus.open(settings(), OWNER);
    expect(await status.complete(currentKey)).toMatchObject({ sent: null, failed: null });
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT,
        reason: 'no_pointer',
        error: expect.objectContaining({ name: 'AccessDenied' }),
      }),
    ]);
    expect(pointerTimes()).toEqual([T2.toISOString()]);
  });

  it('a pointer that cannot be read for another reason: one WARN, and the advance starts it afresh', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    s3.failures.push({
      command: 'GetObjectCommand',
      key: pointerKey,
      error: Object.assign(new Error('We encountered an internal error'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
    });
    const status = await CollaborationStatus.open(settings(), OWNER);
    expect(await status.complete(currentKey)).toMatchObject({ sent: null, failed: null });
    expect(warnings().map((w) => w.message)).toEqual([LOG_MESSAGE.STATE_POINTER_UNREADABLE]);
    expect(pointerTimes()).toEqual([T2.toISOString()]);
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
    expect(pointerTimes()).toEqual([T2.toISOString(), T1.toISOString()]);
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

  it('a load stopped by its signal (the collaboration failed) warns about nothing', async () => {
    seedPrevious([record(1, 'ACTIVE')]);
    const stop = new AbortController();
    stop.abort(new Error('stopped'));
    s3.failures.push({ command: 'GetObjectCommand', key: previousKey, error: Object.assign(new Error('aborted'), { name: 'AbortError' }) });
    const status = await CollaborationStatus.open(settings({ abortSignal: stop.signal }), OWNER);
    await status.dispose();
    expect(warnings()).toEqual([]);
  });
});
