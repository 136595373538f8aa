import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PARTITION_COLUMN, SNAPSHOT_COLUMNS, TIMESTAMP_SERDE_FORMAT } from '../../lambda/snapshot/record-schema';
import { createSecureBucket } from './secure-bucket';

/** Hive JSON SerDe: reads one JSON object per line, and parses timestamps with `timestamp.formats`. */
export const JSON_SERDE = 'org.apache.hive.hcatalog.data.JsonSerDe';
/** Text input (gzip is recognized by the `.gz` extension); Athena ignores `_manifest_*.json`, as it ignores every `_` file. */
export const INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
export const OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';
/** Date format of the `dt=` key segment, in partition projection (Java) syntax. */
export const PARTITION_DATE_FORMAT = 'yyyy-MM-dd';
/**
 * First day of the `dt` projection. Before any possible snapshot; queries always bound `dt`, so empty days
 * before the first run cost nothing.
 */
export const PROJECTION_START_DATE = '2024-01-01';
/** Per-query cutoff: 10 GiB (USD 0.05 at USD 5/TB), ten times a full scan of a year of hourly snapshots of 10,000 jobs. */
export const BYTES_SCANNED_CUTOFF_PER_QUERY = 10 * 1024 ** 3;
/** How long Athena query results are kept. */
export const QUERY_RESULTS_RETENTION_DAYS = 30;
/** Days covered by the "job counts by status per day" and "status transitions per job" named queries. */
export const STATUS_HISTORY_DAYS = 30;
/**
 * Days of history the "Jobs in DELETE_FAILED for more than 24 hours" query reads: a job DELETE_FAILED in every
 * snapshot of them shows the first snapshot of that window as its start (it has been DELETE_FAILED at least that long).
 */
export const DELETE_FAILED_HISTORY_DAYS = STATUS_HISTORY_DAYS;
/** How long a job stays DELETE_FAILED before the "... for more than 24 hours" query lists it. */
export const LONG_DELETE_FAILED_HOURS = 24;
export const TABLE_NAME = 'audience_generation_jobs';

export interface AthenaAnalyticsProps {
  /** Bucket that holds the snapshots. */
  readonly bucket: s3.IBucket;
  /** Key prefix of the snapshots (ends with `/`). */
  readonly snapshotPrefix: string;
  /** Glue database name (lower case, digits and `_`). */
  readonly databaseName: string;
  /** Athena workgroup name. */
  readonly workGroupName: string;
  /** Longest interval between two runs, in minutes: how far back the "latest snapshot" queries must look. */
  readonly schedulePeriodMinutes: number;
  /** Receives the server access logs of the query results bucket. */
  readonly accessLogsBucket: s3.IBucket;
}

/**
 * What "latest" is per: the account whose jobs were listed, its Region, and the collaboration. One collaboration read
 * from two member accounts (or two Regions) has two latest snapshots, written at different times when one fails.
 */
export const SNAPSHOT_OWNER_COLUMNS = ['account_id', 'region', 'collaboration_id'] as const;

/** `sql` with every line indented by two spaces, as a CTE body. */
const indent = (sql: string) => sql.replace(/^/gm, '  ');

