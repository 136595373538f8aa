/**
 * Fine-grained assertions on the synthesized stack. One App per configuration, built once in beforeAll: the first
 * synth bundles the real handler with esbuild (no Docker), the others reuse the staged asset.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Capture, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  ACCOUNT_DIMENSION,
  COLLABORATION_DIMENSION,
  DEFAULTS,
  ENV,
  METRIC,
  REGION_DIMENSION,
  STATUS_EVENT,
} from '../../lambda/commons/constants';
import { LOG_MESSAGE } from '../../lambda/commons/log-messages';
import { parseSourceList } from '../../lambda/config-rules/sources';
import { PARTITION_COLUMN, SNAPSHOT_COLUMNS } from '../../lambda/snapshot/record-schema';
import { AudienceJobsExporterStack, METRICS_NAMESPACE, SERVICE_NAME } from '../../lib/audience-jobs-exporter-stack';
import { parseStackConfig, PLACEHOLDER_COLLABORATION_ID } from '../../lib/config';
import { PROJECTION_START_DATE } from '../../lib/constructs/athena-analytics';
import { LAMBDA_ENVIRONMENT_LIMIT_BYTES, SOURCES_FILE_NAME, sourcesJson } from '../../lib/constructs/exporter-function';
import {
  FAILED_JOB_INPUT_PATHS,
  FAILED_JOB_RUNBOOK,
  failedJobEventPattern,
  failedJobRuleName,
} from '../../lib/constructs/failed-job-notifications';

const ROOT = path.resolve(__dirname, '..', '..');
/** The CLI's context: cdk.json (feature flags included), so that the tests synthesize what `cdk synth` does. */
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

const COLLAB_A = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const COLLAB_B = '00000000-0000-4000-8000-000000000002';
const MODEL_ARN = 'arn:aws:cleanrooms-ml:us-east-1:123456789012:configured-audience-model/model-1';
const ROLE_1 = 'arn:aws:iam::444455556666:role/AudienceJobsReader';
const ROLE_2 = 'arn:aws:iam::777788889999:role/AudienceJobsReader';
/** An existing bus of the stack's account and Region, other than the default one. */
const NAMED_BUS = 'audience-jobs';
/** `arn:<partition>:events:<region>:<account>:<resource>`, as the template writes it. */
const eventsArn = (resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});
const DEFAULT_BUS_ARN = eventsArn('event-bus/default');
/** Two roles (one of them in two Regions), and one source read with the function's own credentials. */
const SOURCES = [
  { region: 'us-east-1', roleArn: ROLE_2, externalId: 'exporter-7f3a', collaborationIds: '*' },
  { region: 'eu-west-1', roleArn: ROLE_1, collaborationIds: [COLLAB_A, COLLAB_B] },
  { region: 'us-east-1', roleArn: ROLE_1, collaborationIds: '*' },
  { region: 'eu-west-1', collaborationIds: [COLLAB_A] },
];
/** 40 member accounts in two Regions, 3 collaborations each: about 8 KB of JSON, twice what the environment holds. */
const BIG_SOURCES = Array.from({ length: 40 }, (_, i) => ({
  region: i % 2 === 0 ? 'eu-west-1' : 'ap-southeast-2',
  roleArn: `arn:aws:iam::${String(100000000000 + i)}:role/AudienceJobsReader`,
  collaborationIds: [COLLAB_A, COLLAB_B, `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`],
}));

interface Synthesized {
  app: App;
  stack: AudienceJobsExporterStack;
  template: Template;
}

/** Synthesizes the stack from a context, exactly as bin/app.ts does (without the nag plugin, checked apart). */
function synth(context: Record<string, unknown>): Synthesized {
  // Bundling must never reach for Docker: point the CLI at a binary that does not exist.
  process.env.CDK_DOCKER = '/nonexistent/docker-must-not-be-used';
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
  const config = parseStackConfig((key) => app.node.tryGetContext(key));
  const stack = new AudienceJobsExporterStack(app, 'AudienceJobsExporter', { config });
  const template = Template.fromStack(stack);
  return { app, stack, template };
}

/** Resolves `{ Ref }` / `{ Fn::GetAtt }` to the logical id they point at. */
function refOf(value: unknown): string {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  return v.Ref ?? v['Fn::GetAtt']![0];
}

/** The one resource of `type` whose logical id starts with `prefix` (the construct path, flattened). */
function resourceById(template: Template, type: string, prefix: string): [string, { Properties: Record<string, any> }] {
  const found = Object.entries(template.findResources(type)).filter(([id]) => id.startsWith(prefix));
  expect(found).toHaveLength(1);
  return found[0] as [string, { Properties: Record<string, any> }];
}

function onlyResource(template: Template, type: string, props?: unknown): [string, { Properties: Record<string, any> }] {
  const found = Object.entries(template.findResources(type, props));
  expect(found).toHaveLength(1);
  return found[0] as [string, { Properties: Record<string, any> }];
}

let main: Synthesized;
let imported: Synthesized;
let placeholder: Synthesized;
let sourced: Synthesized;
let big: Synthesized;
let ownOnly: Synthesized;
let eventsOff: Synthesized;

