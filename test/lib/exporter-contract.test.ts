/**
 * The stack and the handler agree, proven by running the deployed code: the Lambda bundle that `cdk synth`
 * produces runs in a Node.js process with the function's environment taken from the synthesized template, against
 * the local Clean Rooms ML emulator and a local S3. Then:
 *  - every alarm (and dashboard metric) on a handler metric names a namespace, metric and dimension set that the
 *    handler's EMF output really carries, with the same dimension values;
 *  - the alarms evaluate as intended on the values of a healthy run and of a failing run;
 *  - the Glue table's columns, location and projection template match the objects the handler wrote;
 *  - a list of sources too big for the environment, shipped in the code, is read by the handler, which assumes
 *    exactly the roles the function's policy names.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, ENV, METRIC, REGION_DIMENSION } from '../../lambda/commons/constants';
import { SNAPSHOT_COLUMNS, TIMESTAMP_SERDE_FORMAT } from '../../lambda/snapshot/record-schema';
import { AudienceJobsExporterStack } from '../../lib/audience-jobs-exporter-stack';
import { parseStackConfig } from '../../lib/config';
import { generateJobs } from '../../local/emulator';
import { ExportHarness, LOCAL_ACCOUNT_ID, TEST_BUCKET } from '../support/export-harness';

const ROOT = path.resolve(__dirname, '..', '..');
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const HEALTHY = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const FLAKY = '00000000-0000-4000-8000-000000000002';
const SCHEDULED_OK = '2026-11-28T09:00:00Z';
const SCHEDULED_FAILING = '2026-11-28T10:00:00Z';

/** One CloudWatch Embedded Metric Format document, as Powertools prints it. */
interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[] };
  [key: string]: unknown;
}

interface AlarmProps {
  AlarmName: string;
  Namespace: string;
  MetricName: string;
  Dimensions: { Name: string; Value: unknown }[];
  Statistic: string;
  ComparisonOperator: string;
  Threshold: number;
}

interface HandlerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  emf: EmfDocument[];
  logs: Record<string, unknown>[];
}

let template: Template;
let stack: Stack;
let functionEnv: Record<string, unknown>;
let bundle: string;
let harness: ExportHarness;
let healthy: HandlerRun;
let failing: HandlerRun;

/** Runs the bundled handler once in a fresh Node.js process, as Lambda would (one invocation). */
function invokeBundle(env: NodeJS.ProcessEnv, scheduledTime: string, bundleFile: string = bundle): Promise<HandlerRun> {
  const script = `
    const { handler } = require(${JSON.stringify(bundleFile)});
    const context = {
      functionName: 'AudienceJobsExporter-Exporter', functionVersion: '$LATEST', memoryLimitInMB: '512',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:AudienceJobsExporter-Exporter',
      awsRequestId: 'contract-test', logGroupName: '/aws/lambda/test', logStreamName: 'test',
      getRemainingTimeInMillis: () => 600000,
    };
    handler({ scheduledTime: ${JSON.stringify(scheduledTime)} }, context).then(
      (result) => process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n'),
      (error) => { process.stderr.write('FAILED ' + error.message + '\\n'); process.exitCode = 2; },
    );`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({
        code,
        stdout,
        stderr,
        emf: lines.filter((l) => l._aws !== undefined) as unknown as EmfDocument[],
        logs: lines.filter((l) => l._aws === undefined),
      });
    });
  });
}

/** The function's environment from the template, pointed at the local servers (only the bucket name differs). */
function lambdaEnvironment(templateEnv: Record<string, unknown> = functionEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const variables: Record<string, string> = { ...extra };
  for (const [key, value] of Object.entries(templateEnv)) {
    if (typeof value === 'string') variables[key] = value;
    else if (key === ENV.SNAPSHOT_BUCKET) variables[key] = TEST_BUCKET; // { Ref: <bucket> } in the template
    else throw new Error(`unexpected token in ${key}`);
  }
  // Powertools prints EMF unless in dev mode or disabled; Lambda sets neither.
  const env = harness.env({ ...variables, POWERTOOLS_DEV: undefined, POWERTOOLS_METRICS_DISABLED: undefined });
  return Object.fromEntries(Object.entries({ PATH: process.env.PATH, ...env }).filter(([, v]) => v !== undefined));
}

