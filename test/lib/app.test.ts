/**
 * The CDK app as CI runs it: `npx cdk synth` from the repository root, offline, with no AWS credentials, region or
 * profile, and no Docker. Real synths (they bundle the handler): with no context, with `-c sources=...` selecting
 * the AudienceJobsExporter stack, and the AudienceJobsReaderRole stack alone; and rejected configurations.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a fresh CI machine: no AWS_* or CDK_* variable, and a Docker that cannot run. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|CDK_)/.test(k)));
  return { ...env, CDK_DOCKER: '/nonexistent/docker-must-not-be-used', AWS_EC2_METADATA_DISABLED: 'true' };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = offlineEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-synth-test-'));
const ROLE = 'arn:aws:iam::444455556666:role/AudienceJobsReader';
const EXPORTER_ROLE = 'arn:aws:iam::111122223333:role/AudienceJobsExporter-ExporterRole9B408E7C-AbCdEf123456';
/** As a shell passes -c sources='[...]': one argument holding JSON (with an '=' inside the external id). */
const SOURCES = [
  { region: 'eu-west-1', roleArn: ROLE, externalId: 'exporter=7f3a', collaborationIds: '*' },
  { region: 'us-east-1', collaborationIds: ['3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01'] },
];

let synth: Run;
let rejected: Run;
let misspelt: Run;
let sourced: Run;
let reader: Run;
let badSources: Run;
let bothForms: Run;
let unacknowledged: Run;

beforeAll(async () => {
  [synth, rejected, misspelt, sourced, reader, badSources, bothForms, unacknowledged] = await Promise.all([
    run('npx', ['cdk', 'synth', '--quiet', '--output', path.join(outdir, 'ok')]),
    run('npx', ['cdk', 'synth', '--quiet', '--output', path.join(outdir, 'bad'), '-c', 'collaborationIds=*', '-c', 'compression=zip']),
    // The app alone, as the CLI starts it (CDK_OUTDIR and CDK_CONTEXT_JSON are how the CLI passes them).
    run('npx', ['tsx', 'bin/app.ts'], {
      ...offlineEnv(),
      CDK_OUTDIR: path.join(outdir, 'typo'),
      CDK_CONTEXT_JSON: JSON.stringify({ collaborationId: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01' }),
    }),
    run('npx', [
      'cdk',
      'synth',
      'AudienceJobsExporter',
      '--quiet',
      '--output',
      path.join(outdir, 'sources'),
      '-c',
      `sources=${JSON.stringify(SOURCES)}`,
    ]),
    run('npx', [
      'cdk',
      'synth',
      'AudienceJobsReaderRole',
      '--quiet',
      '--output',
      path.join(outdir, 'reader'),
      '-c',
      `exporterRoleArn=${EXPORTER_ROLE}`,
      '-c',
      'externalId=exporter=7f3a',
    ]),
    run('npx', [
      'cdk',
      'synth',
      '--quiet',
      '--output',
      path.join(outdir, 'bad-sources'),
      '-c',
      'sources=[{"region":"nowhere","collaborationIds":"*"}]',
    ]),
    run('npx', [
      'cdk',
      'synth',
      '--quiet',
      '--output',
      path.join(outdir, 'both'),
      '-c',
      'sources=[{"region":"eu-west-1","collaborationIds":"*"}]',
      '-c',
      'collaborationIds=*',
    ]),
    // The app with one resource cdk-nag flags, as the CLI starts it; cdk.json's context, and no bundling (not needed).
    run('npx', ['tsx', path.join('test', 'lib', 'app-with-unacknowledged-finding.ts')], {
      ...offlineEnv(),
      CDK_OUTDIR: path.join(outdir, 'finding'),
      CDK_CONTEXT_JSON: JSON.stringify({
        ...JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context,
        'aws:cdk:bundling-stacks': [],
      }),
    }),
  ]);
}, 180_000);

const templateOf = (dir: string, stack: string) => JSON.parse(fs.readFileSync(path.join(outdir, dir, `${stack}.template.json`), 'utf8'));

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

it('cdk.json keeps the CLI quiet and offline', () => {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
  expect(cdkJson).toMatchObject({
    app: 'npx tsx bin/app.ts',
    notices: false,
    versionReporting: false,
    context: { 'cli-telemetry': false },
  });
});

it('`npx cdk synth` with no context succeeds offline, bundles with esbuild (not Docker) and warns about the placeholder', () => {
  expect({ code: synth.code, stderr: synth.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(synth.stderr).toContain('collaborationIds is not set');
  expect(synth.stderr).toContain('-c collaborationIds=<uuid>');
  expect(synth.stderr).not.toMatch(/docker|Switching to Docker/i);
  const template = JSON.parse(fs.readFileSync(path.join(outdir, 'ok', 'AudienceJobsExporter.template.json'), 'utf8'));
  const schedule = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::Scheduler::Schedule') as any;
  expect(schedule.Properties).toMatchObject({ State: 'DISABLED', Target: { Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}' } });
  // Environment-agnostic: account and region are resolved at deploy time.
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'ok', 'manifest.json'), 'utf8'));
  expect(manifest.artifacts.AudienceJobsExporter.environment).toBe('aws://unknown-account/unknown-region');
});

it('with no context both stacks are synthesized, the reader role with its placeholder trust and a warning', () => {
  const template = templateOf('ok', 'AudienceJobsReaderRole');
  const [role] = Object.values<any>(template.Resources);
  expect(role.Type).toBe('AWS::IAM::Role');
  expect(role.Properties.AssumeRolePolicyDocument.Statement).toContainEqual({
    Sid: 'PlaceholderTrustsNoOne',
    Effect: 'Deny',
    Action: 'sts:AssumeRole',
    Principal: { AWS: '*' },
  });
  expect(synth.stderr).toContain('exporterRoleArn is not set');
  expect(synth.stderr).toContain('-c exporterRoleArn=<the ExporterRoleArn output of the AudienceJobsExporter stack>');
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'ok', 'manifest.json'), 'utf8'));
  expect(manifest.artifacts.AudienceJobsReaderRole.environment).toBe('aws://unknown-account/unknown-region');
  // Deployable where no CDK bootstrap exists (StackSets): no deploy role, no bootstrap version check.
  expect(manifest.artifacts.AudienceJobsReaderRole.properties.assumeRoleArn).toBeUndefined();
  expect(template.Parameters?.BootstrapVersion).toBeUndefined();
});