beforeAll(() => {
  main = synth({
    collaborationIds: `${COLLAB_A},${COLLAB_B}`,
    alarmEmail: 'ops@example.com',
    configuredAudienceModelArn: MODEL_ARN,
    snapshotRetentionDays: '90',
  });
  imported = synth({
    collaborationIds: '*',
    existingBucketName: 'existing-snapshots',
    snapshotPrefix: 'exports/jobs/',
    schedule: 'cron(0 6 ? * MON-FRI *)',
    scheduleTimeZone: 'Europe/Paris',
    compression: 'none',
    eventBusName: NAMED_BUS,
  });
  eventsOff = synth({ collaborationIds: COLLAB_A, statusEvents: 'off', alarmEmail: 'ops@example.com' });
  // Sources as -c passes them (JSON text) and as cdk.json holds them (a list).
  sourced = synth({ sources: JSON.stringify(SOURCES), alarmEmail: 'ops@example.com' });
  big = synth({ sources: BIG_SOURCES, existingBucketName: 'existing-snapshots' });
  // Two Regions, both read with the function's own credentials: no role to assume.
  ownOnly = synth({
    sources: [
      { region: 'eu-central-1', collaborationIds: '*' },
      { region: 'eu-west-1', collaborationIds: [COLLAB_A] },
    ],
  });
  // The placeholder warning is expected; keep it out of the test output.
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    placeholder = synth({});
    Annotations.fromStack(placeholder.stack); // synthesizes now, while the console is quiet
  } finally {
    quiet.mockRestore();
  }
});

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['main', () => main],
    ['existing bucket', () => imported],
    ['placeholder', () => placeholder],
    ['sources', () => sourced],
    ['sources in a file, existing bucket', () => big],
    ['sources without roles', () => ownOnly],
    ['status events off', () => eventsOff],
  ])('%s: zero unacknowledged findings', (_name, get) => {
    const report = new AwsSolutionsChecks().validateScope(get().app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  function acknowledgedIn(app: App): { id: string; reason: string; path: string }[] {
    const acknowledged: { id: string; reason: string; path: string }[] = [];
    for (const construct of app.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.push({ id: id.replace(/^annotation::/i, ''), reason, path: construct.node.path });
        }
      }
    }
    return acknowledged;
  }

  /** The acknowledged ids, sorted, with the 8-digit hash that ends logical ids normalized. */
  const acknowledgedIds = (acknowledged: Array<{ id: string }>) =>
    acknowledged.map((a) => a.id.replace(/[0-9A-F]{8}\.Arn/, 'HASH.Arn')).sort();
  /** Everything acknowledged but the GetAudienceGenerationJob grants, which are per Region. */
  const ACKNOWLEDGED_BESIDES_GET = [
    'AwsSolutions-IAM5[Resource::*]',
    'AwsSolutions-IAM5[Resource::<StorageSnapshotBucketHASH.Arn>/audience-generation-jobs/*]',
    'AwsSolutions-IAM5[Resource::<StorageSnapshotBucketHASH.Arn>/audience-generation-jobs/_state/*]',
    'AwsSolutions-IAM5[Resource::<StorageSnapshotBucketHASH.Arn>/audience-generation-jobs/dt=*/*.ndjson*]',
    'AwsSolutions-IAM5[Resource::<ExporterFunctionHASH.Arn>:*]',
    'AwsSolutions-S1',
    'AwsSolutions-SQS3',
    'AwsSolutions-SQS3',
  ];
  const getAcknowledged = (region: string) =>
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cleanrooms-ml:${region}:*:audience-generation-job/*]`;

  it('every acknowledgement carries a reason', () => {
    const acknowledged = acknowledgedIn(main.app);
    expect(acknowledgedIds(acknowledged)).toEqual([...ACKNOWLEDGED_BESIDES_GET, getAcknowledged('<AWS::Region>')].sort());
    for (const a of acknowledged) expect(a.reason.length).toBeGreaterThan(40);
  });

  it('with sources, GetAudienceGenerationJob is acknowledged once per source Region, and nothing else changes', () => {
    const acknowledged = acknowledgedIn(sourced.app);
    expect(acknowledgedIds(acknowledged)).toEqual(
      [...ACKNOWLEDGED_BESIDES_GET, getAcknowledged('eu-west-1'), getAcknowledged('us-east-1')].sort(),
    );
    for (const a of acknowledged) expect(a.reason.length).toBeGreaterThan(40);
    expect(acknowledged.find((a) => a.id.includes(':eu-west-1:'))?.reason).toContain('the Region eu-west-1 of a configured source');
  });

  it('the previous-snapshot reads are acknowledged with the literal ARN of an existing bucket, and not at all with status events off', () => {
    const ids = acknowledgedIn(imported.app).map((a) => a.id);
    expect(ids).toEqual(
      expect.arrayContaining([
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::existing-snapshots/exports/jobs/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::existing-snapshots/exports/jobs/_state/*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::existing-snapshots/exports/jobs/dt=*/*.ndjson*]',
      ]),
    );
    const off = acknowledgedIn(eventsOff.app).map((a) => a.id);
    expect(off.filter((id) => id.includes('_state') || id.includes('ndjson'))).toEqual([]);
    expect(off).toContain(
      acknowledgedIn(main.app)
        .map((a) => a.id)
        .find((id) => id.endsWith('/audience-generation-jobs/*]')),
    );
  });
});

describe('Lambda', () => {
  it('runs Node.js 24 on arm64, one at a time, with JSON logs in its own log group', () => {
    const [, fn] = onlyResource(main.template, 'AWS::Lambda::Function');
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 512,
      EphemeralStorage: { Size: 2048 },
      Timeout: 600,
      ReservedConcurrentExecutions: 1,
      LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' },
    });
    const [logGroupId] = onlyResource(main.template, 'AWS::Logs::LogGroup', { Properties: { RetentionInDays: 90 } });
    expect(refOf(fn.Properties.LoggingConfig.LogGroup)).toBe(logGroupId);
  });

  it('sets the exporter environment, including the Powertools service and namespace', () => {
    const bucket = new Capture();
    main.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.exact({
          [ENV.COLLABORATION_IDS]: [COLLAB_A, COLLAB_B].sort().join(','),
          [ENV.SNAPSHOT_BUCKET]: bucket,
          [ENV.SNAPSHOT_PREFIX]: DEFAULTS.SNAPSHOT_PREFIX,
          [ENV.CONFIGURED_AUDIENCE_MODEL_ARN]: MODEL_ARN,
          [ENV.COMPRESSION]: 'gzip',
          [ENV.MAX_CONCURRENCY]: String(DEFAULTS.MAX_CONCURRENCY),
          [ENV.SERVICE_NAME]: SERVICE_NAME,
          [ENV.METRICS_NAMESPACE]: METRICS_NAMESPACE,
          [ENV.STATUS_EVENTS]: 'on',
          [ENV.EVENT_BUS_NAME]: DEFAULTS.EVENT_BUS_NAME,
          NODE_OPTIONS: '--enable-source-maps --max-old-space-size=384 --max-semi-space-size=8',
        }),
      },
    });
    const [bucketId] = onlyResource(main.template, 'AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } });
    expect(refOf(bucket.asObject())).toBe(bucketId);
    imported.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.COLLABORATION_IDS]: '*',
          [ENV.SNAPSHOT_BUCKET]: 'existing-snapshots',
          [ENV.SNAPSHOT_PREFIX]: 'exports/jobs/',
          [ENV.COMPRESSION]: 'none',
          [ENV.CONFIGURED_AUDIENCE_MODEL_ARN]: Match.absent(),
          [ENV.STATUS_EVENTS]: 'on',
          [ENV.EVENT_BUS_NAME]: NAMED_BUS,
        }),
      },
    });
  });

  it('retries asynchronous invocations twice, then sends them to an encrypted SQS queue', () => {
    const [queueId] = resourceById(main.template, 'AWS::SQS::Queue', 'ExporterFailedInvocationsQueue');
    main.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      Qualifier: '$LATEST',
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
  });

  it('bundles the handler locally: minified CommonJS with its source map and the AWS SDK inside', () => {
    const assembly = main.app.synth();
    const [, fn] = onlyResource(main.template, 'AWS::Lambda::Function');
    const assetHash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const dir = path.join(assembly.directory, `asset.${assetHash}`);
    expect(fs.readdirSync(dir).sort()).toEqual(['index.js', 'index.js.map']);
    const code = fs.readFileSync(path.join(dir, 'index.js'), 'utf8');
    expect(code.startsWith('"use strict";')).toBe(true);
    expect(code.length / code.split('\n').length).toBeGreaterThan(2000); // minified: very long lines
    expect(code).not.toMatch(/require\("@aws-sdk\/client-s3"\)|require\("@smithy\//); // SDK bundled, not external
    const map = JSON.parse(fs.readFileSync(path.join(dir, 'index.js.map'), 'utf8')) as { sources: string[] };
    expect(map.sources.some((s) => s.includes('node_modules/@aws-sdk/client-s3/'))).toBe(true);
    expect(map.sources.some((s) => s.endsWith('lambda/export-audience-jobs.ts'))).toBe(true);
  });
});

