import fc from 'fast-check';
import { escapeUnsafeLineBreaks } from '../../../lambda/snapshot/ndjson-writer';
import type { SnapshotRecord } from '../../../lambda/snapshot/record-schema';
import {
  InvalidSnapshotLineError,
  loadStatusTable,
  parseSnapshotLine,
  readArnAndStatus,
  SnapshotDiff,
} from '../../../lambda/status/snapshot-diff';
import { statusEventId } from '../../../lambda/status/status-event';

const OWNER = { accountId: '111122223333', region: 'us-east-1', collaborationId: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01' };
const CONTEXT = { owner: OWNER, snapshotTime: '2026-11-28T10:00:00.000Z', previousSnapshotTime: '2026-11-28T09:00:00.000Z' };
const arn = (n: number) =>
  `arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function record(n: number, status: string, overrides: Partial<SnapshotRecord> = {}): SnapshotRecord {
  const failed = status.endsWith('_FAILED');
  return {
    audience_generation_job_arn: arn(n),
    name: `job-${n}`,
    description: null,
    status,
    configured_audience_model_arn: 'arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/m',
    collaboration_id: OWNER.collaborationId,
    started_by: null,
    create_time: '2026-01-01T00:00:00.000Z',
    update_time: `2026-11-28T0${n % 10}:00:00.000Z`,
    status_details: failed ? { status_code: 'INTERNAL_ERROR', message: `failed ${n}` } : null,
    snapshot_time: '2026-11-28T09:00:00.000Z',
    account_id: OWNER.accountId,
    region: OWNER.region,
    ...overrides,
  };
}

async function* lines(records: SnapshotRecord[]) {
  yield records.map((r) => JSON.stringify(r));
}

async function diffOf(previous: SnapshotRecord[]) {
  return new SnapshotDiff(await loadStatusTable(lines(previous)), CONTEXT);
}

describe('SnapshotDiff', () => {
  it('created, status_changed, unchanged; then removed from the second pass', async () => {
    const previous = [record(1, 'ACTIVE'), record(2, 'DELETE_IN_PROGRESS'), record(3, 'ACTIVE'), record(4, 'DELETE_PENDING')];
    const current = [record(1, 'ACTIVE'), record(2, 'DELETE_FAILED'), record(5, 'CREATE_PENDING')];
    const diff = await diffOf(previous);

    const observed = current.map((r) => diff.observe(r));
    expect(observed[0]).toBeUndefined();
    expect(observed[1]).toEqual({
      event_id: statusEventId({
        ...OWNER,
        jobArn: arn(2),
        change: 'status_changed',
        previousStatus: 'DELETE_IN_PROGRESS',
        status: 'DELETE_FAILED',
        snapshotTime: CONTEXT.snapshotTime,
      }),
      change: 'status_changed',
      audience_generation_job_arn: arn(2),
      name: 'job-2',
      collaboration_id: OWNER.collaborationId,
      account_id: OWNER.accountId,
      region: OWNER.region,
      previous_status: 'DELETE_IN_PROGRESS',
      status: 'DELETE_FAILED',
      status_details: { status_code: 'INTERNAL_ERROR', message: 'failed 2' },
      update_time: '2026-11-28T02:00:00.000Z',
      snapshot_time: '2026-11-28T10:00:00.000Z',
      previous_snapshot_time: '2026-11-28T09:00:00.000Z',
    });
    expect(observed[2]).toMatchObject({
      change: 'created',
      audience_generation_job_arn: arn(5),
      previous_status: null,
      status: 'CREATE_PENDING',
      status_details: null,
    });

    expect(diff.mayHaveRemoved).toBe(true);
    expect(diff.pendingRemoved).toBe(2);
    const removed = previous.map((r) => diff.removed(parseSnapshotLine(JSON.stringify(r), 1)));
    expect(
      removed
        .filter(Boolean)
        .map((d) => [d!.audience_generation_job_arn, d!.change, d!.previous_status, d!.status, d!.name, d!.update_time]),
    ).toEqual([
      [arn(3), 'removed', 'ACTIVE', 'ACTIVE', 'job-3', '2026-11-28T03:00:00.000Z'],
      [arn(4), 'removed', 'DELETE_PENDING', 'DELETE_PENDING', 'job-4', '2026-11-28T04:00:00.000Z'],
    ]);
    expect(diff.pendingRemoved).toBe(0);
    expect(diff.counts).toEqual({ changes: 4, newDeleteFailed: 1, newCreateFailed: 0 });
  });

  it('a job removed while being deleted keeps its last status and details', async () => {
    const diff = await diffOf([record(1, 'DELETE_FAILED')]);
    const [removed] = [diff.removed(parseSnapshotLine(JSON.stringify(record(1, 'DELETE_FAILED')), 1))];
    expect(removed).toMatchObject({
      change: 'removed',
      previous_status: 'DELETE_FAILED',
      status: 'DELETE_FAILED',
      status_details: { status_code: 'INTERNAL_ERROR', message: 'failed 1' },
    });
    // Removing a failed job is no new failure.
    expect(diff.counts).toEqual({ changes: 1, newDeleteFailed: 0, newCreateFailed: 0 });
  });

  it('counts new jobs already failed, and transitions into a failed status; not jobs that stay failed', async () => {
    const diff = await diffOf([record(1, 'DELETE_FAILED'), record(2, 'CREATE_IN_PROGRESS'), record(3, 'CREATE_FAILED')]);
    for (const r of [
      record(1, 'DELETE_FAILED'),
      record(2, 'CREATE_FAILED'),
      record(3, 'CREATE_FAILED'),
      record(4, 'DELETE_FAILED'),
      record(5, 'CREATE_FAILED'),
    ])
      diff.observe(r);
    expect(diff.counts).toEqual({ changes: 3, newDeleteFailed: 1, newCreateFailed: 2 });
    expect(diff.mayHaveRemoved).toBe(false);
  });

  it('nothing changed: no event, no second pass needed', async () => {
    const same = [record(1, 'ACTIVE'), record(2, 'CREATE_FAILED')];
    const diff = await diffOf(same);
    expect(same.map((r) => diff.observe(r))).toEqual([undefined, undefined]);
    expect(diff.mayHaveRemoved).toBe(false);
    expect(diff.counts.changes).toBe(0);
  });

  it('an ARN on two lines of the previous snapshot is removed once', async () => {
    const diff = await diffOf([record(1, 'ACTIVE'), record(1, 'ACTIVE')]);
    const line = parseSnapshotLine(JSON.stringify(record(1, 'ACTIVE')), 1);
    expect(diff.removed(line)).toMatchObject({ change: 'removed' });
    expect(diff.removed(line)).toBeUndefined();
  });

  it('an empty previous snapshot: every job is created', async () => {
    const diff = await diffOf([]);
    expect(diff.observe(record(1, 'ACTIVE'))).toMatchObject({ change: 'created' });
    expect(diff.mayHaveRemoved).toBe(false);
  });

  it('every job gone (an empty current snapshot): every job removed', async () => {
    const previous = [record(1, 'ACTIVE'), record(2, 'CREATE_FAILED')];
    const diff = await diffOf(previous);
    expect(previous.map((r) => diff.removed(parseSnapshotLine(JSON.stringify(r), 1))?.change)).toEqual(['removed', 'removed']);
  });
});

describe('parseSnapshotLine', () => {
  it('reads the fields an event carries; absent optional ones are null', () => {
    expect(parseSnapshotLine(JSON.stringify({ audience_generation_job_arn: 'a', name: 'n', status: 'ACTIVE' }), 1)).toEqual({
      audience_generation_job_arn: 'a',
      name: 'n',
      status: 'ACTIVE',
      status_details: null,
      update_time: null,
    });
  });

  it.each([
    ['not JSON', '{"audience'],
    ['a number', '42'],
    ['null', 'null'],
    ['no ARN', JSON.stringify({ name: 'n', status: 'ACTIVE' })],
    ['an empty ARN', JSON.stringify({ audience_generation_job_arn: '', name: 'n', status: 'ACTIVE' })],
    ['no status', JSON.stringify({ audience_generation_job_arn: 'a', name: 'n' })],
    ['a numeric status', JSON.stringify({ audience_generation_job_arn: 'a', name: 'n', status: 3 })],
    ['no name', JSON.stringify({ audience_generation_job_arn: 'a', status: 'ACTIVE' })],
    ['a bad update_time', JSON.stringify({ audience_generation_job_arn: 'a', name: 'n', status: 'ACTIVE', update_time: 5 })],
    ['bad status_details', JSON.stringify({ audience_generation_job_arn: 'a', name: 'n', status: 'ACTIVE', status_details: [] })],
  ])('refuses %s, naming the line', (_what, line) => {
    expect(() => parseSnapshotLine(line, 7)).toThrow(InvalidSnapshotLineError);
    expect(() => parseSnapshotLine(line, 7)).toThrow(/Line 7/);
  });

  it('loadStatusTable fails on the first bad line', async () => {
    async function* bad() {
      yield [JSON.stringify(record(1, 'ACTIVE'))];
      yield ['garbage'];
    }
    await expect(loadStatusTable(bad())).rejects.toThrow(/Line 2/);
  });
});

describe('readArnAndStatus', () => {
  const line = (r: SnapshotRecord) => escapeUnsafeLineBreaks(JSON.stringify(r));

  it('reads a line as the writer writes it', () => {
    expect(readArnAndStatus(line(record(1, 'DELETE_FAILED')), 1)).toEqual({ arn: arn(1), status: 'DELETE_FAILED' });
  });

  it('is not fooled by the status key quoted inside a name or description', () => {
    const tricky = record(1, 'ACTIVE', { name: ',"status":"FAKE"', description: '\\","status":"FAKE' });
    expect(readArnAndStatus(line(tricky), 1)).toEqual({ arn: arn(1), status: 'ACTIVE' });
  });

  it('falls back to a full parse for other key orders, escapes, and refuses what is no record', () => {
    const reordered = JSON.stringify({ status: 'ACTIVE', name: 'n', audience_generation_job_arn: 'a' });
    expect(readArnAndStatus(reordered, 1)).toEqual({ arn: 'a', status: 'ACTIVE' });
    expect(readArnAndStatus(line(record(1, 'ACT"IVE\u2028')), 1)).toEqual({ arn: arn(1), status: 'ACT"IVE\u2028' });
    expect(() => readArnAndStatus('{"audience_generation_job_arn":"a","status":null}', 3)).toThrow(/Line 3/);
  });

  it('property: agrees with JSON.parse on any record the writer can write', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary' }),
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.string({ unit: 'binary', minLength: 1 }),
        (name, description, arnText, status) => {
          const r = record(1, status, { name, description, audience_generation_job_arn: arnText });
          expect(readArnAndStatus(line(r), 1)).toEqual({ arn: arnText, status });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('observeLine and removedLine give what observe and removed give', async () => {
    const previous = [record(1, 'ACTIVE'), record(2, 'ACTIVE'), record(3, 'ACTIVE')];
    const current = [record(1, 'ACTIVE'), record(2, 'DELETE_FAILED'), record(4, 'CREATE_PENDING')];
    const byRecord = await diffOf(previous);
    const byLine = await diffOf(previous);
    expect(current.map((r, i) => byLine.observeLine(line(r), i + 1))).toEqual(current.map((r) => byRecord.observe(r)));
    expect(previous.map((r, i) => byLine.removedLine(line(r), i + 1))).toEqual(
      previous.map((r) => byRecord.removed(parseSnapshotLine(line(r), 1))),
    );
    expect(byLine.counts).toEqual(byRecord.counts);
  });
});
