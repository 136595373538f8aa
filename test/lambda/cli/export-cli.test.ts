/** The CLI as a user runs it: a child process with the environment, against the emulator and a local S3. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { generateJobs, type EmulatorJob } from '../../../local/emulator';
import { ExportHarness } from '../../support/export-harness';
import { collaborationId } from '../../support/ids';

const ROOT = resolve(__dirname, '../../..');

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'lambda/cli/export-cli.ts', ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => {
        done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let harness: ExportHarness;
const good = collaborationId(901);
const denied = collaborationId(902);
let goodJobs: EmulatorJob[];

beforeAll(async () => {
  harness = await ExportHarness.start();
  goodJobs = generateJobs({ collaborationId: good, count: 14 });
  harness.emulator.seed(good, goodJobs);
  harness.emulator.seed(denied, generateJobs({ collaborationId: denied, count: 3 }));
  harness.emulator.faults.denyCollaboration(denied);
});

afterAll(async () => {
  await harness.stop();
});

test('exits 0 and prints the summary and the DeleteFailedJobs metric when every collaboration succeeded', async () => {
  const result = await runCli(['--scheduled-time', '2026-11-28T09:00:00Z'], harness.env({ COLLABORATION_IDS: good }));

  expect(result.code).toBe(0);
  expect(result.stdout).toContain('Export SUCCEEDED for scheduled time 2026-11-28T09:00:00.000Z');
  // jobs, DELETE_FAILED, pages, bytes; then events sent and failed: "-", the first snapshot has nothing to compare with.
  expect(result.stdout).toMatch(new RegExp(`${good}\\s+succeeded\\s+14\\s+2\\s+1\\s+\\d+\\s+-\\s+-\\s+audience-generation-jobs/`));
  expect(result.stdout).toContain('Status events: 0 sent, 0 failed');
  expect(result.stdout).toContain(`Manifest: s3://snapshots-test/audience-generation-jobs/dt=2026-11-28/_manifest_20261128T090000Z.json`);
  const emf = result.stdout
    .split('\n')
    .filter((l) => l.startsWith('{"_aws"'))
    .map((l) => JSON.parse(l));
  expect(emf.some((doc) => doc.DeleteFailedJobs === 2 && doc.CollaborationId === undefined)).toBe(true);
  expect(await harness.reader.listKeys(`audience-generation-jobs/dt=2026-11-28/111122223333_us-east-1_${good}`)).toHaveLength(1);
});

test('--collaboration-ids overrides the environment; exits 1 when a collaboration failed', async () => {
  const result = await runCli(
    ['--scheduled-time', '2026-11-28T11:00:00Z', '--collaboration-ids', `${good},${denied}`],
    harness.env({ COLLABORATION_IDS: good }),
  );

  expect(result.code).toBe(1);
  expect(result.stdout).toContain('Export FAILED (collaboration_failed)');
  expect(result.stdout).toMatch(new RegExp(`${denied}\\s+failed.*AccessDeniedException`));
  expect(await harness.reader.listKeys(`audience-generation-jobs/dt=2026-11-28/111122223333_us-east-1_${denied}`)).toEqual([]);
});

test('prints the status events sent and failed; exits 1 when some could not be delivered', async () => {
  const eventBridge = harness.aws.eventBridge;
  eventBridge.clear();
  const [first, second] = goodJobs;
  harness.emulator.updateJob(first.audienceGenerationJobArn, { status: 'DELETE_PENDING' });
  const sent = await runCli(['--scheduled-time', '2026-11-28T12:00:00Z'], harness.env({ COLLABORATION_IDS: good }));

  expect(sent.code).toBe(0);
  expect(sent.stdout).toMatch(new RegExp(`${good}\\s+succeeded\\s+14\\s+2\\s+1\\s+\\d+\\s+1\\s+0\\s+audience-generation-jobs/`));
  expect(sent.stdout).toContain('Status events: 1 sent, 0 failed');
  expect(eventBridge.events.map((e) => e.detail.audience_generation_job_arn)).toEqual([first.audienceGenerationJobArn]);

  harness.emulator.updateJob(second.audienceGenerationJobArn, { status: 'DELETE_PENDING' });
  eventBridge.faults.failAlways({ errorCode: 'InternalFailure' });
  try {
    const failed = await runCli(['--scheduled-time', '2026-11-28T13:00:00Z'], harness.env({ COLLABORATION_IDS: good }));
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Export FAILED (status_events_failed)');
    expect(failed.stdout).toMatch(new RegExp(`${good}\\s+succeeded\\s+14\\s+2\\s+1\\s+\\d+\\s+0\\s+1\\s+audience-generation-jobs/`));
    expect(failed.stdout).toContain('Status events: 0 sent, 1 failed');
  } finally {
    eventBridge.faults.reset();
  }
});

test('bad configuration: exits 1 with one clear error naming the value, before any API call', async () => {
  harness.emulator.clearRequests();
  const upperCase = '0B6F7C1E-AAAA-4BBB-8CCC-123456789012';
  const result = await runCli([], harness.env({ COLLABORATION_IDS: upperCase }));

  expect(result.code).toBe(1);
  expect(result.stderr).toContain(`error: COLLABORATION_IDS item 1 "${upperCase}" must be lowercase`);
  expect(harness.emulator.requests).toHaveLength(0);
});

test('--help documents the options and the exit status', async () => {
  const result = await runCli(['--help'], {});

  expect(result.code).toBe(0);
  expect(result.stdout).toContain('--scheduled-time <iso8601>');
  expect(result.stdout).toContain('--collaboration-ids <ids>');
  expect(result.stdout).toContain('Exit status: 0 when every collaboration was exported and every status event delivered, 1 otherwise');
  for (const variable of ['EVENT_BUS_NAME', 'STATUS_EVENTS', 'AWS_ENDPOINT_URL_EVENTBRIDGE']) expect(result.stdout).toContain(variable);
});