describe('IAM: least privilege', () => {
  function policyStatements(template: Template, roleMatcher: RegExp): any[] {
    const roles = Object.keys(template.findResources('AWS::IAM::Role')).filter((id) => roleMatcher.test(id));
    expect(roles).toHaveLength(1);
    return Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => p.Properties.Roles.some((r: unknown) => refOf(r) === roles[0]))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  }

  it('the function role has exactly the Clean Rooms ML, S3, logs and failure-queue statements', () => {
    const statements = policyStatements(main.template, /^ExporterRole/);
    const bucketId = Object.keys(
      main.template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: Match.anyValue() } }),
    )[0];
    const logGroupId = Object.keys(main.template.findResources('AWS::Logs::LogGroup'))[0];
    const queueId = Object.keys(main.template.findResources('AWS::SQS::Queue')).find((id) => id.includes('FailedInvocations'))!;
    expect(statements).toEqual(
      expect.arrayContaining([
        { Sid: 'ListAudienceGenerationJobs', Effect: 'Allow', Action: 'cleanrooms-ml:ListAudienceGenerationJobs', Resource: '*' },
        {
          Sid: 'GetAudienceGenerationJob',
          Effect: 'Allow',
          Action: 'cleanrooms-ml:GetAudienceGenerationJob',
          Resource: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':cleanrooms-ml:', { Ref: 'AWS::Region' }, ':*:audience-generation-job/*'],
            ],
          },
        },
        {
          Sid: 'WriteSnapshots',
          Effect: 'Allow',
          Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${DEFAULTS.SNAPSHOT_PREFIX}*`]] },
        },
        {
          Sid: 'WriteOwnLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        },
        {
          Effect: 'Allow',
          Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
          Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
        },
        {
          Sid: 'ReadPreviousSnapshots',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: [
            { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${DEFAULTS.SNAPSHOT_PREFIX}_state/*`]] },
            { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${DEFAULTS.SNAPSHOT_PREFIX}dt=*/*.ndjson*`]] },
          ],
        },
        {
          Sid: 'PutStatusEvents',
          Effect: 'Allow',
          Action: 'events:PutEvents',
          Resource: DEFAULT_BUS_ARN,
        },
      ]),
    );
    expect(statements).toHaveLength(7);
  });

  it('no wildcard action, no managed policy, no S3 list or delete anywhere in the stack; S3 reads only the previous snapshots', () => {
    for (const t of [main.template, imported.template, eventsOff.template]) {
      const statements = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
      const actions = statements.flatMap((s: any) => [s.Action].flat());
      expect(actions.filter((a: string) => a.includes('*'))).toEqual([]);
      expect(actions.filter((a: string) => /^s3:(List|Delete)/.test(a))).toEqual([]);
      // The one S3 read: GetObject, alone in its statement (ReadPreviousSnapshots), and only with status events on.
      const reads = statements.filter((s: any) => [s.Action].flat().some((a: string) => /^s3:Get/.test(a)));
      expect(reads.map((s: any) => [s.Sid, s.Action])).toEqual(t === eventsOff.template ? [] : [['ReadPreviousSnapshots', 's3:GetObject']]);
      t.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
      // "*" resources: only ListAudienceGenerationJobs (acknowledged above).
      const starResources = Object.values(t.findResources('AWS::IAM::Policy'))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
        .filter((s: any) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')));
      expect(starResources.map((s: any) => s.Action)).toEqual(['cleanrooms-ml:ListAudienceGenerationJobs']);
    }
  });

  it('an existing bucket is written through its literal ARN, still only under the prefix', () => {
    const statements = policyStatements(imported.template, /^ExporterRole/);
    expect(statements).toContainEqual({
      Sid: 'WriteSnapshots',
      Effect: 'Allow',
      Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-snapshots/exports/jobs/*']] },
    });
    expect(statements).toContainEqual({
      Sid: 'ReadPreviousSnapshots',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-snapshots/exports/jobs/_state/*']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::existing-snapshots/exports/jobs/dt=*/*.ndjson*']] },
      ],
    });
  });

  it('the scheduler role trusts only Scheduler for this account and may only invoke the function and send dead letters', () => {
    main.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': Match.anyValue() } },
          }),
        ],
      },
    });
    const statements = policyStatements(main.template, /^ScheduleRole/);
    expect(statements.map((s) => s.Action)).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });
});

describe('Schedule', () => {
  it('passes the scheduled time, with no flexible window, a retry policy and a dead-letter queue', () => {
    const [, schedule] = onlyResource(main.template, 'AWS::Scheduler::Schedule');
    const [dlqId] = resourceById(main.template, 'AWS::SQS::Queue', 'ScheduleDeadLetterQueue');
    const [fnId] = onlyResource(main.template, 'AWS::Lambda::Function');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      },
    });
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({ scheduledTime: '<aws.scheduler.scheduled-time>' });
  });

  it('uses the configured expression and time zone', () => {
    imported.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      // Friday to Monday is 3 days: a tick stays deliverable for at most 24 hours.
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 86400 } }),
    });
  });

  it('without collaborationIds: placeholder id, DISABLED schedule and a warning that says which -c to pass', () => {
    placeholder.template.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
    placeholder.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.COLLABORATION_IDS]: PLACEHOLDER_COLLABORATION_ID }) },
    });
    Annotations.fromStack(placeholder.stack).hasWarning(
      '/AudienceJobsExporter',
      Match.stringLikeRegexp('collaborationIds is not set.*DISABLED.*-c collaborationIds=<uuid>'),
    );
    Annotations.fromStack(main.stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('Storage', () => {
  it('the snapshot bucket is private, TLS-only, encrypted, versioned, logged, with lifecycle rules', () => {
    const [bucketId, bucket] = onlyResource(main.template, 'AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    const logsBucketId = refOf(bucket.Properties.LoggingConfiguration.DestinationBucketName);
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: {
        Rules: expect.arrayContaining([
          expect.objectContaining({ Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
    expect(logsBucketId).not.toBe(bucketId);
    main.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
        ]),
      },
    });
  });

  it('every created bucket blocks public access, enforces TLS and encrypts', () => {
    for (const t of [main.template, imported.template]) {
      t.allResourcesProperties('AWS::S3::Bucket', {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })]),
        },
      });
      const buckets = Object.keys(t.findResources('AWS::S3::Bucket'));
      const enforced = Object.values(t.findResources('AWS::S3::BucketPolicy'))
        .filter((p: any) => p.Properties.PolicyDocument.Statement.some((s: any) => s.Condition?.Bool?.['aws:SecureTransport'] === 'false'))
        .map((p: any) => refOf(p.Properties.Bucket));
      expect(enforced.sort()).toEqual(buckets.sort());
    }
  });

  it('with existingBucketName the stack creates no snapshot bucket (access logs and query results only)', () => {
    imported.template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(imported.template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: Match.anyValue() } })).toEqual({});
    main.template.resourceCountIs('AWS::S3::Bucket', 3);
  });
});