/** SQL of the named queries; the database and table are quoted identifiers. */
export function namedQueries(database: string, table: string, schedulePeriodMinutes: number) {
  const source = `"${database}"."${table}"`;
  // `dt` is a string partition (YYYY-MM-DD, UTC): compare it with a date cast to varchar, which Athena folds into a
  // constant and uses to prune the projected partitions. The latest snapshot is at most one schedule period old.
  const lookbackDays = Math.ceil(schedulePeriodMinutes / 1440) + 1;
  const since = (days: number, alias = '') => `${alias}dt >= CAST(current_date - INTERVAL '${days}' DAY AS varchar)`;
  const recent = (alias: string) => since(lookbackDays, alias);
  const owner = SNAPSHOT_OWNER_COLUMNS.join(', ');
  const sameOwner = (a: string, b: string) => SNAPSHOT_OWNER_COLUMNS.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');
  // One job's history: its own account, Region and collaboration (the same job seen from two accounts is two histories).
  const job = `${owner}, audience_generation_job_arn`;
  const sameJob = (a: string, b: string) => `${sameOwner(a, b)} AND ${a}.audience_generation_job_arn = ${b}.audience_generation_job_arn`;
  // Per (account, Region, collaboration): one that failed in the last run still shows its previous snapshot.
  const latest = `WITH latest AS (
  SELECT ${owner}, max(snapshot_time) AS snapshot_time
  FROM ${source}
  WHERE ${recent('')}
  GROUP BY ${owner}
)`;
  // The jobs the DeleteFailedJobs alarm counts: DELETE_FAILED in the latest snapshot of their owner (after `latest`).
  const latestDeleteFailed = `SELECT j.account_id,
       j.region,
       j.collaboration_id,
       j.name,
       j.audience_generation_job_arn,
       j.configured_audience_model_arn,
       j.status_details.status_code AS status_code,
       j.status_details.message AS status_message,
       j.create_time,
       j.update_time,
       j.snapshot_time
FROM ${source} j
JOIN latest l ON ${sameOwner('j', 'l')} AND j.snapshot_time = l.snapshot_time
WHERE ${recent('j.')}
  AND j.status = 'DELETE_FAILED'`;
  return {
    latestSnapshot: {
      name: 'Latest snapshot per collaboration',
      description: `Every job in the most recent snapshot of each account, Region and collaboration (partitions of the last ${lookbackDays} days).`,
      query: `${latest}
SELECT j.*
FROM ${source} j
JOIN latest l ON ${sameOwner('j', 'l')} AND j.snapshot_time = l.snapshot_time
WHERE ${recent('j.')}
ORDER BY j.account_id, j.region, j.collaboration_id, j.status, j.name;
`,
    },
    deleteFailed: {
      name: 'DELETE_FAILED jobs in the latest snapshot',
      description:
        'Jobs in DELETE_FAILED in the latest snapshot of each account, Region and collaboration, with their status details: the jobs the DeleteFailedJobs alarm counts (one that failed in the last run shows its previous snapshot: check snapshot_time).',
      query: `${latest}
${latestDeleteFailed}
ORDER BY j.account_id, j.region, j.collaboration_id, j.update_time;
`,
    },
    countsByStatus: {
      name: 'Job counts by status per day',
      description: `Jobs per status in the last snapshot of each day, account, Region and collaboration, over the last ${STATUS_HISTORY_DAYS} days.`,
      query: `WITH last_of_day AS (
  SELECT dt, ${owner}, max(snapshot_time) AS snapshot_time
  FROM ${source}
  WHERE ${since(STATUS_HISTORY_DAYS)}
  GROUP BY dt, ${owner}
)
SELECT j.dt, j.status, count(*) AS jobs
FROM ${source} j
JOIN last_of_day d ON j.dt = d.dt AND ${sameOwner('j', 'd')} AND j.snapshot_time = d.snapshot_time
WHERE ${since(STATUS_HISTORY_DAYS, 'j.')}
GROUP BY j.dt, j.status
ORDER BY j.dt DESC, j.status;
`,
    },
    statusTransitions: {
      name: 'Status transitions per job',
      description: `Every status change of a job between two snapshots of its account, Region and collaboration over the last ${STATUS_HISTORY_DAYS} days (LAG of status over snapshot_time), and every job new since its collaboration's previous snapshot (change created); the events the exporter sends, removed jobs aside.`,
      query: `WITH history AS (
  SELECT ${job},
         name,
         status,
         status_details.status_code AS status_code,
         status_details.message AS status_message,
         update_time,
         snapshot_time,
         lag(status) OVER (PARTITION BY ${job} ORDER BY snapshot_time) AS previous_status,
         lag(snapshot_time) OVER (PARTITION BY ${job} ORDER BY snapshot_time) AS previous_snapshot_time,
         min(snapshot_time) OVER (PARTITION BY ${owner}) AS first_snapshot_time
  FROM ${source}
  WHERE ${since(STATUS_HISTORY_DAYS)}
)
SELECT ${owner},
       name,
       audience_generation_job_arn,
       CASE WHEN previous_status IS NULL THEN 'created' ELSE 'status_changed' END AS change,
       previous_status,
       status,
       status_code,
       status_message,
       update_time,
       previous_snapshot_time,
       snapshot_time
FROM history
WHERE (previous_status IS NOT NULL AND status <> previous_status)
   OR (previous_status IS NULL AND snapshot_time > first_snapshot_time)
ORDER BY ${job}, snapshot_time;
`,
    },
    longDeleteFailed: {
      name: `Jobs in DELETE_FAILED for more than ${LONG_DELETE_FAILED_HOURS} hours`,
      description: `Jobs in DELETE_FAILED in the latest snapshot of each account, Region and collaboration that have been DELETE_FAILED in every snapshot since more than ${LONG_DELETE_FAILED_HOURS} hours before it (delete_failed_since: the first of those snapshots, within the last ${DELETE_FAILED_HISTORY_DAYS} days), with their status details.`,
      query: `${latest},
current_delete_failed AS (
${indent(latestDeleteFailed)}
),
history AS (
  SELECT ${job},
         status,
         snapshot_time,
         max(CASE WHEN status <> 'DELETE_FAILED' THEN snapshot_time END) OVER (PARTITION BY ${job}) AS last_other_status_time
  FROM ${source}
  WHERE ${since(DELETE_FAILED_HISTORY_DAYS)}
),
delete_failed_since AS (
  -- The earliest snapshot since which the job has been DELETE_FAILED without a break.
  SELECT ${job}, min(snapshot_time) AS since_time
  FROM history
  WHERE status = 'DELETE_FAILED'
    AND (last_other_status_time IS NULL OR snapshot_time > last_other_status_time)
  GROUP BY ${job}
)
SELECT c.account_id,
       c.region,
       c.collaboration_id,
       c.name,
       c.audience_generation_job_arn,
       c.status_code,
       c.status_message,
       s.since_time AS delete_failed_since,
       date_diff('hour', s.since_time, c.snapshot_time) AS hours_in_delete_failed,
       c.update_time,
       c.snapshot_time
FROM current_delete_failed c
JOIN delete_failed_since s ON ${sameJob('c', 's')}
WHERE s.since_time < c.snapshot_time - INTERVAL '${LONG_DELETE_FAILED_HOURS}' HOUR
ORDER BY s.since_time, c.account_id, c.region, c.collaboration_id, c.name;
`,
    },
  };
}

