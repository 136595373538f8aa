/**
 * Every environment variable the exporter reads, with its default. This file is the reference; the README
 * table and the stack's function environment are written from it.
 *
 * Region, credentials and endpoints come from the standard AWS variables (`AWS_REGION`, the default
 * credential chain, `AWS_ENDPOINT_URL_CLEANROOMSML`, `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_STS`,
 * `AWS_ENDPOINT_URL_EVENTBRIDGE`, `AWS_ENDPOINT_URL`).
 * `AWS_ENDPOINT_URL_CLEANROOMSML` overrides the endpoint of every source's Region, as the SDK does; each source still
 * signs for its own Region.
 */
export const ENV = {
  /**
   * The sources to read, as inline JSON: `[{"region":"eu-west-1","roleArn":"arn:aws:iam::…:role/…","externalId":"…",
   * "collaborationIds":["<uuid>",…] or "*"}]`. Exclusive with COLLABORATION_IDS and EXPORT_SOURCES_FILE.
   */
  EXPORT_SOURCES: 'EXPORT_SOURCES',
  /**
   * The same JSON in a file, for lists that do not fit in Lambda's 4 KB of environment (the stack ships it in the
   * function's code). A relative path is relative to `LAMBDA_TASK_ROOT`, else to the working directory.
   */
  EXPORT_SOURCES_FILE: 'EXPORT_SOURCES_FILE',
  /**
   * Without EXPORT_SOURCES: comma-separated collaboration UUIDs, or `*` for every job the account can see, read with
   * the function's own credentials in its own Region.
   */
  COLLABORATION_IDS: 'COLLABORATION_IDS',
  /** Required. Bucket that receives the snapshots and manifests. */
  SNAPSHOT_BUCKET: 'SNAPSHOT_BUCKET',
  /** Key prefix of every object the exporter writes. */
  SNAPSHOT_PREFIX: 'SNAPSHOT_PREFIX',
  /** Optional ConfiguredAudienceModelArn filter passed to ListAudienceGenerationJobs. */
  CONFIGURED_AUDIENCE_MODEL_ARN: 'CONFIGURED_AUDIENCE_MODEL_ARN',
  /** `gzip` or `none`. */
  COMPRESSION: 'COMPRESSION',
  /** How many collaborations are exported in parallel, across every source. */
  MAX_CONCURRENCY: 'MAX_CONCURRENCY',
  /** Attempts per Clean Rooms ML request, first try included. */
  MAX_ATTEMPTS: 'CLEANROOMSML_MAX_ATTEMPTS',
  /** Per-request timeout towards Clean Rooms ML, in milliseconds. */
  REQUEST_TIMEOUT_MS: 'CLEANROOMSML_REQUEST_TIMEOUT_MS',
  /** EventBridge bus of the status-change events: a name or an ARN. */
  EVENT_BUS_NAME: 'EVENT_BUS_NAME',
  /** `on` or `off`: compare each snapshot with the previous one and send an event per changed job. */
  STATUS_EVENTS: 'STATUS_EVENTS',
  /** Namespace of the EMF metrics (read by Powertools). */
  METRICS_NAMESPACE: 'POWERTOOLS_METRICS_NAMESPACE',
  /** `service` dimension of the metrics and logs (read by Powertools). */
  SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
} as const;

export const DEFAULTS = {
  SNAPSHOT_PREFIX: 'audience-generation-jobs/',
  COMPRESSION: 'gzip',
  MAX_CONCURRENCY: 4,
  /**
   * 10 attempts: a scheduled batch job can wait out throttling that an interactive caller cannot
   * (the SDK default is 3; inventory tools such as CloudQuery use 10). With the SDK's capped
   * exponential backoff (20 s cap) the worst case is about 2.5 minutes per request.
   */
  MAX_ATTEMPTS: 10,
  /** The API answers a page of 100 in well under a second; 30 s catches a hung connection. */
  REQUEST_TIMEOUT_MS: 30_000,
  METRICS_NAMESPACE: 'AudienceJobsExporter',
  SERVICE_NAME: 'audience-jobs-exporter',
  EVENT_BUS_NAME: 'default',
  STATUS_EVENTS: 'on',
} as const;

/** The status-change events: their source and detail type, which the stack's rule matches. */
export const STATUS_EVENT = {
  SOURCE: 'audience-jobs-exporter',
  DETAIL_TYPE: 'Audience Generation Job Status Change',
} as const;

/** Upper bounds that keep a bad value from turning into a runaway run. */
export const LIMITS = {
  MAX_CONCURRENCY: 64,
  /** Listed collaborations per source. */
  MAX_COLLABORATIONS: 500,
  MAX_SOURCES: 200,
  MAX_ATTEMPTS: 20,
} as const;

/** Page size for ListAudienceGenerationJobs: the model's maximum. */
export const PAGE_SIZE = 100;

/** Metric names. The stack's alarms and dashboard import these; do not rename without both. */
export const METRIC = {
  EXPORTED_JOBS: 'ExportedJobs',
  DELETE_FAILED_JOBS: 'DeleteFailedJobs',
  FAILED_COLLABORATIONS: 'FailedCollaborations',
  EXPORT_SUCCEEDED: 'ExportSucceeded',
  RUN_DURATION: 'RunDurationMs',
  STATUS_CHANGES: 'StatusChanges',
  NEW_DELETE_FAILED_JOBS: 'NewDeleteFailedJobs',
  NEW_CREATE_FAILED_JOBS: 'NewCreateFailedJobs',
  STATUS_EVENTS_FAILED: 'StatusEventsFailed',
} as const;

/**
 * Metric dimensions that split per-collaboration values: one collaboration seen from two accounts (or Regions) is two
 * series. The `service` dimension is added by Powertools.
 */
export const COLLABORATION_DIMENSION = 'CollaborationId';
export const ACCOUNT_DIMENSION = 'AccountId';
export const REGION_DIMENSION = 'Region';
