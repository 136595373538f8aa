import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../../lambda/commons/constants';
import { jobReadStatements } from './job-read-statements';
import type { Compression } from '../../lambda/config-rules/compression';
import type { SourceSpec } from '../../lambda/config-rules/sources';

/** Repository root: the NodejsFunction project root, where package-lock.json and node_modules/esbuild live. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** The handler module; it exports `handler(event, context)`. */
export const HANDLER_ENTRY = path.join(PROJECT_ROOT, 'lambda', 'export-audience-jobs.ts');

/**
 * 512 MB: the run holds at most MAX_CONCURRENCY (4) collaborations' pages and gzip streams at a time, a few MB;
 * memory is sized for CPU instead (Lambda gives CPU in proportion to memory), so that gzip and JSON work stay well
 * below the network time. Measure `Max Memory Used` in the REPORT lines before lowering it.
 */
export const MEMORY_SIZE_MB = 512;
/** The cap of each of V8's two young-generation semi-spaces, in MB. */
const SEMI_SPACE_MB = 8;
/**
 * The function's Node.js options. V8's heap limits are set here, from the memory size, rather than left to the
 * runtime: with a limit far above the live heap (20 to 25 MB in W7 of `npm run bench`), V8 lets garbage grow the heap
 * several times over before it collects (W7's peak RSS: 200 MB with Node.js's default limit, 142 MB with this one).
 * The old generation gets three quarters of the memory; the rest is for the young generation, code and buffers. The
 * young generation's semi-spaces are capped at 8 MB (Node.js's default is 16): W2, a million jobs compared with the
 * previous snapshot, peaks about 17 MB lower. The price is more collections: W1 about 8 % longer for the old-generation
 * limit and 3 % for the semi-spaces (docs/performance.md). The local Lambda runtime (npm start, the contract test, the
 * benchmark) runs with the same options.
 */
export function functionNodeOptions(memorySizeMb: number): string {
  return `--enable-source-maps --max-old-space-size=${Math.floor((memorySizeMb * 3) / 4)} --max-semi-space-size=${SEMI_SPACE_MB}`;
}

/**
 * 10 minutes: a normal run takes seconds (pages of 100 jobs answer in well under a second), but one request may
 * retry for about 2.5 minutes under throttling (10 attempts, 20 s backoff cap, see DEFAULTS.MAX_ATTEMPTS).
 * The schedule is never shorter than this timeout (see SCHEDULE_LIMITS), so a run always ends before the next tick.
 */
export const TIMEOUT = Duration.minutes(10);
/**
 * Lambda's retries of a failed asynchronous invocation (the maximum, 2). A retry receives the same event, hence
 * the same scheduledTime and the same S3 keys: it overwrites, it does not duplicate.
 */
export const ASYNC_RETRY_ATTEMPTS = 2;
/**
 * 2 GiB of /tmp (Lambda's default is 512 MB; the maximum 10 GB). A `*` source (every collaboration the account can
 * see) spills its records to /tmp before uploading them. NDJSON is about 700 bytes per job before gzip, so 2 GiB holds
 * about 3 million jobs of one `*` source (2 × 1024³ / 700 ≈ 3.07 million), shared by the spills in progress at the
 * same time. Ephemeral storage above 512 MB costs per GB-second of the run only: for a run of seconds, a fraction
 * of a cent a month. Listed collaborations stream straight to S3 and use none of it.
 */
export const EPHEMERAL_STORAGE = Size.gibibytes(2);
/** Retention of the function's log group. */
export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
/** Lambda accepts 4 KB of environment variables (keys and values) in all. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/**
 * Name of the sources file in the function's code, when the sources do not fit in the environment: EXPORT_SOURCES_FILE
 * is set to it, a relative path that the function resolves against LAMBDA_TASK_ROOT (/var/task).
 *
 * Limit: the file counts towards Lambda's 250 MB of unzipped code. The function accepts at most LIMITS.MAX_SOURCES
 * (200) sources of LIMITS.MAX_COLLABORATIONS (500) listed ids each: about 200 × 500 × 39 bytes ≈ 3.9 MB of JSON, far
 * below the limit (the bundle itself is a few MB).
 */
export const SOURCES_FILE_NAME = 'export-sources.json';