beforeAll(async () => {
  const context = { ...CDK_JSON_CONTEXT, collaborationIds: `${HEALTHY},${FLAKY}` };
  // The CloudFormation schema validation is the stack test's business; skipping it here saves seconds.
  const app = new App({ context, builtinCloudFormationValidation: false });
  stack = new AudienceJobsExporterStack(app, 'AudienceJobsExporter', { config: parseStackConfig((k) => app.node.tryGetContext(k)) });
  template = Template.fromStack(stack);
  const [fn] = Object.values(template.findResources('AWS::Lambda::Function')) as any[];
  functionEnv = fn.Properties.Environment.Variables;
  const assetHash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
  bundle = path.join(app.synth().directory, `asset.${assetHash}`, 'index.js');

  harness = await ExportHarness.start();
  // Every status of the model in turn: 14 jobs include 2 DELETE_FAILED.
  harness.emulator.seed(HEALTHY, generateJobs({ collaborationId: HEALTHY, count: 14 }));
  harness.emulator.seed(FLAKY, generateJobs({ collaborationId: FLAKY, count: 3, statuses: ['ACTIVE'] }));

  healthy = await invokeBundle(lambdaEnvironment(), SCHEDULED_OK);
  harness.emulator.faults.denyCollaboration(FLAKY);
  failing = await invokeBundle(lambdaEnvironment(), SCHEDULED_FAILING);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

function handlerAlarms(): AlarmProps[] {
  return (Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: AlarmProps }[])
    .map((a) => a.Properties)
    .filter((a) => !a.Namespace.startsWith('AWS/'));
}

/** The value an EMF document gives `metricName` for exactly these dimensions, or undefined. */
function emfValue(docs: EmfDocument[], namespace: string, metricName: string, dimensions: Record<string, string>): number[] {
  const names = Object.keys(dimensions).sort();
  const values: number[] = [];
  for (const doc of docs) {
    for (const directive of doc._aws.CloudWatchMetrics) {
      if (directive.Namespace !== namespace || !directive.Metrics.some((m) => m.Name === metricName)) continue;
      const hasSet = directive.Dimensions.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(names));
      const sameValues = names.every((n) => doc[n] === dimensions[n]);
      if (hasSet && sameValues) values.push(...[doc[metricName]].flat().map(Number));
    }
  }
  return values;
}

function alarmDimensions(alarm: AlarmProps): Record<string, string> {
  return Object.fromEntries(alarm.Dimensions.map((d) => [d.Name, d.Value as string]));
}

/** Would this alarm's condition hold for one data point (the Maximum of a single run's value)? */
function breaches(alarm: AlarmProps, value: number): boolean {
  switch (alarm.ComparisonOperator) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= alarm.Threshold;
    case 'LessThanThreshold':
      return value < alarm.Threshold;
    default:
      throw new Error(`unexpected operator ${alarm.ComparisonOperator}`);
  }
}

describe('the deployed bundle, run with the template environment', () => {
  it('exports both collaborations on the healthy run and fails the run with a denied collaboration', () => {
    expect(healthy.stderr).toContain('RESULT ');
    expect(healthy.code).toBe(0);
    expect(failing.code).toBe(2);
    expect(failing.stderr).toContain('FAILED ');
  });

  it('prints EMF documents in the namespace and with the service the stack configured', () => {
    expect(healthy.emf.length).toBeGreaterThan(0);
    for (const doc of [...healthy.emf, ...failing.emf]) {
      for (const directive of doc._aws.CloudWatchMetrics) {
        expect(directive.Namespace).toBe(functionEnv[ENV.METRICS_NAMESPACE]);
        for (const set of directive.Dimensions) expect(set).toContain('service');
      }
      expect(doc.service).toBe(functionEnv[ENV.SERVICE_NAME]);
    }
  });
});

