/**
 * The named queries, run by DuckDB over snapshot files laid out as the exporter writes them
 * (`{prefix}dt={YYYY-MM-DD}/{accountId}_{region}_{collaborationId}_{YYYYMMDDTHHMMSSZ}.ndjson.gz`): the Glue table of a
 * template becomes a view, and the queries answer as Athena would (latest snapshot per account, Region and
 * collaboration, boundary day of the lookback included, status details as a struct).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { snapshotObjectKey } from '../../../lambda/snapshot/key-layout';
import { PARTITION_COLUMN, SNAPSHOT_COLUMNS, type SnapshotRecord } from '../../../lambda/snapshot/record-schema';
import { namedQueries, TABLE_NAME } from '../../../lib/constructs/athena-analytics';
import type { CfnTemplate } from '../../../local/lambda-runtime';
import { DIALECT_REWRITES, glueTypeToDuckDb, LocalAthena, toDuckDbSql } from '../../../local/start/local-queries';

const DATABASE = 'audience_jobs_exporter';
const PREFIX = 'audience-generation-jobs/';
const BUCKET = 'local-bucket';
const HOURLY = 60;
const A = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const B = '7a9d0b21-5c3e-4f8a-b6d1-2e4f6a8c0b13';
/** Collaboration C is read from two member accounts: each has its own latest snapshot. */
const C = 'c0ffee00-1234-4abc-8def-0123456789ab';
const ACCOUNT = '111122223333';
const MEMBER = '444455556666';
const REGION = 'us-east-1';

/** Whose jobs a snapshot holds: the account that listed them, its Region, and the collaboration. */
interface Owner {
  accountId: string;
  region: string;
  collaborationId: string;
}
const own = (collaborationId: string): Owner => ({ accountId: ACCOUNT, region: REGION, collaborationId });
const member = (collaborationId: string): Owner => ({ accountId: MEMBER, region: REGION, collaborationId });

/** The Glue table and named queries as AthenaAnalytics writes them into the template. */
function template(): CfnTemplate {
  const queries = namedQueries(DATABASE, TABLE_NAME, HOURLY);
  return {
    Resources: {
      Table: {
        Type: 'AWS::Glue::Table',
        Properties: {
          DatabaseName: DATABASE,
          TableInput: {
            Name: TABLE_NAME,
            PartitionKeys: [{ Name: PARTITION_COLUMN.name, Type: PARTITION_COLUMN.glueType }],
            StorageDescriptor: {
              Columns: SNAPSHOT_COLUMNS.map((c) => ({ Name: c.name, Type: c.glueType })),
              Location: { 'Fn::Join': ['', ['s3://', { Ref: 'Bucket' }, `/${PREFIX}`]] },
            },
          },
        },
      },
      ...Object.fromEntries(
        Object.entries(queries).map(([key, q]) => [
          key,
          { Type: 'AWS::Athena::NamedQuery', Properties: { Name: q.name, Description: q.description, QueryString: q.query } },
        ]),
      ),
    },
  };
}

function daysAgo(days: number, hour = 9): Date {
  const d = new Date();
  d.setUTCHours(hour, 0, 0, 0);
  return new Date(d.getTime() - days * 86_400_000);
}

function record(owner: Owner, n: number, status: string, snapshot: Date): SnapshotRecord {
  const failed = status.endsWith('_FAILED');
  const { accountId, region, collaborationId } = owner;
  return {
    audience_generation_job_arn: `arn:aws:cleanrooms-ml:${region}:${accountId}:audience-generation-job/${collaborationId.slice(0, 8)}-${n}`,
    name: `job-${n}`,
    description: null,
    status,
    configured_audience_model_arn: `arn:aws:cleanrooms-ml:${region}:${accountId}:configured-audience-model/m`,
    collaboration_id: collaborationId,
    started_by: accountId,
    create_time: '2026-01-01T00:00:00.000Z',
    update_time: `2026-01-0${(n % 9) + 1}T00:00:00.000Z`,
    status_details: failed ? { status_code: 'INTERNAL_ERROR', message: `reason ${n}` } : null,
    snapshot_time: snapshot.toISOString(),
    account_id: accountId,
    region,
  };
}