export interface ExporterFunctionProps {
  /** Bucket that receives the snapshots. */
  readonly bucket: s3.IBucket;
  /** Key prefix of every object the function writes; the only place it may write. */
  readonly snapshotPrefix: string;
  /**
   * The sources to read (EXPORT_SOURCES, or a file in the code when the list does not fit in the environment).
   * Exactly one of `sources` and `collaborationIds` is given.
   */
  readonly sources?: readonly SourceSpec[];
  /** Without `sources`: collaboration UUIDs to export, or `'*'`, with the function's own credentials and Region. */
  readonly collaborationIds?: readonly string[] | '*';
  /** Optional ConfiguredAudienceModelArn filter. */
  readonly configuredAudienceModelArn?: string;
  /** Compression of the snapshots. */
  readonly compression: Compression;
  /** `POWERTOOLS_SERVICE_NAME`: the `service` dimension of every metric the handler emits. */
  readonly serviceName: string;
  /** `POWERTOOLS_METRICS_NAMESPACE`: the namespace of every metric the handler emits. */
  readonly metricsNamespace: string;
  /** How long Lambda keeps an asynchronous event (retries included) before sending it to the failure queue. */
  readonly maxEventAge: Duration;
  /**
   * Status-change events on (STATUS_EVENTS=on): the bus they go to (EVENT_BUS_NAME, its name); the function may put
   * events on it only, and read its pointers and the previous snapshots. Absent: STATUS_EVENTS=off, neither grant (the
   * function still writes its pointers, under the snapshot prefix).
   */
  readonly statusEvents?: { readonly eventBus: events.IEventBus };
}

/**
 * Key prefix (after the snapshot prefix) of the pointers to the latest snapshots, and of the `*` sources' collaboration
 * indexes (the underscore hides them from Athena).
 */
export const POINTERS_FOLDER = '_state/';
/** The snapshot objects' keys after the snapshot prefix: `dt=YYYY-MM-DD/{...}.ndjson` or `.ndjson.gz`; not the manifests. */
export const SNAPSHOT_OBJECTS_PATTERN = 'dt=*/*.ndjson*';

/**
 * The exporter Lambda: Node.js 24 on arm64, bundled locally by esbuild (AWS SDK included), one run at a time,
 * JSON logs with retention, and an SQS queue for invocations that still fail after Lambda's retries.
 */
export class ExporterFunction extends Construct {
  /** The function. */
  readonly function: nodejs.NodejsFunction;
  /** The function's log group. */
  readonly logGroup: logs.LogGroup;
  /** Receives asynchronous invocations that failed after every retry (on-failure destination). */
  readonly failedInvocationsQueue: sqs.Queue;
  /** The function's execution role. */
  readonly role: iam.Role;
  /**
   * The role's policy: logs, sts:AssumeRole on the sources' roles, Clean Rooms ML, S3 and (status events on)
   * EventBridge statements (the failure-queue grant is in the role's default policy).
   */
  readonly policy: iam.Policy;
  /** How the function receives its sources: the environment, or a file in its code (too big for the environment). */
  readonly sourcesDelivery: 'collaboration-ids' | 'environment' | 'file';
  /** The Regions whose audience-generation-job ARNs GetAudienceGenerationJob may read (the stack's own: undefined). */
  readonly jobRegions: readonly string[] | undefined;

  constructor(scope: Construct, id: string, props: ExporterFunctionProps) {
    super(scope, id);
    if ((props.sources === undefined) === (props.collaborationIds === undefined)) {
      throw new Error('ExporterFunction: give exactly one of sources and collaborationIds');
    }
    assertLocalEsbuild();

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: LOG_RETENTION,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.failedInvocationsQueue = new sqs.Queue(this, 'FailedInvocationsQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // A role of our own: no AWS managed policy, every statement written out here.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Exports Clean Rooms ML audience generation jobs to S3',
    });
    const sources = props.sources;
    const roleArns = sources === undefined ? [] : distinctSorted(sources.flatMap((s) => (s.roleArn === undefined ? [] : [s.roleArn])));
    // The COLLABORATION_IDS form reads the function's own Region; a source list reads the Regions it names.
    this.jobRegions = sources === undefined ? undefined : distinctSorted(sources.map((s) => s.region));