describe('alarms select exactly what the handler emits', () => {
  it('the template has the three handler-metric alarms', () => {
    expect(handlerAlarms().map((a) => a.MetricName).sort()).toEqual(
      [METRIC.DELETE_FAILED_JOBS, METRIC.EXPORT_SUCCEEDED, METRIC.FAILED_COLLABORATIONS].sort(),
    );
  });

  it.each([METRIC.DELETE_FAILED_JOBS, METRIC.FAILED_COLLABORATIONS, METRIC.EXPORT_SUCCEEDED])(
    '%s: namespace, metric name, dimension names and values are found in the EMF output of both runs',
    (metricName) => {
      const alarm = handlerAlarms().find((a) => a.MetricName === metricName)!;
      expect(alarm.Dimensions.every((d) => typeof d.Value === 'string')).toBe(true);
      for (const run of [healthy, failing]) {
        expect(emfValue(run.emf, alarm.Namespace, alarm.MetricName, alarmDimensions(alarm))).toHaveLength(1);
      }
    },
  );

  it('each alarm is OK after the healthy run except DELETE_FAILED, which the seeded jobs trigger', () => {
    const state = (run: HandlerRun) =>
      Object.fromEntries(
        handlerAlarms().map((a) => [a.MetricName, breaches(a, Math.max(...emfValue(run.emf, a.Namespace, a.MetricName, alarmDimensions(a))))]),
      );
    expect(state(healthy)).toEqual({
      [METRIC.DELETE_FAILED_JOBS]: true, // 2 jobs in DELETE_FAILED
      [METRIC.FAILED_COLLABORATIONS]: false,
      [METRIC.EXPORT_SUCCEEDED]: false,
    });
    expect(state(failing)).toEqual({
      [METRIC.DELETE_FAILED_JOBS]: true,
      [METRIC.FAILED_COLLABORATIONS]: true,
      [METRIC.EXPORT_SUCCEEDED]: true, // ExportSucceeded = 0
    });
    const deleteFailed = handlerAlarms().find((a) => a.MetricName === METRIC.DELETE_FAILED_JOBS)!;
    expect(emfValue(healthy.emf, deleteFailed.Namespace, METRIC.DELETE_FAILED_JOBS, alarmDimensions(deleteFailed))).toEqual([2]);
  });

  it('the dashboard graphs the same metrics: totals by service, per collaboration by {AccountId, CollaborationId, Region, service}', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    const body = JSON.stringify(stack.resolve(dashboard.Properties.DashboardBody));
    const namespace = functionEnv[ENV.METRICS_NAMESPACE] as string;
    const service = functionEnv[ENV.SERVICE_NAME] as string;
    for (const metric of Object.values(METRIC)) {
      expect(body).toContain(`\\"${namespace}\\",\\"${metric}\\",\\"service\\",\\"${service}\\"`);
      expect(emfValue(healthy.emf, namespace, metric, { service })).toHaveLength(1);
    }
    const region = harness.env().AWS_REGION!;
    for (const metric of [METRIC.EXPORTED_JOBS, METRIC.DELETE_FAILED_JOBS]) {
      // The account whose jobs were listed (GetCallerIdentity) and the Region read, as the handler emits them.
      const perCollaboration = { service, [ACCOUNT_DIMENSION]: LOCAL_ACCOUNT_ID, [COLLABORATION_DIMENSION]: HEALTHY, [REGION_DIMENSION]: region };
      expect(emfValue(healthy.emf, namespace, metric, perCollaboration)).toHaveLength(1);
      const set = [ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, REGION_DIMENSION, 'service'].join(',');
      expect(body).toContain(`{\\\\\\"${namespace}\\\\\\",${set}} MetricName=\\\\\\"${metric}\\\\\\"`);
    }
  });
});