describe('Athena', () => {
  it('the Glue table reads the snapshot prefix with the Hive JSON SerDe, and projects dt', () => {
    const [, table] = onlyResource(main.template, 'AWS::Glue::Table');
    const [bucketId] = onlyResource(main.template, 'AWS::S3::Bucket', { Properties: { VersioningConfiguration: Match.anyValue() } });
    const input = table.Properties.TableInput;
    expect(input.TableType).toBe('EXTERNAL_TABLE');
    expect(input.StorageDescriptor.SerdeInfo).toEqual({
      SerializationLibrary: 'org.apache.hive.hcatalog.data.JsonSerDe',
      Parameters: { 'timestamp.formats': "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" },
    });
    expect(input.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
    expect(input.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/audience-generation-jobs/']] });
    expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string', Comment: PARTITION_COLUMN.description }]);
    expect(input.Parameters).toEqual({
      classification: 'json',
      'projection.enabled': 'true',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': `${PROJECTION_START_DATE},NOW`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
      'storage.location.template': { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/audience-generation-jobs/dt=${dt}/']] },
    });
    expect(input.Parameters['projection.dt.range']).toMatch(/^\d{4}-\d{2}-\d{2},NOW$/);
  });

  it('the Glue columns are exactly the record schema, in order, with status_details as a struct', () => {
    const [, table] = onlyResource(main.template, 'AWS::Glue::Table');
    const columns = table.Properties.TableInput.StorageDescriptor.Columns as { Name: string; Type: string; Comment: string }[];
    expect(columns).toEqual(SNAPSHOT_COLUMNS.map((c) => ({ Name: c.name, Type: c.glueType, Comment: c.description })));
    expect(columns.find((c) => c.Name === 'status_details')?.Type).toMatch(/^struct<status_code:string,message:string>$/);
    expect(columns.every((c) => c.Comment.length <= 255)).toBe(true);
  });

  it('an existing bucket and prefix are used as the table location', () => {
    imported.template.hasResourceProperties('AWS::Glue::Table', {
      TableInput: Match.objectLike({
        StorageDescriptor: Match.objectLike({ Location: 's3://existing-snapshots/exports/jobs/' }),
        Parameters: Match.objectLike({ 'storage.location.template': 's3://existing-snapshots/exports/jobs/dt=${dt}/' }),
      }),
    });
  });

  it('the workgroup enforces encrypted results in its own bucket, with a bytes-scanned cutoff', () => {
    const [, workGroup] = onlyResource(main.template, 'AWS::Athena::WorkGroup');
    const [resultsId, results] = resourceById(main.template, 'AWS::S3::Bucket', 'AnalyticsQueryResultsBucket');
    expect(workGroup.Properties.WorkGroupConfiguration).toEqual({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      ResultConfiguration: {
        OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: resultsId }, '/results/']] },
        ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
      },
    });
    expect(results.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ ExpirationInDays: 30 }));
  });

  it('five named queries run in the workgroup against the table', () => {
    const queries = main.template.findResources('AWS::Athena::NamedQuery');
    const [workGroupId] = onlyResource(main.template, 'AWS::Athena::WorkGroup');
    expect(
      Object.values(queries)
        .map((q: any) => q.Properties.Name)
        .sort(),
    ).toEqual(
      [
        'DELETE_FAILED jobs in the latest snapshot',
        'Job counts by status per day',
        'Latest snapshot per collaboration',
        'Status transitions per job',
        'Jobs in DELETE_FAILED for more than 24 hours',
      ].sort(),
    );
    for (const q of Object.values(queries) as any[]) {
      expect(q.Properties.Database).toBe('audience_jobs_exporter');
      expect(q.Properties.WorkGroup).toEqual({ Ref: workGroupId });
      expect(q.Properties.QueryString).toContain('"audience_jobs_exporter"."audience_generation_jobs"');
    }
  });
});