    const statements = [
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    ];
    if (roleArns.length > 0) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'AssumeSourceRoles',
          actions: ['sts:AssumeRole'],
          // Exactly the roles the sources name, no wildcard: each member account's reader role.
          resources: roleArns,
        }),
      );
    }
    statements.push(
      // In this Region (the COLLABORATION_IDS form) or in each source's Region. Calls made through a source's role are
      // authorized by that role's own policy (AudienceJobsReaderRole); this grant serves sources read with the
      // function's own credentials.
      ...jobReadStatements(this, this.jobRegions ?? [undefined]),
      new iam.PolicyStatement({
        sid: 'WriteSnapshots',
        actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
        resources: [props.bucket.arnForObjects(`${props.snapshotPrefix}*`)],
      }),
    );
    if (props.statusEvents !== undefined) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'ReadPreviousSnapshots',
          actions: ['s3:GetObject'],
          // The pointers (and the `*` sources' collaboration indexes, in the same folder), and the snapshot objects they
          // name: no manifest, no other key, no listing (the bucket is never listed; the pointers and indexes are written
          // by WriteSnapshots, under the same prefix).
          resources: [
            props.bucket.arnForObjects(`${props.snapshotPrefix}${POINTERS_FOLDER}*`),
            props.bucket.arnForObjects(`${props.snapshotPrefix}${SNAPSHOT_OBJECTS_PATTERN}`),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'PutStatusEvents',
          actions: ['events:PutEvents'],
          resources: [props.statusEvents.eventBus.eventBusArn],
        }),
      );
    }
    this.policy = new iam.Policy(this, 'Policy', { statements });
    this.policy.attachToRole(this.role);

    const environment: Record<string, string> = {
      [ENV.SNAPSHOT_BUCKET]: props.bucket.bucketName,
      [ENV.SNAPSHOT_PREFIX]: props.snapshotPrefix,
      [ENV.COMPRESSION]: props.compression,
      [ENV.MAX_CONCURRENCY]: String(DEFAULTS.MAX_CONCURRENCY),
      [ENV.SERVICE_NAME]: props.serviceName,
      [ENV.METRICS_NAMESPACE]: props.metricsNamespace,
      [ENV.STATUS_EVENTS]: props.statusEvents !== undefined ? 'on' : 'off',
      ...(props.statusEvents !== undefined ? { [ENV.EVENT_BUS_NAME]: props.statusEvents.eventBus.eventBusName } : {}),
      NODE_OPTIONS: functionNodeOptions(MEMORY_SIZE_MB),
    };
    if (props.configuredAudienceModelArn !== undefined) {
      environment[ENV.CONFIGURED_AUDIENCE_MODEL_ARN] = props.configuredAudienceModelArn;
    }
    let commandHooks: nodejs.ICommandHooks | undefined;
    if (sources === undefined) {
      const ids = props.collaborationIds!;
      environment[ENV.COLLABORATION_IDS] = ids === '*' ? '*' : ids.join(',');
      this.sourcesDelivery = 'collaboration-ids';
    } else {
      const json = sourcesJson(sources);
      if (environmentSize({ ...environment, [ENV.EXPORT_SOURCES]: json }) <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
        environment[ENV.EXPORT_SOURCES] = json;
        this.sourcesDelivery = 'environment';
      } else {
        // Too big for the 4 KB of environment: ship the list in the code, beside index.js.
        environment[ENV.EXPORT_SOURCES_FILE] = SOURCES_FILE_NAME;
        commandHooks = copyIntoBundleHooks(writeSourcesFile(json), SOURCES_FILE_NAME);
        this.sourcesDelivery = 'file';
      }
    }
    assertEnvironmentFits(environment);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Exports every Clean Rooms ML audience generation job to an NDJSON snapshot in S3',
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: MEMORY_SIZE_MB,
      ephemeralStorageSize: EPHEMERAL_STORAGE,
      timeout: TIMEOUT,
      reservedConcurrentExecutions: 1,
      role: this.role,
      environment,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      maxEventAge: props.maxEventAge,
      onFailure: new SqsDestination(this.failedInvocationsQueue),
      bundling: {
        forceDockerBundling: false,
        minify: true,
        sourceMap: true,
        // Stack traces map to file and line without the sources' text, which --enable-source-maps would otherwise hold
        // in the heap all run (1.6 MB of it; W7 of npm run bench: about 16 MB of peak RSS).
        sourcesContent: false,
        externalModules: [], // bundle the AWS SDK: the code runs with the versions it was tested with
        target: 'node24',
        format: nodejs.OutputFormat.CJS,
        // Prefer the ES module builds of dependencies (the AWS SDK ships both) so esbuild can tree-shake them.
        mainFields: ['module', 'main'],
        logLevel: nodejs.LogLevel.WARNING,
        ...(commandHooks ? { commandHooks } : {}),
      },
    });
    // The role's policy must exist before the function is created (its first run may follow the deployment closely).
    this.function.node.addDependency(this.policy);
  }
}

