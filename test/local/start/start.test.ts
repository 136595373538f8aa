/**
 * `npm start`, as a user runs it: each scenario in its own process, one after the other (they share the cached
 * synth), asserting on what it prints, on the files it says it wrote, and on the servers being gone afterwards.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SAMPLE_COLLABORATIONS } from '../../../local/start/sample-data';
import { connectionRefused } from '../../support/connection-refused';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = path.join(ROOT, 'local', 'start', 'main.ts');
const DENIED = SAMPLE_COLLABORATIONS[1];
const ALL_JOBS = SAMPLE_COLLABORATIONS.reduce((n, c) => n + c.jobs, 0);

interface StartRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  ms: number;
}

let dataDir: string;

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-test-'));
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `npm start` (or tsx on main.ts) to its end; `onOutput` sees the output so far and the child. */
function start(args: string[], options: { viaNpm?: boolean; onOutput?: (output: string, pid: number) => void } = {}): Promise<StartRun> {
  const [command, argv] = options.viaNpm ? ['npm', ['start', '--', ...args]] : [TSX, [MAIN, ...args]];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      options.onOutput?.(output, child.pid!);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output, ms: performance.now() - started }));
  });
}

/** The files listed under "objects the handler wrote", with their announced sizes. */
function listedFiles(output: string): { file: string; bytes: number }[] {
  return [...output.matchAll(/^ {4}(\/\S+) {2}\((\d+) bytes\)$/gm)].map((m) => ({ file: m[1], bytes: Number(m[2]) }));
}

/** Alarm name (without the stack prefix) → verdict word, from the alarm section. */
function verdicts(output: string): Record<string, string> {
  return Object.fromEntries([...output.matchAll(/^ {2}(FIRES|BREACHING|ok|n\/a) +AudienceJobsExporter-(\w+) /gm)].map((m) => [m[2], m[1]]));
}

/** The endpoints of the two servers, from the progress lines. */
function endpoints(output: string): string[] {
  return [
    /starting the Clean Rooms ML emulator… ok \([^)]*\) (http:\/\/127\.0\.0\.1:\d+)/,
    /starting the local S3 server… ok \([^)]*\) (http:\/\/127\.0\.0\.1:\d+)/,
  ].map((re) => {
    const match = re.exec(output);
    if (!match) throw new Error(`no endpoint ${re} in:\n${output}`);
    return match[1];
  });
}

function ndjsonLines(file: string): Record<string, unknown>[] {
  const text = gunzipSync(fs.readFileSync(file)).toString('utf8');
  return text === ''
    ? []
    : text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** What every completed run must show: progress, the report sections, real files, stopped servers. */
async function expectCompleteRun(run: StartRun, scenario: string): Promise<void> {
  if (run.code !== 0) throw new Error(`npm start --scenario ${scenario} exited ${run.code}:\n${run.output}`);
  expect(run.output).toContain(`npm start: scenario ${scenario}`);
  expect(run.output).toMatch(/▸ invoking the deployed handler with \{"scheduledTime": "[\d-]+T[\d:]+Z"\}/);
  expect(run.output).toMatch(/^ {2}status +3f1c2a4e +7a9d0b21 +c4e8f2a6 +e2b4d6f8 +5d7f9b1e +total$/m);
  expect(run.output).toContain('Alarms of the stack, evaluated on the metrics this run emitted');
  expect(run.output).toMatch(/▸ stopping the servers… ok \([^)]*\) .*local S3 server, Clean Rooms ML emulator/);
  expect(run.output).toMatch(/\nDone in [\d.]+ m?s\.\n/);
  for (const endpoint of endpoints(run.output)) expect(await connectionRefused(endpoint)).toBe(true);

  const files = listedFiles(run.output);
  expect(files.length).toBeGreaterThan(0);
  for (const { file, bytes } of files) {
    expect(path.isAbsolute(file)).toBe(true);
    expect(file.startsWith(path.join(dataDir, scenario) + path.sep)).toBe(true);
    expect(fs.statSync(file).size).toBe(bytes);
  }
  expect(files.filter((f) => path.basename(f.file).startsWith('_manifest_'))).toHaveLength(1);
}

/** The snapshot files of the run, by collaboration id. */
function snapshotsByCollaboration(output: string): Map<string, Record<string, unknown>[]> {
  const snapshots = listedFiles(output).filter((f) => f.file.endsWith('.ndjson.gz'));
  return new Map(snapshots.map((f) => [path.basename(f.file).split('_')[2], ndjsonLines(f.file)]));
}

