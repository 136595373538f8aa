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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, ENV, METRIC, REGION_DIMENSION } from '../../lambda/commons/constants';
import { SNAPSHOT_COLUMNS, TIMESTAMP_SERDE_FORMAT } from '../../lambda/snapshot/record-schema';
import { collaborationIndexKey } from '../../lambda/status/collaboration-index';
import { generateJobs } from '../../local/emulator';
import {
  alarmDimensions,
  evaluateAlarms,
  functionSettings,
  invokeHandler,
  localFunction,
  metricValues,
  synthesizeDeployableStack,
  templateAlarms,
  type AlarmProperties,
  type DeployableStack,
  type HandlerRun,
} from '../../local/lambda-runtime';
import { ExportHarness, LOCAL_ACCOUNT_ID, TEST_BUCKET } from '../support/export-harness';

const HEALTHY = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const FLAKY = '00000000-0000-4000-8000-000000000002';
const SCHEDULED_OK = '2026-11-28T09:00:00Z';
const SCHEDULED_FAILING = '2026-11-28T10:00:00Z';
const FUNCTION_NAME = 'AudienceJobsExporter-Exporter';

let deployable: DeployableStack;
let template: Template;
let functionEnv: Record<string, unknown>;
let harness: ExportHarness;
let healthy: HandlerRun;
let failing: HandlerRun;

/** The stack synthesized with this context on top of cdk.json's (the local Lambda runtime's cached synth). */
function synthesize(context: Record<string, unknown>): DeployableStack {
  return synthesizeDeployableStack({ context, onOutput: () => undefined });
}

/**
 * Runs the deployed bundle once in a fresh Node.js process, as Lambda would (one invocation): the function's
 * environment from the template (only the bucket name differs), pointed at the harness's servers.
 */
function invokeDeployed(stack: DeployableStack, scheduledTime: string): Promise<HandlerRun> {
  const settings = functionSettings(stack.template, stack.functionLogicalId, TEST_BUCKET);
  const { emulator, s3Server, sts, eventBridge } = harness.aws;
  const endpoints = { cleanRoomsMl: emulator.endpoint, s3: s3Server.endpoint, sts: sts.endpoint, eventBridge: eventBridge.endpoint };
  return invokeHandler({
    ...localFunction(stack, settings, { functionName: FUNCTION_NAME, region: harness.aws.region, endpoints }),
    event: { scheduledTime },
  });
}

/** The function's variables as the template sets them (tokens unresolved). */
function templateVariables(stack: DeployableStack): Record<string, unknown> {
  const properties = stack.template.Resources[stack.functionLogicalId].Properties as {
    Environment: { Variables: Record<string, unknown> };
  };
  return properties.Environment.Variables;
}

