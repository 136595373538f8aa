/**
 * The CDK app as CI runs it: `npx cdk synth` from the repository root, offline, with no AWS credentials, region or
 * profile, and no Docker. One real synth (it bundles the handler) and one rejected configuration.
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
let synth: Run;
let rejected: Run;
let misspelt: Run;

beforeAll(async () => {
  [synth, rejected, misspelt] = await Promise.all([
    run('npx', ['cdk', 'synth', '--quiet', '--output', path.join(outdir, 'ok')]),
    run('npx', ['cdk', 'synth', '--quiet', '--output', path.join(outdir, 'bad'), '-c', 'collaborationIds=*', '-c', 'compression=zip']),
    // The app alone, as the CLI starts it (CDK_OUTDIR and CDK_CONTEXT_JSON are how the CLI passes them).
    run('npx', ['tsx', 'bin/app.ts'], {
      ...offlineEnv(),
      CDK_OUTDIR: path.join(outdir, 'typo'),
      CDK_CONTEXT_JSON: JSON.stringify({ collaborationId: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01' }),
    }),
  ]);
}, 120_000);

afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

it('cdk.json keeps the CLI quiet and offline', () => {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'));
  expect(cdkJson).toMatchObject({ app: 'npx tsx bin/app.ts', notices: false, versionReporting: false, context: { 'cli-telemetry': false } });
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

it('a wrong value fails the synth with one message naming the key and the value', () => {
  expect(rejected.code).not.toBe(0);
  expect(rejected.stderr).toContain("Invalid context value compression='zip': expected 'gzip' or 'none'");
  expect(rejected.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(fs.existsSync(path.join(outdir, 'bad', 'AudienceJobsExporter.template.json'))).toBe(false);
});

it('a misspelt key fails instead of silently selecting the placeholder', () => {
  expect(misspelt.code).toBe(1);
  expect(misspelt.stderr.trim()).toBe("Unknown context key 'collaborationId' (did you mean 'collaborationIds'?)");
});