let root: string;
let athena: LocalAthena;

/**
 * Writes one snapshot object at the exporter's key (lambda/snapshot/key-layout.ts), gzip-compressed, in `bucket` (a
 * folder of the temporary root). Job n of the snapshot has status `statuses[n]`: a job absent from an earlier snapshot
 * is one past its end.
 */
function writeSnapshot(owner: Owner, snapshot: Date, statuses: string[], bucket = BUCKET): string {
  const key = snapshotObjectKey(PREFIX, snapshot, owner, 'gzip');
  const file = path.join(root, bucket, ...key.split('/'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const lines = statuses.map((s, i) => `${JSON.stringify(record(owner, i, s, snapshot))}\n`).join('');
  fs.writeFileSync(file, gzipSync(lines));
  return key;
}

let keys: string[] = [];

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'local-queries-'));
  keys = [
    // A: an old snapshot outside the lookback, one on its boundary day, and the latest one.
    writeSnapshot(own(A), daysAgo(5), ['ACTIVE', 'ACTIVE', 'ACTIVE']),
    writeSnapshot(own(A), daysAgo(2, 1), ['ACTIVE', 'DELETE_FAILED']),
    writeSnapshot(own(A), daysAgo(0, 0), ['ACTIVE', 'DELETE_FAILED', 'CREATE_FAILED']),
    // B failed in the last run: its latest snapshot is the one on the boundary day of the lookback.
    writeSnapshot(own(B), daysAgo(2, 0), ['ACTIVE', 'DELETE_PENDING']),
    // C from two accounts. ACCOUNT read it in the last run; MEMBER's read has failed since yesterday 02:00, so
    // MEMBER's latest snapshot of C is older than ACCOUNT's (yesterday 03:00, and today), and must not be hidden by it.
    writeSnapshot(own(C), daysAgo(1, 3), ['ACTIVE', 'DELETE_FAILED']),
    writeSnapshot(own(C), daysAgo(0, 0), ['ACTIVE']),
    writeSnapshot(member(C), daysAgo(1, 2), ['ACTIVE', 'ACTIVE', 'DELETE_FAILED', 'ACTIVE']),
  ];
  // Athena ignores files whose name starts with an underscore; the glob does too.
  fs.writeFileSync(path.join(root, BUCKET, PREFIX, `dt=${daysAgo(0).toISOString().slice(0, 10)}`, '_manifest_x.json'), '{}');
  athena = await LocalAthena.open(template(), path.join(root, BUCKET));
});