it('`npx cdk synth AudienceJobsExporter -c sources=...` succeeds offline: EXPORT_SOURCES set, the role assumed exactly, no placeholder', () => {
  expect({ code: sourced.code, stderr: sourced.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(sourced.stderr).not.toContain('collaborationIds is not set');
  expect(sourced.stderr).not.toMatch(/docker|Switching to Docker/i);
  const template = templateOf('sources', 'AudienceJobsExporter');
  const fn = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::Lambda::Function') as any;
  expect(fn.Properties.Environment.Variables.EXPORT_SOURCES).toBe(JSON.stringify(SOURCES));
  expect(fn.Properties.Environment.Variables.COLLABORATION_IDS).toBeUndefined();
  const statements = Object.values(template.Resources)
    .filter((r: any) => r.Type === 'AWS::IAM::Policy')
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
  expect(statements).toContainEqual({ Sid: 'AssumeSourceRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE });
  const schedule = Object.values(template.Resources).find((r: any) => r.Type === 'AWS::Scheduler::Schedule') as any;
  expect(schedule.Properties.State).toBe('ENABLED');
  expect(template.Outputs.ExporterRoleArn).toBeDefined();
});

it('`npx cdk synth AudienceJobsReaderRole -c exporterRoleArn=... -c externalId=...` succeeds offline and trusts exactly that role', () => {
  expect({ code: reader.code, stderr: reader.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(reader.stderr).not.toContain('exporterRoleArn is not set');
  const [role] = Object.values<any>(templateOf('reader', 'AudienceJobsReaderRole').Resources);
  expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: EXPORTER_ROLE },
      Condition: { StringEquals: { 'sts:ExternalId': 'exporter=7f3a' } },
    },
  ]);
  expect(role.Properties.RoleName).toBe('AudienceJobsReader');
});

it('bad sources fail the synth with one message naming the key, the value and the problem', () => {
  expect(badSources.code).not.toBe(0);
  expect(badSources.stderr).toContain(
    `Invalid context value sources='[{"region":"nowhere","collaborationIds":"*"}]': sources[0].region "nowhere" is not a Region name such as eu-west-1`,
  );
  expect(badSources.stderr).not.toMatch(/\n\s+at /);
  expect(fs.existsSync(path.join(outdir, 'bad-sources', 'AudienceJobsExporter.template.json'))).toBe(false);
});

it('sources with collaborationIds fail the synth with one message', () => {
  expect(bothForms.code).not.toBe(0);
  expect(bothForms.stderr).toContain(
    'Invalid context value sources=\'[{"region":"eu-west-1","collaborationIds":"*"}]\': cannot be combined with collaborationIds=\'*\'',
  );
  expect(bothForms.stderr).not.toMatch(/\n\s+at /);
});

it('a wrong value fails the synth with one message naming the key and the value', () => {
  expect(rejected.code).not.toBe(0);
  expect(rejected.stderr).toContain("Invalid context value compression='zip': must be gzip or none");
  expect(rejected.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(fs.existsSync(path.join(outdir, 'bad', 'AudienceJobsExporter.template.json'))).toBe(false);
});

it('the app runs cdk-nag AwsSolutions as a validation plugin: an unacknowledged finding fails the synth', () => {
  expect(unacknowledged.code).not.toBe(0);
  expect(unacknowledged.stderr).toContain("Acknowledge with 'AwsSolutions::AwsSolutions-S10'");
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'finding', 'validation-report.json'), 'utf8')) as {
    pluginReports: {
      pluginName: string;
      conclusion: string;
      violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
    }[];
  };
  const nag = report.pluginReports.find((r) => r.pluginName === 'AwsSolutions');
  expect(nag?.conclusion).toBe('failure');
  expect(nag!.violations.map((v) => [v.ruleName, v.violatingConstructs.map((c) => c.constructPath)])).toEqual(
    expect.arrayContaining([['AwsSolutions-S10', [`AudienceJobsReaderRole/UnacknowledgedBucket`]]]),
  );
  // The findings are the added bucket's alone: the stacks themselves have none unacknowledged.
  expect(nag!.violations.flatMap((v) => v.violatingConstructs.map((c) => c.constructPath))).toEqual(
    nag!.violations.map(() => 'AudienceJobsReaderRole/UnacknowledgedBucket'),
  );
});

it('a misspelt key fails instead of silently selecting the placeholder', () => {
  expect(misspelt.code).toBe(1);
  expect(misspelt.stderr.trim()).toBe("Unknown context key 'collaborationId' (did you mean 'collaborationIds'?)");
});
