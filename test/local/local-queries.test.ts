/**
 * The named queries, run by DuckDB over snapshot files laid out as the exporter writes them: the Glue table of a
 * template becomes a view, and the queries answer as Athena would (latest snapshot per collaboration, boundary day of
 * the lookback included, status details as a struct).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PARTITION_COLUMN, SNAPSHOT_COLUMNS, type SnapshotRecord } from '../../lambda/snapshot/record-schema';
import { namedQueries, TABLE_NAME } from '../../lib/constructs/athena-analytics';
import type { CfnTemplate } from '../../local/deployable-bundle';
import { glueTypeToDuckDb, LocalAthena, toDuckDbSql } from '../../local/start/local-queries';

const DATABASE = 'audience_jobs_exporter';
const PREFIX = 'audience-generation-jobs/';
const BUCKET = 'local-bucket';
const HOURLY = 60;
const A = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const B = '7a9d0b21-5c3e-4f8a-b6d1-2e4f6a8c0b13';

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
        Object.entries(queries).map(([key, q]) => [key, { Type: 'AWS::Athena::NamedQuery', Properties: { Name: q.name, Description: q.description, QueryString: q.query } }]),
      ),
    },
  };
}

function daysAgo(days: number, hour = 9): Date {
  const d = new Date();
  d.setUTCHours(hour, 0, 0, 0);
  return new Date(d.getTime() - days * 86_400_000);
}

function record(collaborationId: string, n: number, status: string, snapshot: Date): SnapshotRecord {
  const failed = status.endsWith('_FAILED');
  return {
    audience_generation_job_arn: `arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/${collaborationId.slice(0, 8)}-${n}`,
    name: `job-${n}`,
    description: null,
    status,
    configured_audience_model_arn: 'arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/m',
    collaboration_id: collaborationId,
    started_by: '111122223333',
    create_time: '2026-01-01T00:00:00.000Z',
    update_time: `2026-01-0${(n % 9) + 1}T00:00:00.000Z`,
    status_details: failed ? { status_code: 'INTERNAL_ERROR', message: `reason ${n}` } : null,
    snapshot_time: snapshot.toISOString(),
    account_id: '111122223333',
    region: 'us-east-1',
  };
}

let root: string;
let athena: LocalAthena;

function writeSnapshot(collaborationId: string, snapshot: Date, statuses: string[]): void {
  const dt = snapshot.toISOString().slice(0, 10);
  const folder = path.join(root, BUCKET, PREFIX, `dt=${dt}`);
  fs.mkdirSync(folder, { recursive: true });
  const lines = statuses.map((s, i) => `${JSON.stringify(record(collaborationId, i, s, snapshot))}\n`).join('');
  fs.writeFileSync(path.join(folder, `${collaborationId}_${snapshot.getTime()}.ndjson.gz`), gzipSync(lines));
}

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'local-queries-'));
  // A: an old snapshot outside the lookback, one on its boundary day, and the latest one.
  writeSnapshot(A, daysAgo(5), ['ACTIVE', 'ACTIVE', 'ACTIVE']);
  writeSnapshot(A, daysAgo(2, 1), ['ACTIVE', 'DELETE_FAILED']);
  writeSnapshot(A, daysAgo(0, 0), ['ACTIVE', 'DELETE_FAILED', 'CREATE_FAILED']);
  // B failed in the last run: its latest snapshot is the one on the boundary day of the lookback.
  writeSnapshot(B, daysAgo(2, 0), ['ACTIVE', 'DELETE_PENDING']);
  // Athena ignores files whose name starts with an underscore; the glob does too.
  fs.writeFileSync(path.join(root, BUCKET, PREFIX, `dt=${daysAgo(0).toISOString().slice(0, 10)}`, '_manifest_x.json'), '{}');
  athena = await LocalAthena.open(template(), path.join(root, BUCKET));
});

afterAll(() => {
  athena?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('LocalAthena', () => {
  it('has the template named queries', () => {
    expect(athena.namedQueries.map((q) => q.name)).toEqual(Object.values(namedQueries(DATABASE, TABLE_NAME, HOURLY)).map((q) => q.name));
  });

  it('"Latest snapshot per collaboration": each collaboration’s own latest snapshot, the boundary day of the lookback included', async () => {
    const rows = await athena.run('Latest snapshot per collaboration');
    const by = (id: string) => rows.filter((r) => r.collaboration_id === id).map((r) => r.status);
    expect(by(A).sort()).toEqual(['ACTIVE', 'CREATE_FAILED', 'DELETE_FAILED']);
    expect(by(B).sort()).toEqual(['ACTIVE', 'DELETE_PENDING']);
    expect(rows.every((r) => typeof r.dt === 'string')).toBe(true);
  });

  it('"DELETE_FAILED jobs in the latest snapshot": the jobs of the last run, with status code and message', async () => {
    const rows = await athena.run('DELETE_FAILED jobs in the latest snapshot');
    expect(rows).toEqual([
      expect.objectContaining({ collaboration_id: A, name: 'job-1', status_code: 'INTERNAL_ERROR', status_message: 'reason 1' }),
    ]);
  });

  it('"Job counts by status per day": the last snapshot of each day and collaboration', async () => {
    const rows = await athena.run('Job counts by status per day');
    const today = daysAgo(0).toISOString().slice(0, 10);
    const boundary = daysAgo(2).toISOString().slice(0, 10);
    const old = daysAgo(5).toISOString().slice(0, 10);
    const count = (dt: string, status: string) => Number(rows.find((r) => r.dt === dt && r.status === status)?.jobs ?? 0);
    expect(count(today, 'DELETE_FAILED')).toBe(1);
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

  it('maps every Glue type of the snapshot columns', () => {
    expect(SNAPSHOT_COLUMNS.map((c) => glueTypeToDuckDb(c.glueType))).toContain('STRUCT("status_code" VARCHAR, "message" VARCHAR)');
    expect(glueTypeToDuckDb('timestamp')).toBe('TIMESTAMP');
    expect(() => glueTypeToDuckDb('map<string,string>')).toThrow(/No DuckDB type/);
  });
});