afterAll(() => {
  athena?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('LocalAthena', () => {
  it("the fixtures are at the exporter's keys: dt=YYYY-MM-DD/{accountId}_{region}_{collaborationId}_{YYYYMMDDTHHMMSSZ}.ndjson.gz", () => {
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const stamp = (d: Date) =>
      d
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
    expect(keys).toContain(`${PREFIX}dt=${day(daysAgo(0, 0))}/${ACCOUNT}_${REGION}_${A}_${stamp(daysAgo(0, 0))}.ndjson.gz`);
    expect(keys).toContain(`${PREFIX}dt=${day(daysAgo(1, 2))}/${MEMBER}_${REGION}_${C}_${stamp(daysAgo(1, 2))}.ndjson.gz`);
    expect(stamp(daysAgo(1, 2))).toMatch(/^\d{8}T020000Z$/);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('has the template named queries', () => {
    expect(athena.namedQueries.map((q) => q.name)).toEqual(Object.values(namedQueries(DATABASE, TABLE_NAME, HOURLY)).map((q) => q.name));
  });

  it('"Latest snapshot per collaboration": each collaboration’s own latest snapshot, the boundary day of the lookback included', async () => {
    const rows = await athena.run('Latest snapshot per collaboration');
    const by = (id: string, account = ACCOUNT) =>
      rows.filter((r) => r.collaboration_id === id && r.account_id === account).map((r) => r.status);
    expect(by(A).sort()).toEqual(['ACTIVE', 'CREATE_FAILED', 'DELETE_FAILED']);
    expect(by(B).sort()).toEqual(['ACTIVE', 'DELETE_PENDING']);
    expect(rows.every((r) => typeof r.dt === 'string' && r.region === REGION)).toBe(true);
  });

  it('"Latest snapshot per collaboration": one collaboration seen from two accounts has a latest snapshot per account', async () => {
    const rows = await athena.run('Latest snapshot per collaboration');
    const of = (account: string) => rows.filter((r) => r.collaboration_id === C && r.account_id === account);
    // ACCOUNT's latest is today's; MEMBER's is yesterday's, although ACCOUNT has newer snapshots of C.
    expect(of(ACCOUNT).map((r) => r.status)).toEqual(['ACTIVE']);
    expect(of(ACCOUNT).every((r) => String(r.snapshot_time).startsWith(daysAgo(0).toISOString().slice(0, 10)))).toBe(true);
    expect(
      of(MEMBER)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'DELETE_FAILED']);
    expect(of(MEMBER).every((r) => String(r.snapshot_time).startsWith(daysAgo(1).toISOString().slice(0, 10)))).toBe(true);
    expect(rows).toHaveLength(3 + 2 + 1 + 4);
  });

  it('"DELETE_FAILED jobs in the latest snapshot": per account, Region and collaboration, with status code and message', async () => {
    const rows = await athena.run('DELETE_FAILED jobs in the latest snapshot');
    expect(rows).toEqual([
      expect.objectContaining({
        account_id: ACCOUNT,
        region: REGION,
        collaboration_id: A,
        name: 'job-1',
        status_code: 'INTERNAL_ERROR',
        status_message: 'reason 1',
      }),
      // MEMBER's latest snapshot of C is older than ACCOUNT's: its DELETE_FAILED job still shows.
      expect.objectContaining({
        account_id: MEMBER,
        region: REGION,
        collaboration_id: C,
        name: 'job-2',
        status_code: 'INTERNAL_ERROR',
        status_message: 'reason 2',
      }),
    ]);
  });

  it('"Job counts by status per day": the last snapshot of each day, account, Region and collaboration', async () => {
    const rows = await athena.run('Job counts by status per day');
    const today = daysAgo(0).toISOString().slice(0, 10);
    const yesterday = daysAgo(1).toISOString().slice(0, 10);
    const boundary = daysAgo(2).toISOString().slice(0, 10);
    const old = daysAgo(5).toISOString().slice(0, 10);
    const count = (dt: string, status: string) => Number(rows.find((r) => r.dt === dt && r.status === status)?.jobs ?? 0);
    expect(count(today, 'DELETE_FAILED')).toBe(1);
    expect(count(today, 'ACTIVE')).toBe(2); // A's and ACCOUNT's C
    // Yesterday C has two snapshots, one per account, at different times: both count.
    expect(count(yesterday, 'ACTIVE')).toBe(1 + 3);
    expect(count(yesterday, 'DELETE_FAILED')).toBe(1 + 1);
    expect(count(boundary, 'ACTIVE')).toBe(2); // A's and B's snapshots of that day
    expect(count(old, 'ACTIVE')).toBe(3);
  });

  it('an unknown query name lists the known ones', async () => {
    await expect(athena.run('nope')).rejects.toThrow(/Latest snapshot per collaboration/);
  });
});

describe('the Athena to DuckDB dialect', () => {
  it('casts the date arithmetic back to a date, so that its text has no time of day', () => {
    expect(toDuckDbSql("WHERE dt >= CAST(current_date - INTERVAL '2' DAY AS varchar);\n")).toBe(
      "WHERE dt >= CAST(CAST(current_date - INTERVAL '2' DAY AS date) AS varchar)",
    );
  });

  it('fails loudly when a query no longer has what a rewrite expects', () => {
    expect(() => toDuckDbSql('SELECT 1')).toThrow(/no longer matches/);
  });

  it('counts whole hours in durations as Trino does (date_sub), where a query computes one', () => {
    expect(toDuckDbSql("SELECT date_diff('hour', a, b) FROM t WHERE dt >= CAST(current_date - INTERVAL '2' DAY AS varchar)")).toBe(
      "SELECT date_sub('hour', a, b) FROM t WHERE dt >= CAST(CAST(current_date - INTERVAL '2' DAY AS date) AS varchar)",
    );
    // Only the dt bound is required in every query; a query without a duration is left alone.
    expect(DIALECT_REWRITES.map((r) => r.required)).toEqual([true, false]);
    expect(toDuckDbSql("SELECT 1 WHERE dt >= CAST(current_date - INTERVAL '2' DAY AS varchar)")).not.toContain('date_sub');
  });

  it("date_sub counts whole hours (01:59 to 02:00 is 0), like Trino's date_diff", async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        "SELECT date_sub('hour', TIMESTAMP '2026-01-01 01:59:00', TIMESTAMP '2026-01-01 02:00:00') AS partial, date_sub('hour', TIMESTAMP '2026-01-01 00:00:00', TIMESTAMP '2026-01-02 00:00:00') AS day",
      );
      expect(reader.getRowObjectsJson()).toEqual([{ partial: '0', day: '24' }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('maps every Glue type of the snapshot columns', () => {
    expect(SNAPSHOT_COLUMNS.map((c) => glueTypeToDuckDb(c.glueType))).toContain('STRUCT("status_code" VARCHAR, "message" VARCHAR)');
    expect(glueTypeToDuckDb('timestamp')).toBe('TIMESTAMP');
    expect(() => glueTypeToDuckDb('map<string,string>')).toThrow(/No DuckDB type/);
  });
});

/**
 * The history queries, over their own bucket: one collaboration D, one snapshot a day at midnight for five days (t1
 * four days ago, t5 today), its jobs going through the statuses below; and D seen from a second account, whose job
 * histories are its own.
 */
describe('LocalAthena: status history', () => {
  const HISTORY_BUCKET = 'history-bucket';
  const D = 'd0d0d0d0-1234-4abc-8def-0123456789ab';
  const [t1, t2, t3, t4, t5] = [4, 3, 2, 1, 0].map((days) => daysAgo(days, 0));
  const iso = (d: Date) => d.toISOString().replace('T', ' ').replace('.000Z', '');
  let history: LocalAthena;

  beforeAll(async () => {
    // job-0: ACTIVE, then DELETE_FAILED since t3 (48 hours before the latest snapshot): listed.
    // job-1: DELETE_FAILED at t1, retried (DELETE_PENDING), DELETE_FAILED again since t4, exactly 24 hours: not listed.
    // job-2: DELETE_FAILED in every snapshot of the history, since t1 (96 hours): listed.
    // job-3: DELETE_FAILED in the latest snapshot only: not listed; one transition.
    // job-4: DELETE_FAILED, then ACTIVE in the latest snapshot: not listed (not DELETE_FAILED now).
    // job-5: new at t3, in CREATE_FAILED: created.
    writeSnapshot(own(D), t1, ['ACTIVE', 'DELETE_FAILED', 'DELETE_FAILED', 'ACTIVE', 'DELETE_FAILED'], HISTORY_BUCKET);
    writeSnapshot(own(D), t2, ['ACTIVE', 'DELETE_PENDING', 'DELETE_FAILED', 'ACTIVE', 'DELETE_FAILED'], HISTORY_BUCKET);
    writeSnapshot(
      own(D),
      t3,
      ['DELETE_FAILED', 'DELETE_PENDING', 'DELETE_FAILED', 'ACTIVE', 'DELETE_FAILED', 'CREATE_FAILED'],
      HISTORY_BUCKET,
    );
    writeSnapshot(
      own(D),
      t4,
      ['DELETE_FAILED', 'DELETE_FAILED', 'DELETE_FAILED', 'ACTIVE', 'DELETE_FAILED', 'CREATE_FAILED'],
      HISTORY_BUCKET,
    );
    writeSnapshot(
      own(D),
      t5,
      ['DELETE_FAILED', 'DELETE_FAILED', 'DELETE_FAILED', 'DELETE_FAILED', 'ACTIVE', 'CREATE_FAILED'],
      HISTORY_BUCKET,
    );
    // MEMBER reads D too, with histories of its own: its job-0 is DELETE_FAILED in its latest snapshot only.
    writeSnapshot(member(D), t3, ['ACTIVE'], HISTORY_BUCKET);
    writeSnapshot(member(D), t4, ['ACTIVE'], HISTORY_BUCKET);
    writeSnapshot(member(D), t5, ['DELETE_FAILED'], HISTORY_BUCKET);
    // An old snapshot outside the 30 days of history: its statuses count for nothing.
    writeSnapshot(own(D), daysAgo(40, 0), ['DELETE_PENDING', 'ACTIVE', 'ACTIVE'], HISTORY_BUCKET);
    history = await LocalAthena.open(template(), path.join(root, HISTORY_BUCKET));
  });

  afterAll(() => history?.close());

  it('"Status transitions per job": each change between two snapshots of the job\'s account, Region and collaboration, and each new job', async () => {
    const rows = await history.run('Status transitions per job');
    const summary = rows.map((r) => [
      r.account_id,
      r.name,
      r.change,
      r.previous_status,
      r.status,
      r.previous_snapshot_time,
      r.snapshot_time,
    ]);
    expect(summary).toEqual([
      [ACCOUNT, 'job-0', 'status_changed', 'ACTIVE', 'DELETE_FAILED', iso(t2), iso(t3)],
      [ACCOUNT, 'job-1', 'status_changed', 'DELETE_FAILED', 'DELETE_PENDING', iso(t1), iso(t2)],
      [ACCOUNT, 'job-1', 'status_changed', 'DELETE_PENDING', 'DELETE_FAILED', iso(t3), iso(t4)],
      [ACCOUNT, 'job-3', 'status_changed', 'ACTIVE', 'DELETE_FAILED', iso(t4), iso(t5)],
      [ACCOUNT, 'job-4', 'status_changed', 'DELETE_FAILED', 'ACTIVE', iso(t4), iso(t5)],
      // New since D's previous snapshot; the jobs of D's first snapshot in the 30 days are not "created".
      [ACCOUNT, 'job-5', 'created', null, 'CREATE_FAILED', null, iso(t3)],
      [MEMBER, 'job-0', 'status_changed', 'ACTIVE', 'DELETE_FAILED', iso(t4), iso(t5)],
    ]);
    const created = rows.find((r) => r.change === 'created')!;
    expect(created).toMatchObject({ collaboration_id: D, region: REGION, status_code: 'INTERNAL_ERROR', status_message: 'reason 5' });
  });

  it('"Jobs in DELETE_FAILED for more than 24 hours": DELETE_FAILED without a break since more than 24 hours before the latest snapshot', async () => {
    const rows = await history.run('Jobs in DELETE_FAILED for more than 24 hours');
    expect(rows.map((r) => [r.account_id, r.name, r.delete_failed_since, r.hours_in_delete_failed, r.snapshot_time])).toEqual([
      // Longest first: job-2 since the first snapshot of the 30 days, job-0 since t3. job-1 (exactly 24 hours since
      // its last retry), job-3 (0 hours) and MEMBER's job-0 (0 hours) are not listed; nor job-4 (ACTIVE again).
      [ACCOUNT, 'job-2', iso(t1), '96', iso(t5)],
      [ACCOUNT, 'job-0', iso(t3), '48', iso(t5)],
    ]);
    expect(rows[0]).toMatchObject({
      collaboration_id: D,
      region: REGION,
      status_code: 'INTERNAL_ERROR',
      status_message: 'reason 2',
      audience_generation_job_arn: expect.stringContaining(':audience-generation-job/'),
    });
  });
});