describe('npm start', () => {
  it('--help lists the scenarios', async () => {
    const run = await start(['--help']);
    expect(run.code).toBe(0);
    for (const name of ['healthy', 'delete-failed', 'throttled', 'partial-failure', 'status-changes'])
      expect(run.output).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });

  it('default (delete-failed): the status table, the DELETE_FAILED jobs with their reasons, the DeleteFailedJobs alarm', async () => {
    const run = await start(['--data-dir', dataDir], { viaNpm: true });
    await expectCompleteRun(run, 'delete-failed');
    expect(run.output).toMatch(/^ {2}DELETE_FAILED +4 +2 +1 +1 +0 +8$/m);
    expect(run.output).toMatch(new RegExp(`^ {2}total +350 +140 +90 +40 +6 +${ALL_JOBS}$`, 'm'));
    expect(run.output).toContain('DELETE_FAILED jobs in the latest snapshot: 8');
    expect(run.output).toContain('INTERNAL_ERROR: The audience generation job could not be deleted. Try again later.');
    expect(run.output).toContain('ACCESS_DENIED: The service role cannot delete the generated audience');
    expect(run.output).toContain('RESOURCE_IN_USE: The audience is still used by an audience export job');
    expect(run.output).toContain('DeleteFailedJobs = 8 ≥ 1');
    expect(verdicts(run.output)).toEqual({
      DeleteFailedJobs: 'FIRES',
      FailedCollaborations: 'ok',
      NoSuccessfulExport: 'ok',
      FunctionErrors: 'ok',
      SchedulerDeadLetters: 'n/a',
      FailedInvocations: 'n/a',
    });
    // The files hold what the report says: every job, and the DELETE_FAILED ones with their status details.
    const snapshots = snapshotsByCollaboration(run.output);
    expect(snapshots.size).toBe(SAMPLE_COLLABORATIONS.length);
    for (const c of SAMPLE_COLLABORATIONS) expect(snapshots.get(c.id)).toHaveLength(c.jobs);
    const deleteFailed = [...snapshots.values()].flat().filter((r) => r.status === 'DELETE_FAILED');
    expect(deleteFailed).toHaveLength(8);
    for (const r of deleteFailed) expect((r.status_details as { message: string }).message).toBeTruthy();
  }, 90_000);

  it('running it again wipes the scenario folder and shows exactly the new run', async () => {
    const marker = path.join(dataDir, 'delete-failed', 'left-from-before');
    fs.writeFileSync(marker, 'x');
    const run = await start(['--data-dir', dataDir]);
    await expectCompleteRun(run, 'delete-failed');
    expect(fs.existsSync(marker)).toBe(false);
    const onDisk = fs
      .readdirSync(path.join(dataDir, 'delete-failed', 'snapshots'), { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile());
    expect(onDisk.map((d) => path.join(d.parentPath, d.name)).sort()).toEqual(
      listedFiles(run.output)
        .map((f) => f.file)
        .sort(),
    );
    expect(run.ms).toBeLessThan(30_000);
  }, 90_000);

  it('healthy: no DELETE_FAILED job, no alarm fires', async () => {
    const run = await start(['--scenario', 'healthy', '--data-dir', dataDir]);
    await expectCompleteRun(run, 'healthy');
    expect(run.output).toMatch(/^Handler: resolved in [\d.]+ s: \{"status":"succeeded"/m);
    expect(run.output).toContain('DELETE_FAILED jobs in the latest snapshot: 0');
    expect(run.output).toContain('No alarm would fire on this run.');
    expect(verdicts(run.output)).toMatchObject({
      DeleteFailedJobs: 'ok',
      FailedCollaborations: 'ok',
      NoSuccessfulExport: 'ok',
      FunctionErrors: 'ok',
    });
  }, 90_000);

  it('throttled: requests are answered 429 and retried, and the run completes with every job', async () => {
    const run = await start(['--scenario', 'throttled', '--data-dir', dataDir]);
    await expectCompleteRun(run, 'throttled');
    const throttled = /429 × (\d+); \1 throttled and retried by the client/.exec(run.output);
    expect(Number(throttled?.[1])).toBeGreaterThan(0);
    expect(run.output).toMatch(/^Handler: resolved in/m);
    for (const c of SAMPLE_COLLABORATIONS)
      expect(run.output).toMatch(new RegExp(`${c.id} .* ${c.jobs} jobs in \\d+ pages?, complete$`, 'm'));
    expect(verdicts(run.output)).toMatchObject({
      DeleteFailedJobs: 'FIRES',
      FailedCollaborations: 'ok',
      NoSuccessfulExport: 'ok',
      FunctionErrors: 'ok',
    });
  }, 90_000);

  it('partial-failure: the denied collaboration fails alone, the handler throws, the others are complete; exits 0', async () => {
    const run = await start(['--scenario', 'partial-failure', '--data-dir', dataDir]);
    await expectCompleteRun(run, 'partial-failure');
    expect(run.output).toMatch(/^Handler: THREW after [\d.]+ s: ExportFailedError: 1 of 5 collaborations failed/m);
    expect(run.output).toMatch(new RegExp(`${DENIED.id} .* FAILED, no snapshot this run: AccessDeniedException`));
    expect(run.output).toContain(`Isolation: ${DENIED.id.split('-')[0]} failed alone; the other 4 collaborations' snapshots are complete`);
    expect(verdicts(run.output)).toMatchObject({
      DeleteFailedJobs: 'FIRES',
      FailedCollaborations: 'FIRES',
      NoSuccessfulExport: 'BREACHING',
      FunctionErrors: 'FIRES',
    });
    const snapshots = snapshotsByCollaboration(run.output);
    expect(snapshots.has(DENIED.id)).toBe(false);
    for (const c of SAMPLE_COLLABORATIONS.filter((x) => x !== DENIED)) expect(snapshots.get(c.id)).toHaveLength(c.jobs);
  }, 90_000);

  it('Ctrl-C while the handler runs: stops the handler process and both servers, exits 130', async () => {
    let sent = false;
    let handlerPid: number | undefined;
    const run = await start(['--scenario', 'throttled', '--data-dir', dataDir], {
      onOutput: (output, pid) => {
        const match = /Node\.js process (\d+),/.exec(output);
        if (match && !sent) {
          sent = true;
          handlerPid = Number(match[1]);
          process.kill(pid, 'SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.output).toContain('▸ SIGINT received: stopping everything this run started…');
    expect(run.output).toContain(`stopped: handler process ${handlerPid}, local S3 server, Clean Rooms ML emulator`);
    for (const endpoint of endpoints(run.output)) expect(await connectionRefused(endpoint)).toBe(true);
    expect(() => process.kill(handlerPid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  }, 90_000);
});