describe('Alarms', () => {
  const handlerDimensions = [{ Name: 'service', Value: DEFAULTS.SERVICE_NAME }];

  it.each([
    [METRIC.DELETE_FAILED_JOBS, 'GreaterThanOrEqualToThreshold', 1, 1, 'notBreaching'],
    [METRIC.FAILED_COLLABORATIONS, 'GreaterThanOrEqualToThreshold', 1, 1, 'notBreaching'],
    [METRIC.EXPORT_SUCCEEDED, 'LessThanThreshold', 1, 2, 'breaching'],
  ])('%s: %s %i over %i schedule period(s), missing data %s', (metricName, operator, threshold, periods, missing) => {
    main.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: DEFAULTS.METRICS_NAMESPACE,
      MetricName: metricName,
      Dimensions: handlerDimensions,
      Statistic: 'Maximum',
      Period: 3600,
      ComparisonOperator: operator,
      Threshold: threshold,
      EvaluationPeriods: periods,
      DatapointsToAlarm: periods === 1 ? Match.absent() : periods,
      TreatMissingData: missing,
    });
  });

  it('the periods follow the schedule: 3 days for a weekday cron', () => {
    imported.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRIC.EXPORT_SUCCEEDED,
      Period: 3 * 86400,
      EvaluationPeriods: 2,
    });
    imported.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: METRIC.DELETE_FAILED_JOBS, Period: 3 * 86400 });
  });

  it('alarms on Lambda errors and on both dead-letter queues', () => {
    const [fnId] = onlyResource(main.template, 'AWS::Lambda::Function');
    main.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const queueAlarms = main.template.findResources('AWS::CloudWatch::Alarm', {
      Properties: { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 1 },
    });
    const queues = Object.values(queueAlarms)
      .map((a: any) => refOf(a.Properties.Dimensions[0].Value))
      .sort();
    expect(queues).toEqual(Object.keys(main.template.findResources('AWS::SQS::Queue')).sort());
  });

  it("each alarm's description ends with its runbook section, and the runbook has that section", () => {
    const anchors: Record<string, string> = {
      'AudienceJobsExporter-DeleteFailedJobs': 'deletefailedjobs',
      'AudienceJobsExporter-FailedCollaborations': 'failedcollaborations',
      'AudienceJobsExporter-NoSuccessfulExport': 'nosuccessfulexport',
      'AudienceJobsExporter-FunctionErrors': 'functionerrors',
      'AudienceJobsExporter-SchedulerDeadLetters': 'schedulerdeadletters',
      'AudienceJobsExporter-FailedInvocations': 'failedinvocations',
    };
    const alarms = Object.values(main.template.findResources('AWS::CloudWatch::Alarm')).map((a: any) => a.Properties);
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(Object.keys(anchors).sort());
    for (const alarm of alarms) {
      expect(alarm.AlarmDescription).toMatch(new RegExp(`\\. Runbook: docs/runbook\\.md#${anchors[alarm.AlarmName]}$`));
    }
    // GitHub's anchor of a heading `## DeleteFailedJobs` is `deletefailedjobs`.
    const headings = fs.readFileSync(path.join(ROOT, 'docs', 'runbook.md'), 'utf8').match(/^## .+$/gm) ?? [];
    const runbookAnchors = headings.map((h) =>
      h
        .slice(3)
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    );
    expect(runbookAnchors).toEqual(expect.arrayContaining(Object.values(anchors)));
  });

  it('every alarm notifies one topic, on alarm and on recovery', () => {
    const [topicId] = onlyResource(main.template, 'AWS::SNS::Topic');
    main.template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    main.template.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [{ Ref: topicId }], OKActions: [{ Ref: topicId }] });
  });

  it('the topic is KMS-encrypted and TLS-only; CloudWatch may use the key and publish; email is subscribed', () => {
    const [keyId] = onlyResource(main.template, 'AWS::KMS::Key', { Properties: { EnableKeyRotation: true } });
    const [topicId] = onlyResource(main.template, 'AWS::SNS::Topic', { Properties: { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } } });
    main.template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] }),
        ]),
      },
    });
    main.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    main.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
    imported.template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('both queues are encrypted and TLS-only', () => {
    main.template.allResourcesProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    const queueIds = Object.keys(main.template.findResources('AWS::SQS::Queue'));
    for (const id of queueIds) {
      main.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
  });
});

describe('Dashboard', () => {
  function dashboardBody(stack: Stack, template: Template): any {
    const [, dashboard] = onlyResource(template, 'AWS::CloudWatch::Dashboard');
    return JSON.parse(
      stack
        .resolve(dashboard.Properties.DashboardBody)
        ['Fn::Join'][1].map((p: unknown) => (typeof p === 'string' ? p : 'TOKEN'))
        .join(''),
    );
  }

  it('shows jobs, DELETE_FAILED, failures, run duration, last runs and the alarm status', () => {
    const body = dashboardBody(main.stack, main.template);
    const titles = body.widgets.map((w: any) => w.properties.title).filter(Boolean);
    expect(titles).toEqual([
      'Alarm status',
      'Jobs by status: all statuses vs DELETE_FAILED (total)',
      'DELETE_FAILED jobs per collaboration',
      'Status changes since the previous snapshot (per run)',
      'New DELETE_FAILED and CREATE_FAILED jobs (per run)',
      'Jobs (all statuses) per collaboration',
      'Failures',
      'Run duration',
      'Last runs',
      'Errors',
    ]);
    const alarmWidget = body.widgets.find((w: any) => w.type === 'alarm');
    expect(alarmWidget.properties.alarms).toHaveLength(6);
    const metricsOf = (title: string) => body.widgets.find((w: any) => w.properties.title === title).properties.metrics;
    expect(metricsOf('Jobs by status: all statuses vs DELETE_FAILED (total)')).toEqual([
      [METRICS_NAMESPACE, METRIC.EXPORTED_JOBS, 'service', SERVICE_NAME, expect.objectContaining({ stat: 'Maximum' })],
      [METRICS_NAMESPACE, METRIC.DELETE_FAILED_JOBS, 'service', SERVICE_NAME, expect.objectContaining({ stat: 'Maximum' })],
    ]);
    const dimensions = [ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, REGION_DIMENSION, 'service'].join(',');
    for (const [title, metric] of [
      ['DELETE_FAILED jobs per collaboration', METRIC.DELETE_FAILED_JOBS],
      ['Jobs (all statuses) per collaboration', METRIC.EXPORTED_JOBS],
    ] as const) {
      const search = JSON.stringify(metricsOf(title));
      expect(search).toContain(
        `SEARCH('{\\"${METRICS_NAMESPACE}\\",${dimensions}} MetricName=\\"${metric}\\" service=\\"${SERVICE_NAME}\\"'`,
      );
    }
    expect(JSON.stringify(metricsOf('Run duration'))).toContain(METRIC.RUN_DURATION);
    const failures = JSON.stringify(metricsOf('Failures'));
    for (const m of [METRIC.FAILED_COLLABORATIONS, METRIC.EXPORT_SUCCEEDED, 'Errors', 'Throttles', 'ApproximateNumberOfMessagesVisible']) {
      expect(failures).toContain(m);
    }
    const lastRuns = body.widgets.find((w: any) => w.properties.title === 'Last runs');
    expect(lastRuns.type).toBe('log');
    expect(lastRuns.properties.query).toContain(`filter message = "${LOG_MESSAGE.EXPORT_FINISHED}"`);
  });

  it('graphs the status changes and the new failed jobs per run (Maximum: a rerun is not counted twice), with status events on only', () => {
    const body = dashboardBody(main.stack, main.template);
    const metricsOf = (title: string) => body.widgets.find((w: any) => w.properties.title === title)?.properties.metrics;
    const run = (metric: string, label: string, extra: Record<string, unknown> = {}) => [
      METRICS_NAMESPACE,
      metric,
      'service',
      SERVICE_NAME,
      { label, period: 3600, stat: 'Maximum', ...extra },
    ];
    expect(metricsOf('Status changes since the previous snapshot (per run)')).toEqual([
      run(METRIC.STATUS_CHANGES, 'Status changes (created, status_changed, removed)'),
      run(METRIC.STATUS_EVENTS_FAILED, 'Events not delivered', { yAxis: 'right' }),
    ]);
    expect(metricsOf('New DELETE_FAILED and CREATE_FAILED jobs (per run)')).toEqual([
      run(METRIC.NEW_DELETE_FAILED_JOBS, 'New DELETE_FAILED jobs'),
      run(METRIC.NEW_CREATE_FAILED_JOBS, 'New CREATE_FAILED jobs'),
    ]);
    const off = dashboardBody(eventsOff.stack, eventsOff.template);
    const offTitles = off.widgets.map((w: any) => w.properties.title);
    expect(offTitles).not.toContain('Status changes since the previous snapshot (per run)');
    expect(offTitles).not.toContain('New DELETE_FAILED and CREATE_FAILED jobs (per run)');
    expect(JSON.stringify(off)).not.toContain(METRIC.STATUS_CHANGES);
  });
});