/**
 * Makes the snapshots queryable: a Glue database and table (JSON SerDe, partition projection on `dt`), an Athena
 * workgroup with enforced, encrypted results and a bytes-scanned cutoff, and five named queries.
 *
 * The table's location is the snapshot prefix; each projected partition is one day's folder, and holds one object per
 * source account, Region, collaboration and run:
 *
 *   s3://{bucket}/{prefix}dt={YYYY-MM-DD}/{accountId}_{region}_{collaborationId}_{YYYYMMDDTHHMMSSZ}.ndjson.gz
 *
 * (`accountId` is the account whose jobs were listed, so two member accounts of one collaboration never share a key).
 * The key carries no column that the records lack: `account_id`, `region`, `collaboration_id` and `snapshot_time` are
 * in every line. The run's `_manifest_{YYYYMMDDTHHMMSSZ}.json` beside them is ignored by Athena (leading underscore).
 */
export class AthenaAnalytics extends Construct {
  /** The Glue database. */
  readonly database: glue.CfnDatabase;
  /** The Glue table over the snapshot prefix. */
  readonly table: glue.CfnTable;
  /** The Athena workgroup. */
  readonly workGroup: athena.CfnWorkGroup;
  /** Receives Athena query results. */
  readonly resultsBucket: s3.Bucket;
  /** Glue database name. */
  readonly databaseName: string;
  /** Glue table name. */
  readonly tableName: string;

  constructor(scope: Construct, id: string, props: AthenaAnalyticsProps) {
    super(scope, id);
    const account = Stack.of(this).account;
    this.databaseName = props.databaseName;
    this.tableName = TABLE_NAME;
    const location = `s3://${props.bucket.bucketName}/${props.snapshotPrefix}`;

    this.database = new glue.CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: {
        name: props.databaseName,
        description: 'Snapshots of Clean Rooms ML audience generation jobs',
      },
    });

    this.table = new glue.CfnTable(this, 'Table', {
      catalogId: account,
      databaseName: props.databaseName,
      tableInput: {
        name: TABLE_NAME,
        description:
          'One row per audience generation job per snapshot (NDJSON written by the exporter, one object per account, Region, collaboration and run)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'json',
          'projection.enabled': 'true',
          [`projection.${PARTITION_COLUMN.name}.type`]: 'date',
          [`projection.${PARTITION_COLUMN.name}.format`]: PARTITION_DATE_FORMAT,
          [`projection.${PARTITION_COLUMN.name}.range`]: `${PROJECTION_START_DATE},NOW`,
          [`projection.${PARTITION_COLUMN.name}.interval`]: '1',
          [`projection.${PARTITION_COLUMN.name}.interval.unit`]: 'DAYS',
          // dt=YYYY-MM-DD/ folders; the objects in a folder are {accountId}_{region}_{collaborationId}_{time}.ndjson.gz.
          'storage.location.template': `${location}${PARTITION_COLUMN.name}=\${${PARTITION_COLUMN.name}}/`,
        },
        partitionKeys: [{ name: PARTITION_COLUMN.name, type: PARTITION_COLUMN.glueType, comment: PARTITION_COLUMN.description }],
        storageDescriptor: {
          location,
          inputFormat: INPUT_FORMAT,
          outputFormat: OUTPUT_FORMAT,
          columns: SNAPSHOT_COLUMNS.map((c) => ({ name: c.name, type: c.glueType, comment: c.description })),
          serdeInfo: {
            serializationLibrary: JSON_SERDE,
            parameters: { 'timestamp.formats': TIMESTAMP_SERDE_FORMAT },
          },
        },
      },
    });
    this.table.node.addDependency(this.database);

    this.resultsBucket = createSecureBucket(this, 'QueryResultsBucket', {
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-query-results-bucket/',
      lifecycleRules: [{ id: 'expire-query-results', expiration: Duration.days(QUERY_RESULTS_RETENTION_DAYS) }],
    });

    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Queries over the Clean Rooms ML audience generation job snapshots',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF_PER_QUERY,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          expectedBucketOwner: Aws.ACCOUNT_ID,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    const queries = namedQueries(props.databaseName, TABLE_NAME, props.schedulePeriodMinutes);
    for (const [key, q] of Object.entries(queries)) {
      const named = new athena.CfnNamedQuery(this, `NamedQuery-${key}`, {
        name: q.name,
        description: q.description,
        database: props.databaseName,
        workGroup: this.workGroup.ref,
        queryString: q.query,
      });
      named.node.addDependency(this.table);
    }
  }
}
