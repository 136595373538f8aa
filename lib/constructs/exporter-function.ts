import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULTS, ENV } from '../../lambda/commons/constants';
import { SIGNING_NAME } from '../../lambda/cleanroomsml/model-constants';
import type { Compression } from '../config';

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
/** Retention of the function's log group. */
export const LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
/** Lambda accepts 4 KB of environment variables (keys and values) in all. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

export interface ExporterFunctionProps {
  /** Bucket that receives the snapshots. */
  readonly bucket: s3.IBucket;
  /** Key prefix of every object the function writes; the only place it may write. */
  readonly snapshotPrefix: string;
  /** Collaboration UUIDs to export, or `'*'`. */
  readonly collaborationIds: readonly string[] | '*';
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
}

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
  /** The role's policy: logs, Clean Rooms ML and S3 statements (the failure-queue grant is in the role's default policy). */
  readonly policy: iam.Policy;

  constructor(scope: Construct, id: string, props: ExporterFunctionProps) {
    super(scope, id);
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
    this.policy = new iam.Policy(this, 'Policy', {
      statements: [
        new iam.PolicyStatement({
          sid: 'WriteOwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
        new iam.PolicyStatement({
          sid: 'ListAudienceGenerationJobs',
          actions: [`${SIGNING_NAME}:ListAudienceGenerationJobs`],
          // The action has no resource type: IAM accepts only "*" for it.
          resources: ['*'],
        }),
        new iam.PolicyStatement({
          sid: 'GetAudienceGenerationJob',
          actions: [`${SIGNING_NAME}:GetAudienceGenerationJob`],
          // Jobs listed in a collaboration may belong to another member's account: any account, this Region.
          resources: [
            Stack.of(this).formatArn({ service: SIGNING_NAME, account: '*', resource: 'audience-generation-job', resourceName: '*' }),
          ],
        }),
        new iam.PolicyStatement({
          sid: 'WriteSnapshots',
          actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
          resources: [props.bucket.arnForObjects(`${props.snapshotPrefix}*`)],
        }),
      ],
    });
    this.policy.attachToRole(this.role);

    const environment: Record<string, string> = {
      [ENV.COLLABORATION_IDS]: props.collaborationIds === '*' ? '*' : props.collaborationIds.join(','),
      [ENV.SNAPSHOT_BUCKET]: props.bucket.bucketName,
      [ENV.SNAPSHOT_PREFIX]: props.snapshotPrefix,
      [ENV.COMPRESSION]: props.compression,
      [ENV.MAX_CONCURRENCY]: String(DEFAULTS.MAX_CONCURRENCY),
      [ENV.SERVICE_NAME]: props.serviceName,
      [ENV.METRICS_NAMESPACE]: props.metricsNamespace,
      NODE_OPTIONS: '--enable-source-maps',
    };
    if (props.configuredAudienceModelArn !== undefined) {
      environment[ENV.CONFIGURED_AUDIENCE_MODEL_ARN] = props.configuredAudienceModelArn;
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
        externalModules: [], // bundle the AWS SDK: the code runs with the versions it was tested with
        target: 'node24',
        format: nodejs.OutputFormat.CJS,
        // Prefer the ES module builds of dependencies (the AWS SDK ships both) so esbuild can tree-shake them.
        mainFields: ['module', 'main'],
        logLevel: nodejs.LogLevel.WARNING,
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

/** Tokens (the bucket name of a created bucket) are counted at their longest possible length. */
function assertEnvironmentFits(environment: Record<string, string>): void {
  const LONGEST_BUCKET_NAME = 63;
  let size = 0;
  for (const [key, value] of Object.entries(environment)) {
    size += key.length + (key === ENV.SNAPSHOT_BUCKET ? LONGEST_BUCKET_NAME : Buffer.byteLength(value));
  }
  if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
    throw new Error(
      `The function's environment variables need ${size} bytes; Lambda allows ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}. ` +
        "List fewer collaborationIds, or use -c collaborationIds='*'.",
    );
  }
}