describe('the Glue table reads what the handler wrote', () => {
  function tableInput(): any {
    const [table] = Object.values(template.findResources('AWS::Glue::Table')) as any[];
    return stack.resolve(table.Properties.TableInput);
  }
  /** `s3://{Ref}/prefix/...` with the bucket token replaced by the local bucket. */
  function localLocation(value: unknown): string {
    const parts = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    return parts.map((p) => (typeof p === 'string' ? p : TEST_BUCKET)).join('');
  }

  it('every snapshot object lies under the table location, in the folder the projection template names', async () => {
    const input = tableInput();
    const location = localLocation(input.StorageDescriptor.Location);
    const template = localLocation(input.Parameters['storage.location.template']);
    const prefix = location.replace(`s3://${TEST_BUCKET}/`, '');
    const keys = await harness.listKeys(prefix);
    const snapshotKeys = keys.filter((k) => !path.basename(k).startsWith('_'));
    // {accountId}_{region}_{collaborationId}_{time}: the account whose jobs were listed, and the Region read.
    const owner = `${LOCAL_ACCOUNT_ID}_${harness.env().AWS_REGION}`;
    expect(snapshotKeys).toEqual([
      `${prefix}dt=2026-11-28/${owner}_${HEALTHY}_20261128T090000Z.ndjson.gz`,
      `${prefix}dt=2026-11-28/${owner}_${HEALTHY}_20261128T100000Z.ndjson.gz`,
      `${prefix}dt=2026-11-28/${owner}_${FLAKY}_20261128T090000Z.ndjson.gz`,
    ].sort());
    for (const key of snapshotKeys) {
      expect(`s3://${TEST_BUCKET}/${path.dirname(key)}/`).toBe(template.replace('${dt}', '2026-11-28'));
    }
    // The manifests sit beside the snapshots, hidden from Athena by their leading underscore.
    expect(keys.filter((k) => path.basename(k).startsWith('_manifest_'))).toHaveLength(2);
  });

  it('the columns are exactly the keys of every written record, status_details fields included', async () => {
    const input = tableInput();
    const columns = input.StorageDescriptor.Columns as { Name: string; Type: string }[];
    const records = await harness.readSnapshot(`audience-generation-jobs/dt=2026-11-28/${LOCAL_ACCOUNT_ID}_${harness.env().AWS_REGION}_${HEALTHY}_20261128T090000Z.ndjson.gz`);
    expect(records).toHaveLength(14);
    const structType = columns.find((c) => c.Name === 'status_details')!.Type;
    const structFields = [...structType.matchAll(/(\w+):\w+/g)].map((m) => m[1]);
    const timestampColumns = columns.filter((c) => c.Type === 'timestamp').map((c) => c.Name);
    const serdePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/; // yyyy-MM-dd'T'HH:mm:ss.SSS'Z'
    expect(input.StorageDescriptor.SerdeInfo.Parameters['timestamp.formats']).toBe(TIMESTAMP_SERDE_FORMAT);
    for (const record of records) {
      expect(Object.keys(record)).toEqual(columns.map((c) => c.Name));
      if (record.status_details !== null) expect(Object.keys(record.status_details)).toEqual(structFields);
      for (const name of timestampColumns) expect((record as unknown as Record<string, string>)[name]).toMatch(serdePattern);
    }
    expect(records.filter((r) => r.status === 'DELETE_FAILED').every((r) => r.status_details?.message)).toBe(true);
    expect(columns.map((c) => c.Name)).toEqual(SNAPSHOT_COLUMNS.map((c) => c.name));
  });
});

/**
 * A list of sources too big for the environment: the stack ships it as export-sources.json in the code and sets
 * EXPORT_SOURCES_FILE; the bundle, run with LAMBDA_TASK_ROOT at the asset folder (as /var/task on Lambda), reads it,
 * assumes exactly the roles the policy lets it assume, and writes one object per account, Region and collaboration.
 */