beforeAll(async () => {
  deployable = synthesize({ collaborationIds: `${HEALTHY},${FLAKY}` });
  template = Template.fromJSON(deployable.template);
  functionEnv = templateVariables(deployable);

  harness = await ExportHarness.start();
  // Every status of the model in turn: 14 jobs include 2 DELETE_FAILED.
  harness.emulator.seed(HEALTHY, generateJobs({ collaborationId: HEALTHY, count: 14 }));
  harness.emulator.seed(FLAKY, generateJobs({ collaborationId: FLAKY, count: 3, statuses: ['ACTIVE'] }));

  healthy = await invokeDeployed(deployable, SCHEDULED_OK);
  harness.emulator.faults.denyCollaboration(FLAKY);
  failing = await invokeDeployed(deployable, SCHEDULED_FAILING);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

function handlerAlarms(): AlarmProperties[] {
  return templateAlarms(deployable.template).filter((a) => !a.Namespace.startsWith('AWS/'));
}

/** Per handler alarm (by metric): would its condition hold on this run's data point, as the runtime evaluates the template's alarms. */
function breachedAlarms(run: HandlerRun): Record<string, boolean> {
  const verdicts = new Map(
    evaluateAlarms(deployable.template, { emf: run.emf, invocationFailed: run.outcome.status !== 'resolved' }).map((v) => [
      v.name,
      v.verdict,
    ]),
  );
  return Object.fromEntries(
    handlerAlarms().map((a) => [a.MetricName, verdicts.get(a.AlarmName) === 'fires' || verdicts.get(a.AlarmName) === 'breaching']),
  );
}

describe('the deployed bundle, run with the template environment', () => {
  it('exports both collaborations on the healthy run and fails the run with a denied collaboration', () => {
    expect(healthy.outcome.status).toBe('resolved');
    expect(healthy.exitCode).toBe(0);
    expect(failing.exitCode).toBe(2);
    expect(failing.outcome.status).toBe('rejected');
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
    expect(
      handlerAlarms()
        .map((a) => a.MetricName)
        .sort(),
    ).toEqual([METRIC.DELETE_FAILED_JOBS, METRIC.EXPORT_SUCCEEDED, METRIC.FAILED_COLLABORATIONS].sort());
  });

  it.each([METRIC.DELETE_FAILED_JOBS, METRIC.FAILED_COLLABORATIONS, METRIC.EXPORT_SUCCEEDED])(
    '%s: namespace, metric name, dimension names and values are found in the EMF output of both runs',
    (metricName) => {
      const alarm = handlerAlarms().find((a) => a.MetricName === metricName)!;
      expect(alarm.Dimensions?.every((d) => typeof d.Value === 'string')).toBe(true);
      for (const run of [healthy, failing]) {
        expect(metricValues(run.emf, alarm.Namespace, alarm.MetricName, alarmDimensions(alarm))).toHaveLength(1);
      }
    },
  );

  it('each alarm is OK after the healthy run except DELETE_FAILED, which the seeded jobs trigger', () => {
    expect(breachedAlarms(healthy)).toEqual({
      [METRIC.DELETE_FAILED_JOBS]: true, // 2 jobs in DELETE_FAILED
      [METRIC.FAILED_COLLABORATIONS]: false,
      [METRIC.EXPORT_SUCCEEDED]: false,
    });
    expect(breachedAlarms(failing)).toEqual({
      [METRIC.DELETE_FAILED_JOBS]: true,
      [METRIC.FAILED_COLLABORATIONS]: true,
      [METRIC.EXPORT_SUCCEEDED]: true, // ExportSucceeded = 0
    });
    const deleteFailed = handlerAlarms().find((a) => a.MetricName === METRIC.DELETE_FAILED_JOBS)!;
    expect(metricValues(healthy.emf, deleteFailed.Namespace, METRIC.DELETE_FAILED_JOBS, alarmDimensions(deleteFailed))).toEqual([2]);
  });

  it('the dashboard graphs the same metrics: totals by service, per collaboration by {AccountId, CollaborationId, Region, service}', () => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as any[];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    const namespace = functionEnv[ENV.METRICS_NAMESPACE] as string;
    const service = functionEnv[ENV.SERVICE_NAME] as string;
    for (const metric of Object.values(METRIC)) {
      expect(body).toContain(`\\"${namespace}\\",\\"${metric}\\",\\"service\\",\\"${service}\\"`);
      expect(metricValues(healthy.emf, namespace, metric, { service })).toHaveLength(1);
    }
    const region = harness.env().AWS_REGION!;
    for (const metric of [METRIC.EXPORTED_JOBS, METRIC.DELETE_FAILED_JOBS]) {
      // The account whose jobs were listed (GetCallerIdentity) and the Region read, as the handler emits them.
      const perCollaboration = {
        service,
        [ACCOUNT_DIMENSION]: LOCAL_ACCOUNT_ID,
        [COLLABORATION_DIMENSION]: HEALTHY,
        [REGION_DIMENSION]: region,
      };
      expect(metricValues(healthy.emf, namespace, metric, perCollaboration)).toHaveLength(1);
      const set = [ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, REGION_DIMENSION, 'service'].join(',');
      expect(body).toContain(`{\\\\\\"${namespace}\\\\\\",${set}} MetricName=\\\\\\"${metric}\\\\\\"`);
    }
  });
});

describe('the Glue table reads what the handler wrote', () => {
  function tableInput(): any {
    const [table] = Object.values(template.findResources('AWS::Glue::Table')) as any[];
    return table.Properties.TableInput;
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
    const keys = await harness.reader.listKeys(prefix);
    // The pointers ({prefix}_state/...) lie outside every projected folder: Athena never reads them.
    const snapshotKeys = keys.filter((k) => !path.basename(k).startsWith('_') && !k.startsWith(`${prefix}_state/`));
    // {accountId}_{region}_{collaborationId}_{time}: the account whose jobs were listed, and the Region read.
    const owner = `${LOCAL_ACCOUNT_ID}_${harness.env().AWS_REGION}`;
    expect(snapshotKeys).toEqual(
      [
        `${prefix}dt=2026-11-28/${owner}_${HEALTHY}_20261128T090000Z.ndjson.gz`,
        `${prefix}dt=2026-11-28/${owner}_${HEALTHY}_20261128T100000Z.ndjson.gz`,
        `${prefix}dt=2026-11-28/${owner}_${FLAKY}_20261128T090000Z.ndjson.gz`,
      ].sort(),
    );
    for (const key of snapshotKeys) {
      expect(`s3://${TEST_BUCKET}/${path.dirname(key)}/`).toBe(template.replace('${dt}', '2026-11-28'));
    }
    // The manifests sit beside the snapshots, hidden from Athena by their leading underscore.
    expect(keys.filter((k) => path.basename(k).startsWith('_manifest_'))).toHaveLength(2);
    // One pointer per account, Region and collaboration, in the _state/ folder, which no partition template names.
    expect(keys.filter((k) => k.startsWith(`${prefix}_state/`))).toEqual(
      [`${prefix}_state/${owner}_${FLAKY}.json`, `${prefix}_state/${owner}_${HEALTHY}.json`].sort(),
    );
    expect(template).toContain('/dt=${dt}/');
  });

  it('the function may read exactly the pointers and snapshot objects it wrote (s3:GetObject), and write every object it wrote', async () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    /** An IAM object ARN of the template (bucket ARN + "/key pattern") as a regex over keys: `*` is any characters. */
    const keyPattern = (resource: unknown) => {
      const parts = (resource as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      const key = String(parts[parts.length - 1]).replace(/^\//, '');
      return new RegExp(
        `^${key
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      );
    };
    const reads = [statements.find((st: any) => st.Sid === 'ReadPreviousSnapshots').Resource].flat().map(keyPattern);
    const writes = [statements.find((st: any) => st.Sid === 'WriteSnapshots').Resource].flat().map(keyPattern);
    expect(statements.find((st: any) => st.Sid === 'ReadPreviousSnapshots').Action).toBe('s3:GetObject');
    const keys = await harness.reader.listKeys('audience-generation-jobs/');
    const readable = (key: string) => reads.some((r) => r.test(key));
    for (const key of keys) expect({ key, writable: writes.some((w) => w.test(key)) }).toEqual({ key, writable: true });
    const pointers = keys.filter((k) => k.includes('/_state/'));
    const snapshots = keys.filter((k) => /\.ndjson(\.gz)?$/.test(k));
    const manifests = keys.filter((k) => path.basename(k).startsWith('_manifest_'));
    expect([pointers.length, snapshots.length, manifests.length]).toEqual([2, 3, 2]);
    for (const key of [...pointers, ...snapshots]) expect({ key, readable: readable(key) }).toEqual({ key, readable: true });
    // Not the manifests, nor any other key under the prefix.
    for (const key of [...manifests, 'audience-generation-jobs/other.json', 'audience-generation-jobs/dt=2026-11-28/x.json']) {
      expect({ key, readable: readable(key) }).toEqual({ key, readable: false });
    }
    // A `*` source's collaboration index lies in the pointers' folder: readable and writable as they are.
    const index = collaborationIndexKey('audience-generation-jobs/', { accountId: LOCAL_ACCOUNT_ID, region: 'us-east-1' });
    expect({ index, readable: readable(index), writable: writes.some((w) => w.test(index)) }).toEqual({
      index,
      readable: true,
      writable: true,
    });
    // The pointers name snapshot objects the function may read.
    for (const key of pointers) {
      const pointer = JSON.parse((await harness.reader.readObject(key)).toString('utf8')) as { snapshots: { key: string }[] };
      for (const entry of pointer.snapshots)
        expect({ key: entry.key, readable: readable(entry.key) }).toEqual({ key: entry.key, readable: true });
    }
  });

  it('the columns are exactly the keys of every written record, status_details fields included', async () => {
    const input = tableInput();
    const columns = input.StorageDescriptor.Columns as { Name: string; Type: string }[];
    const records = await harness.reader.readSnapshot(
      `audience-generation-jobs/dt=2026-11-28/${LOCAL_ACCOUNT_ID}_${harness.env().AWS_REGION}_${HEALTHY}_20261128T090000Z.ndjson.gz`,
    );
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
  let sourced: DeployableStack;
  let sourcedTemplate: Template;
  let assetDir: string;
  let run: HandlerRun;

  beforeAll(async () => {
    sourced = synthesize({
      snapshotPrefix: PREFIX,
      sources: members.map((m) => ({ region: m.region, roleArn: m.roleArn, externalId: m.externalId, collaborationIds: [HEALTHY] })),
    });
    sourcedTemplate = Template.fromJSON(sourced.template);
    assetDir = path.dirname(sourced.bundleFile);
    for (const m of members) {
      harness.sts.addRole({ roleArn: m.roleArn, externalId: m.externalId });
      harness.emulator.seed(HEALTHY, generateJobs({ collaborationId: HEALTHY, count: 3, accountId: m.accountId, region: m.region }), {
        accountId: m.accountId,
        region: m.region,
      });
    }
    // Lambda runs the code from /var/task and sets LAMBDA_TASK_ROOT to it: the runtime does the same with the asset folder.
    run = await invokeDeployed(sourced, SCHEDULED);
  }, 120_000);

  it('the stack put the list in the code, not in the environment, and the run succeeded reading it', () => {
    const variables = templateVariables(sourced);
    expect(variables[ENV.EXPORT_SOURCES_FILE]).toBe('export-sources.json');
    expect(variables[ENV.EXPORT_SOURCES]).toBeUndefined();
    expect(fs.existsSync(path.join(assetDir, 'export-sources.json'))).toBe(true);
    expect({ code: run.exitCode, outcome: run.outcome.status }).toEqual({ code: 0, outcome: 'resolved' });
  });

  it('the handler assumed exactly the roles the policy allows (sts:AssumeRole resources), each with its external id', () => {
    const statements = Object.values(sourcedTemplate.findResources('AWS::IAM::Policy')).flatMap(
      (p: any) => p.Properties.PolicyDocument.Statement,
    );
    const allowed = statements.find((st: any) => st.Sid === 'AssumeSourceRoles').Resource as string[];
    expect(allowed).toEqual(members.map((m) => m.roleArn).sort());
    for (const roleArn of allowed)
      expect({ roleArn, assumed: harness.sts.assumeRoleCount(roleArn) > 0 }).toEqual({ roleArn, assumed: true });
  });

  it('one object per account, Region and collaboration, at {accountId}_{region}_{collaborationId}_{time}, in the projected folder', async () => {
    const keys = (await harness.reader.listKeys(PREFIX)).filter(
      (k) => !path.basename(k).startsWith('_') && !k.startsWith(`${PREFIX}_state/`),
    );
    expect(keys).toEqual(
      members.map((m) => `${PREFIX}dt=2026-11-28/${m.accountId}_${m.region}_${HEALTHY}_20261128T110000Z.ndjson.gz`).sort(),
    );
    for (const m of members) {
      const records = await harness.reader.readSnapshot(
        `${PREFIX}dt=2026-11-28/${m.accountId}_${m.region}_${HEALTHY}_20261128T110000Z.ndjson.gz`,
      );
      expect(records.map((r) => [r.account_id, r.region])).toEqual(Array(3).fill([m.accountId, m.region]));
    }
  });

  it('the per-collaboration metrics carry the dimension set the dashboard searches, one series per account and Region', () => {
    const namespace = String(functionEnv[ENV.METRICS_NAMESPACE]);
    const service = String(functionEnv[ENV.SERVICE_NAME]);
    for (const m of members) {
      const dimensions = { service, [ACCOUNT_DIMENSION]: m.accountId, [COLLABORATION_DIMENSION]: HEALTHY, [REGION_DIMENSION]: m.region };
      expect(metricValues(run.emf, namespace, METRIC.EXPORTED_JOBS, dimensions)).toEqual([3]);
    }
  });
});
