/**
 * The one definition of a snapshot record. The NDJSON writer, the Glue table and the README all come from here.
 * Order is the column order in Athena.
 */
export interface SnapshotColumn {
  /** snake_case key in every NDJSON line, and the Glue column name. */
  readonly name: string;
  /** Hive/Glue type of the column. */
  readonly glueType: string;
  /** One line for the Glue column comment and the README. */
  readonly description: string;
}

export const SNAPSHOT_COLUMNS = [
  { name: 'audience_generation_job_arn', glueType: 'string', description: 'ARN of the audience generation job.' },
  { name: 'name', glueType: 'string', description: 'Name of the job.' },
  { name: 'description', glueType: 'string', description: 'Description of the job, or null.' },
  {
    name: 'status',
    glueType: 'string',
    description: 'Job status, for example ACTIVE or DELETE_FAILED (passed through as the API gives it).',
  },
  { name: 'configured_audience_model_arn', glueType: 'string', description: 'ARN of the configured audience model the job used.' },
  {
    name: 'collaboration_id',
    glueType: 'string',
    description: 'Collaboration of the job: from the API, else the collaboration that was queried.',
  },
  { name: 'started_by', glueType: 'string', description: 'AWS account that started the job, or null.' },
  { name: 'create_time', glueType: 'timestamp', description: 'Creation time, ISO-8601 UTC with milliseconds.' },
  { name: 'update_time', glueType: 'timestamp', description: 'Last update time, ISO-8601 UTC with milliseconds.' },
  {
    name: 'status_details',
    glueType: 'struct<status_code:string,message:string>',
    description: 'For CREATE_FAILED and DELETE_FAILED jobs, the statusDetails of GetAudienceGenerationJob; else null.',
  },
  { name: 'snapshot_time', glueType: 'timestamp', description: "The run's scheduled time, ISO-8601 UTC with milliseconds." },
  { name: 'account_id', glueType: 'string', description: 'AWS account id, from the job ARN.' },
  { name: 'region', glueType: 'string', description: 'AWS Region, from the job ARN.' },
] as const satisfies readonly SnapshotColumn[];

export type SnapshotColumnName = (typeof SNAPSHOT_COLUMNS)[number]['name'];

export interface SnapshotStatusDetails {
  status_code: string | null;
  message: string | null;
}

/** One NDJSON line. Every key is always present; null stands for "the API gave no value". */
export interface SnapshotRecord {
  audience_generation_job_arn: string;
  name: string;
  description: string | null;
  status: string;
  configured_audience_model_arn: string;
  collaboration_id: string;
  started_by: string | null;
  create_time: string;
  update_time: string;
  status_details: SnapshotStatusDetails | null;
  snapshot_time: string;
  account_id: string;
  region: string;
}

/** Partition column of the Glue table; a key path segment (`dt=YYYY-MM-DD`), not a record field. */
export const PARTITION_COLUMN = { name: 'dt', glueType: 'string', description: 'Snapshot date, YYYY-MM-DD (UTC).' } as const;

/** The timestamp format of `create_time`, `update_time` and `snapshot_time`, in Hive SerDe (Joda) syntax. */
export const TIMESTAMP_SERDE_FORMAT = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

// Compile-time proof that the record type and the column list name the same keys.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const RECORD_KEYS_MATCH_COLUMNS: Exactly<keyof SnapshotRecord, SnapshotColumnName> = true;