/**
 * NodejsFunction silently switches to Docker bundling when it cannot find esbuild, and there is no Docker here.
 * Fail the synth with an actionable message instead.
 */
function assertLocalEsbuild(): void {
  try {
    require.resolve('esbuild/package.json', { paths: [PROJECT_ROOT] });
  } catch {
    throw new Error(
      `esbuild is not installed under ${PROJECT_ROOT}/node_modules: run 'npm ci'. ` +
        'This stack bundles the Lambda locally with esbuild and never falls back to Docker.',
    );
  }
  if (!fs.existsSync(HANDLER_ENTRY)) {
    throw new Error(`The Lambda handler ${path.relative(PROJECT_ROOT, HANDLER_ENTRY)} does not exist.`);
  }
}

/**
 * The sources as the function reads them (EXPORT_SOURCES): compact JSON, in the order given, keys in the order
 * region, roleArn, externalId, collaborationIds, absent roleArn and externalId left out. Deterministic: the same list gives the same text.
 */
export function sourcesJson(sources: readonly SourceSpec[]): string {
  return JSON.stringify(
    sources.map((s) => ({
      region: s.region,
      ...(s.roleArn !== undefined ? { roleArn: s.roleArn } : {}),
      ...(s.externalId !== undefined ? { externalId: s.externalId } : {}),
      collaborationIds: s.collaborations.kind === 'all' ? '*' : [...s.collaborations.collaborationIds],
    })),
  );
}

/** Sorted, without repeats. */
function distinctSorted(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/**
 * Writes the sources JSON where the bundling step can copy it from: a file named after its content's hash in the
 * system temp folder. Content-addressed, so that the path (which the bundling command, hence the asset cache key,
 * contains) changes exactly when the list changes, and concurrent synths write the same bytes. The asset hash is
 * computed from the bundle's output, so the file is part of it.
 */
export function writeSourcesFile(json: string): string {
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 32);
  const folder = path.join(os.tmpdir(), 'audience-jobs-exporter-sources');
  const file = path.join(folder, `${hash}.json`);
  fs.mkdirSync(folder, { recursive: true });
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== json) {
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, json);
    fs.renameSync(partial, file);
  }
  return file;
}

/** NodejsFunction command hooks that copy `source` to `<outputDir>/<name>` once esbuild has written the bundle. */
function copyIntoBundleHooks(source: string, name: string): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir: string, outputDir: string) => {
      const target = path.join(outputDir, name);
      // Local bundling runs each command with `bash -c` (`cmd /c` on Windows); Docker is never used here.
      if (os.platform() === 'win32') return [`copy /Y "${source}" "${target}"`];
      return [`cp ${posixQuote(source)} ${posixQuote(target)}`];
    },
  };
}

function posixQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Bytes of the environment (keys and values); tokens (the bucket name of a created bucket) count at their longest. */
function environmentSize(environment: Record<string, string>): number {
  const LONGEST_BUCKET_NAME = 63;
  let size = 0;
  for (const [key, value] of Object.entries(environment)) {
    size += key.length + (key === ENV.SNAPSHOT_BUCKET ? LONGEST_BUCKET_NAME : Buffer.byteLength(value));
  }
  return size;
}

function assertEnvironmentFits(environment: Record<string, string>): void {
  const size = environmentSize(environment);
  if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `The function's environment variables need ${size} bytes; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}. ` +
        "List fewer collaborationIds, or use -c collaborationIds='*'.",
    );
  }
}