describe('sources shipped in the function code (EXPORT_SOURCES_FILE)', () => {
  const SCHEDULED = '2026-11-28T11:00:00Z';
  const PREFIX = 'sourced/';
  // Four member accounts in two Regions, each behind a role with a long external id: about 4.7 KB of JSON.
  const members = Array.from({ length: 4 }, (_, i) => ({
    accountId: String(444455556660 + i),
    region: i % 2 === 0 ? 'us-east-1' : 'eu-west-1',
    roleArn: `arn:aws:iam::${444455556660 + i}:role/AudienceJobsReader`,
    externalId: `exporter-${i}-${'x'.repeat(1100)}`,
  }));
  let sourcedTemplate: Template;
  let assetDir: string;
  let run: HandlerRun;

  beforeAll(async () => {
    const context = {
      ...CDK_JSON_CONTEXT,
      snapshotPrefix: PREFIX,
      sources: members.map((m) => ({ region: m.region, roleArn: m.roleArn, externalId: m.externalId, collaborationIds: [HEALTHY] })),
    };
    const app = new App({ context, builtinCloudFormationValidation: false });
    const sourcedStack = new AudienceJobsExporterStack(app, 'AudienceJobsExporter', { config: parseStackConfig((k) => app.node.tryGetContext(k)) });
    sourcedTemplate = Template.fromStack(sourcedStack);
    const [fn] = Object.values(sourcedTemplate.findResources('AWS::Lambda::Function')) as any[];
    assetDir = path.join(app.synth().directory, `asset.${(fn.Properties.Code.S3Key as string).replace(/\.zip$/, '')}`);
    for (const m of members) {
      harness.sts.addRole({ roleArn: m.roleArn, externalId: m.externalId });
      harness.emulator.seed(HEALTHY, generateJobs({ collaborationId: HEALTHY, count: 3, accountId: m.accountId, region: m.region }), { accountId: m.accountId, region: m.region });
    }
    // Lambda runs the code from /var/task and sets LAMBDA_TASK_ROOT to it.
    run = await invokeBundle(lambdaEnvironment(fn.Properties.Environment.Variables, { LAMBDA_TASK_ROOT: assetDir }), SCHEDULED, path.join(assetDir, 'index.js'));
  }, 120_000);

  it('the stack put the list in the code, not in the environment, and the run succeeded reading it', () => {
    const [fn] = Object.values(sourcedTemplate.findResources('AWS::Lambda::Function')) as any[];
    expect(fn.Properties.Environment.Variables[ENV.EXPORT_SOURCES_FILE]).toBe('export-sources.json');
    expect(fn.Properties.Environment.Variables[ENV.EXPORT_SOURCES]).toBeUndefined();
    expect(fs.existsSync(path.join(assetDir, 'export-sources.json'))).toBe(true);
    expect({ code: run.code, result: run.stderr.includes('RESULT ') }).toEqual({ code: 0, result: true });
  });

  it('the handler assumed exactly the roles the policy allows (sts:AssumeRole resources), each with its external id', () => {
    const statements = Object.values(sourcedTemplate.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const allowed = statements.find((st: any) => st.Sid === 'AssumeSourceRoles').Resource as string[];
    expect(allowed).toEqual(members.map((m) => m.roleArn).sort());
    for (const roleArn of allowed) expect({ roleArn, assumed: harness.sts.assumeRoleCount(roleArn) > 0 }).toEqual({ roleArn, assumed: true });
  });

  it('one object per account, Region and collaboration, at {accountId}_{region}_{collaborationId}_{time}, in the projected folder', async () => {
    const keys = (await harness.listKeys(PREFIX)).filter((k) => !path.basename(k).startsWith('_'));
    expect(keys).toEqual(members.map((m) => `${PREFIX}dt=2026-11-28/${m.accountId}_${m.region}_${HEALTHY}_20261128T110000Z.ndjson.gz`).sort());
    for (const m of members) {
      const records = await harness.readSnapshot(`${PREFIX}dt=2026-11-28/${m.accountId}_${m.region}_${HEALTHY}_20261128T110000Z.ndjson.gz`);
      expect(records.map((r) => [r.account_id, r.region])).toEqual(Array(3).fill([m.accountId, m.region]));
    }
  });

  it('the per-collaboration metrics carry the dimension set the dashboard searches, one series per account and Region', () => {
    const namespace = String(functionEnv[ENV.METRICS_NAMESPACE]);
    const service = String(functionEnv[ENV.SERVICE_NAME]);
    for (const m of members) {
      const dimensions = { service, [ACCOUNT_DIMENSION]: m.accountId, [COLLABORATION_DIMENSION]: HEALTHY, [REGION_DIMENSION]: m.region };
      expect(emfValue(run.emf, namespace, METRIC.EXPORTED_JOBS, dimensions)).toEqual([3]);
    }
  });
});