describe('Sources', () => {
  /** The statements of the function role's own policy (ExporterPolicy), in order. */
  function exporterPolicy(template: Template): any[] {
    const [, policy] = resourceById(template, 'AWS::IAM::Policy', 'ExporterPolicy');
    return policy.Properties.PolicyDocument.Statement;
  }
  const jobArn = (region: string) => ({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:cleanrooms-ml:${region}:*:audience-generation-job/*`]],
  });
  function functionEnvironment(template: Template): Record<string, unknown> {
    const [, fn] = onlyResource(template, 'AWS::Lambda::Function');
    return fn.Properties.Environment.Variables;
  }

  it('a list that fits in the environment travels in EXPORT_SOURCES, compact, in the order given, in place of COLLABORATION_IDS', () => {
    const expected = JSON.stringify(SOURCES);
    sourced.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.EXPORT_SOURCES]: expected,
          [ENV.COLLABORATION_IDS]: Match.absent(),
          [ENV.EXPORT_SOURCES_FILE]: Match.absent(),
          [ENV.SNAPSHOT_BUCKET]: Match.anyValue(),
        }),
      },
      MemorySize: 512,
      EphemeralStorage: { Size: 2048 },
    });
    // The function parses it with the same rules into the same sources.
    const problems: string[] = [];
    expect(parseSourceList(functionEnvironment(sourced.template)[ENV.EXPORT_SOURCES], ENV.EXPORT_SOURCES, problems)).toEqual(
      sourced.stack.exporter && parseStackConfig((k) => sourced.app.node.tryGetContext(k)).sources,
    );
    expect(problems).toEqual([]);
    expect(sourced.stack.exporter.sourcesDelivery).toBe('environment');
  });

  it('sourcesJson leaves out absent roleArn and externalId and writes * as the API form', () => {
    const problems: string[] = [];
    const specs = parseSourceList(SOURCES, 'sources', problems)!;
    expect(sourcesJson(specs)).toBe(JSON.stringify(SOURCES));
    expect(JSON.parse(sourcesJson(specs))[3]).toEqual({ region: 'eu-west-1', collaborationIds: [COLLAB_A] });
  });

  it('the function role assumes exactly the configured roles, and gets jobs in exactly the source Regions', () => {
    const [bucketId] = onlyResource(sourced.template, 'AWS::S3::Bucket', { Properties: { VersioningConfiguration: Match.anyValue() } });
    const [logGroupId] = onlyResource(sourced.template, 'AWS::Logs::LogGroup');
    expect(exporterPolicy(sourced.template)).toEqual([
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
      },
      { Sid: 'AssumeSourceRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: [ROLE_1, ROLE_2] },
      { Sid: 'ListAudienceGenerationJobs', Effect: 'Allow', Action: 'cleanrooms-ml:ListAudienceGenerationJobs', Resource: '*' },
      {
        Sid: 'GetAudienceGenerationJob',
        Effect: 'Allow',
        Action: 'cleanrooms-ml:GetAudienceGenerationJob',
        Resource: [jobArn('eu-west-1'), jobArn('us-east-1')],
      },
      {
        Sid: 'WriteSnapshots',
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${DEFAULTS.SNAPSHOT_PREFIX}*`]] },
      },
      {
        Sid: 'ReadPreviousSnapshots',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${DEFAULTS.SNAPSHOT_PREFIX}_state/*`]] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${DEFAULTS.SNAPSHOT_PREFIX}dt=*/*.ndjson*`]] },
        ],
      },
      { Sid: 'PutStatusEvents', Effect: 'Allow', Action: 'events:PutEvents', Resource: DEFAULT_BUS_ARN },
    ]);
    // sts:AssumeRole nowhere else, and never on a wildcard.
    const assume = Object.values(sourced.template.findResources('AWS::IAM::Policy'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('sts:')));
    expect(assume).toHaveLength(1);
    expect(JSON.stringify(assume[0].Resource)).not.toContain('*');
  });

  it('with no role in the sources there is no sts:AssumeRole statement; Get covers each source Region', () => {
    const statements = exporterPolicy(ownOnly.template);
    expect(statements.map((st) => st.Sid)).toEqual([
      'WriteOwnLogs',
      'ListAudienceGenerationJobs',
      'GetAudienceGenerationJob',
      'WriteSnapshots',
      'ReadPreviousSnapshots',
      'PutStatusEvents',
    ]);
    expect(statements.find((st) => st.Sid === 'GetAudienceGenerationJob').Resource).toEqual([jobArn('eu-central-1'), jobArn('eu-west-1')]);
    for (const t of [main.template, imported.template, placeholder.template, ownOnly.template]) {
      const actions = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
        p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()),
      );
      expect(actions.filter((a: string) => a.startsWith('sts:'))).toEqual([]);
    }
  });

  it('the COLLABORATION_IDS form keeps GetAudienceGenerationJob on the stack Region', () => {
    expect(exporterPolicy(main.template).find((st) => st.Sid === 'GetAudienceGenerationJob').Resource).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cleanrooms-ml:', { Ref: 'AWS::Region' }, ':*:audience-generation-job/*']],
    });
    expect(main.stack.exporter.sourcesDelivery).toBe('collaboration-ids');
  });

  it('with sources the schedule is enabled and there is no placeholder warning', () => {
    sourced.template.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'ENABLED' });
    Annotations.fromStack(sourced.stack).hasNoWarning('*', Match.anyValue());
  });

  it('a list too big for the environment ships in the code: EXPORT_SOURCES_FILE names export-sources.json beside index.js', () => {
    const json = JSON.stringify(BIG_SOURCES);
    expect(Buffer.byteLength(json)).toBeGreaterThan(LAMBDA_ENVIRONMENT_LIMIT_BYTES);
    expect(big.stack.exporter.sourcesDelivery).toBe('file');
    const environment = functionEnvironment(big.template);
    expect(environment).toMatchObject({ [ENV.EXPORT_SOURCES_FILE]: SOURCES_FILE_NAME, [ENV.SNAPSHOT_BUCKET]: 'existing-snapshots' });
    expect(environment[ENV.EXPORT_SOURCES]).toBeUndefined();
    expect(environment[ENV.COLLABORATION_IDS]).toBeUndefined();

    // The asset in the synthesized cloud assembly holds the bundle and the exact JSON.
    const assembly = big.app.synth();
    const [, fn] = onlyResource(big.template, 'AWS::Lambda::Function');
    const assetHash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const dir = path.join(assembly.directory, `asset.${assetHash}`);
    expect(fs.readdirSync(dir).sort()).toEqual(['export-sources.json', 'index.js', 'index.js.map']);
    expect(fs.readFileSync(path.join(dir, SOURCES_FILE_NAME), 'utf8')).toBe(json);
    // The function reads it with the same rules.
    const problems: string[] = [];
    expect(parseSourceList(fs.readFileSync(path.join(dir, SOURCES_FILE_NAME), 'utf8'), ENV.EXPORT_SOURCES_FILE, problems)).toHaveLength(
      BIG_SOURCES.length,
    );
    expect(problems).toEqual([]);
    // A different list is a different asset (the asset hash covers the bundle's output, the file included).
    const [, mainFn] = onlyResource(sourced.template, 'AWS::Lambda::Function');
    expect(mainFn.Properties.Code.S3Key).not.toBe(fn.Properties.Code.S3Key);
  });

  it('a big list still grants exactly its roles and Regions', () => {
    const statements = exporterPolicy(big.template);
    expect(statements.find((st) => st.Sid === 'AssumeSourceRoles').Resource).toEqual(BIG_SOURCES.map((src) => src.roleArn).sort());
    expect(statements.find((st) => st.Sid === 'GetAudienceGenerationJob').Resource).toEqual([
      jobArn('ap-southeast-2'),
      jobArn('eu-west-1'),
    ]);
  });
});

describe('Status events', () => {
  const RULE_NAME = 'AudienceJobsExporter-NewFailedJob';
  const PATHS = {
    name: '$.detail.name',
    job_arn: '$.detail.audience_generation_job_arn',
    collaboration_id: '$.detail.collaboration_id',
    account_id: '$.detail.account_id',
    region: '$.detail.region',
    status: '$.detail.status',
    previous_status: '$.detail.previous_status',
    change: '$.detail.change',
    status_code: '$.detail.status_details.status_code',
    status_message: '$.detail.status_details.message',
    update_time: '$.detail.update_time',
    snapshot_time: '$.detail.snapshot_time',
    event_id: '$.detail.event_id',
  };
  const PATTERN = {
    source: ['audience-jobs-exporter'],
    'detail-type': ['Audience Generation Job Status Change'],
    detail: { change: ['created', 'status_changed'], status: ['DELETE_FAILED', 'CREATE_FAILED'] },
  };

  /** Every statement of the topic's policy and of the key's policy whose principal is EventBridge. */
  function eventsStatements(template: Template): { topic: any[]; key: any[] } {
    const isEvents = (st: any) => JSON.stringify(st.Principal ?? {}).includes('events.amazonaws.com');
    return {
      topic: Object.values(template.findResources('AWS::SNS::TopicPolicy'))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
        .filter(isEvents),
      key: Object.values(template.findResources('AWS::KMS::Key'))
        .flatMap((k: any) => k.Properties.KeyPolicy.Statement)
        .filter(isEvents),
    };
  }

  it('uses the constants the handler sends: source, detail type, bus default', () => {
    expect(STATUS_EVENT).toEqual({ SOURCE: PATTERN.source[0], DETAIL_TYPE: PATTERN['detail-type'][0] });
    expect(DEFAULTS.EVENT_BUS_NAME).toBe('default');
    expect(failedJobEventPattern()).toEqual({ source: PATTERN.source, detailType: PATTERN['detail-type'], detail: PATTERN.detail });
  });

  it('one rule on the default bus matches exactly the created and status_changed events of DELETE_FAILED and CREATE_FAILED jobs', () => {
    main.template.resourceCountIs('AWS::Events::Rule', 1);
    main.template.hasResourceProperties('AWS::Events::Rule', {
      Name: RULE_NAME,
      EventBusName: 'default',
      State: 'ENABLED',
      EventPattern: Match.exact(PATTERN),
    });
  });

  it('its one target is the alarm topic, through a plain-text input transformer over the event detail', () => {
    const [topicId] = onlyResource(main.template, 'AWS::SNS::Topic');
    const template = new Capture();
    main.template.hasResourceProperties('AWS::Events::Rule', {
      Targets: Match.exact([
        {
          Id: 'Target0',
          Arn: { Ref: topicId },
          InputTransformer: { InputPathsMap: Match.exact(PATHS), InputTemplate: template },
        },
      ]),
    });
    const text = template.asString();
    expect(text).toBe(
      [
        'Audience generation job <name> is now <status>.',
        '',
        'Job name: <name>',
        'Job ARN: <job_arn>',
        'Collaboration: <collaboration_id>',
        "Listed from account: <account_id> (the job's own account is in its ARN)",
        'Region: <region>',
        'Status: <status>',
        'Status code: <status_code>',
        'Status message: <status_message>',
        'Change: <change> (previous status: <previous_status>; a created job is new since the previous snapshot)',
        'Job last updated: <update_time>',
        'Snapshot: <snapshot_time>',
        'Event id: <event_id>',
        '',
        'Runbook: docs/runbook.md#new-failed-job',
        'Athena workgroup AudienceJobsExporter, saved queries: Jobs in DELETE_FAILED for more than 24 hours; Status transitions per job.',
      ].join('\n'),
    );
    // Plain text, one fact a line: not JSON (an email reader would see quotes and braces), no quote mark at all.
    expect(text.startsWith('"') || text.startsWith('{')).toBe(false);
    expect(text).not.toContain('"');
    // Every variable of the template is mapped, and every mapped variable is used.
    const used = [...new Set([...text.matchAll(/<([^<>]+)>/g)].map((m) => m[1]))].sort();
    expect(used).toEqual(Object.keys(PATHS).sort());
    expect(Object.keys(FAILED_JOB_INPUT_PATHS).sort()).toEqual(used);
    // The saved queries it cites exist.
    const names = Object.values(main.template.findResources('AWS::Athena::NamedQuery')).map((q: any) => q.Properties.Name);
    expect(names).toEqual(expect.arrayContaining(['Jobs in DELETE_FAILED for more than 24 hours', 'Status transitions per job']));
  });

  it('the runbook has the section the message cites', () => {
    expect(FAILED_JOB_RUNBOOK).toBe('docs/runbook.md#new-failed-job');
    const headings = fs.readFileSync(path.join(ROOT, 'docs', 'runbook.md'), 'utf8').match(/^## .+$/gm) ?? [];
    const anchors = headings.map((h) =>
      h
        .slice(3)
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    );
    expect(anchors).toContain('new-failed-job');
  });

  it('the topic policy and the key policy allow exactly this rule: events.amazonaws.com with aws:SourceArn = its ARN', () => {
    const [topicId] = onlyResource(main.template, 'AWS::SNS::Topic');
    const ruleArn = eventsArn(`rule/${RULE_NAME}`);
    const condition = { ArnEquals: { 'aws:SourceArn': ruleArn } };
    expect(eventsStatements(main.template)).toEqual({
      topic: [
        {
          Sid: 'AllowFailedJobRuleToPublish',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topicId },
          Condition: condition,
        },
      ],
      key: [
        {
          Sid: 'AllowFailedJobRuleToPublish',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          Resource: '*',
          Condition: condition,
        },
      ],
    });
    main.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'AllowFailedJobRuleToPublish', Condition: condition })]) },
    });
    // The ARN in the conditions is this rule's: a rule on the default bus is arn:...:rule/<name>.
    main.template.hasResourceProperties('AWS::Events::Rule', { Name: RULE_NAME });
    expect(main.stack.resolve(main.stack.failedJobNotifications!.ruleArn)).toEqual(ruleArn);
    main.template.hasOutput('FailedJobRuleArn', { Value: ruleArn });
  });

  it('a named bus: the rule is on it, the conditions name rule/<bus>/<name>, PutEvents is on that bus only', () => {
    const ruleArn = eventsArn(`rule/${NAMED_BUS}/${RULE_NAME}`);
    imported.template.hasResourceProperties('AWS::Events::Rule', {
      Name: RULE_NAME,
      EventBusName: NAMED_BUS,
      EventPattern: Match.exact(PATTERN),
    });
    const statements = eventsStatements(imported.template);
    expect([...statements.topic, ...statements.key].map((st) => st.Condition)).toEqual([
      { ArnEquals: { 'aws:SourceArn': ruleArn } },
      { ArnEquals: { 'aws:SourceArn': ruleArn } },
    ]);
    const [, policy] = resourceById(imported.template, 'AWS::IAM::Policy', 'ExporterPolicy');
    expect(policy.Properties.PolicyDocument.Statement.filter((st: any) => st.Action === 'events:PutEvents')).toEqual([
      { Sid: 'PutStatusEvents', Effect: 'Allow', Action: 'events:PutEvents', Resource: eventsArn(`event-bus/${NAMED_BUS}`) },
    ]);
    imported.template.hasOutput('StatusEventBusName', { Value: NAMED_BUS });
  });

  it('events:PutEvents appears once in the stack, on the bus, and nowhere as a resource policy', () => {
    for (const t of [main.template, imported.template, sourced.template]) {
      const puts = Object.values(t.findResources('AWS::IAM::Policy'))
        .flatMap((p: any) => p.Properties.PolicyDocument.Statement)
        .filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith('events:')));
      expect(puts).toHaveLength(1);
      expect(JSON.stringify(puts[0].Resource)).toMatch(/:event-bus\/(default|audience-jobs)"/);
      expect(JSON.stringify(puts[0].Resource)).not.toContain('*');
      t.resourceCountIs('AWS::Events::EventBus', 0);
      t.resourceCountIs('AWS::Events::EventBusPolicy', 0);
    }
  });

  it('statusEvents=off: STATUS_EVENTS=off, no rule, no EventBridge statement, no PutEvents, no GetObject', () => {
    eventsOff.template.resourceCountIs('AWS::Events::Rule', 0);
    expect(eventsStatements(eventsOff.template)).toEqual({ topic: [], key: [] });
    const [, fn] = onlyResource(eventsOff.template, 'AWS::Lambda::Function');
    expect(fn.Properties.Environment.Variables[ENV.STATUS_EVENTS]).toBe('off');
    expect(fn.Properties.Environment.Variables[ENV.EVENT_BUS_NAME]).toBeUndefined();
    const [, policy] = resourceById(eventsOff.template, 'AWS::IAM::Policy', 'ExporterPolicy');
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements.map((st: any) => st.Sid)).toEqual([
      'WriteOwnLogs',
      'ListAudienceGenerationJobs',
      'GetAudienceGenerationJob',
      'WriteSnapshots',
    ]);
    const actions = Object.values(eventsOff.template.findResources('AWS::IAM::Policy')).flatMap((p: any) =>
      p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()),
    );
    expect(actions.filter((a: string) => a.startsWith('events:') || a === 's3:GetObject')).toEqual([]);
    // The pointers are still written: under the prefix, which WriteSnapshots covers.
    expect(statements.find((st: any) => st.Sid === 'WriteSnapshots').Action).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    expect(eventsOff.stack.failedJobNotifications).toBeUndefined();
    expect(eventsOff.stack.eventBus).toBeUndefined();
    expect(Object.keys(eventsOff.template.toJSON().Outputs)).not.toEqual(expect.arrayContaining(['StatusEventBusName']));
    expect(Object.keys(eventsOff.template.toJSON().Outputs)).not.toEqual(expect.arrayContaining(['FailedJobRuleArn']));
    // The alarms and their topic policy are as before.
    eventsOff.template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
  });

  it('a long stack name is cut so that the rule name fits 64 characters', () => {
    expect(failedJobRuleName('AudienceJobsExporter')).toBe(RULE_NAME);
    const long = failedJobRuleName(`A${'b'.repeat(120)}`);
    expect(long).toHaveLength(64);
    expect(long.endsWith('-NewFailedJob')).toBe(true);
  });
});

describe('Outputs', () => {
  it('names what an operator needs', () => {
    for (const id of [
      'SnapshotBucketName',
      'SnapshotLocation',
      'FunctionName',
      'ExporterRoleArn',
      'AthenaWorkGroup',
      'GlueTable',
      'AlarmTopicArn',
      'DashboardName',
      'StatusEventBusName',
      'FailedJobRuleArn',
    ]) {
      main.template.hasOutput(id, Match.anyValue());
    }
    main.template.hasOutput('GlueTable', { Value: 'audience_jobs_exporter.audience_generation_jobs' });
  });

  it("ExporterRoleArn is the function role: the principal the member accounts' reader roles trust", () => {
    for (const t of [main.template, sourced.template]) {
      const [roleId] = resourceById(t, 'AWS::IAM::Role', 'ExporterRole');
      const [fnId, fn] = onlyResource(t, 'AWS::Lambda::Function');
      expect(fnId).toBeDefined();
      expect(fn.Properties.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      t.hasOutput('ExporterRoleArn', {
        Value: { 'Fn::GetAtt': [roleId, 'Arn'] },
        Description: Match.stringLikeRegexp('AudienceJobsReaderRole'),
      });
    }
  });
});
