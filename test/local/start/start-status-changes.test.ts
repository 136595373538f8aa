/**
 * `npm start -- status-changes` (the same as `--scenario status-changes`), as a user runs it: two runs of the deployed bundle an hour apart with a
 * local EventBridge, jobs changing in between; asserting on the events it says the second run sent, the messages the
 * stack's rule would send, the snapshot files, and the servers being gone afterwards.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CleanRoomsMLEmulator, type EmulatorJob } from '../../../local/emulator';
import { SAMPLE_COLLABORATIONS, sampleJobs } from '../../../local/start/sample-data';
import { applyStatusChanges, jobsAfterChanges, type PlannedChange } from '../../../local/start/status-changes';
import { connectionRefused } from '../../support/connection-refused';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const MAIN = path.join(ROOT, 'local', 'start', 'main.ts');

let dataDir: string;
let output: string;
let code: number | null;
/** The changes the scenario makes, replayed here on an emulator of our own (they depend on the sample only). */
let changes: PlannedChange[];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'npm-start-status-changes-'));
  const emulator = await CleanRoomsMLEmulator.start();
  try {
    const seeded = new Map<string, EmulatorJob[]>();
    for (const c of SAMPLE_COLLABORATIONS) {
      const jobs = sampleJobs(c, { withDeleteFailed: false, now: new Date() });
      seeded.set(c.id, jobs);
      emulator.seed(c.id, jobs);
    }
    changes = applyStatusChanges(emulator, seeded, new Date());
  } finally {
    await emulator.stop();
  }
  ({ code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    // The scenario as the positional argument, as `npm start -- status-changes` gives it.
    const child = spawn(TSX, [MAIN, 'status-changes', '--data-dir', dataDir], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, output: text }));
  }));
}, 120_000);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('npm start --scenario status-changes', () => {
  it('exits 0 after two runs an hour apart, the first sending no event', () => {
    if (code !== 0) throw new Error(`exited ${code}:\n${output}`);
    const times = [...output.matchAll(/▸ invoking the deployed handler with \{"scheduledTime": "([\d-]+T[\d:]+Z)"\} \(run (\d) of 2\)/g)];
    expect(times.map((m) => m[2])).toEqual(['1', '2']);
    expect(Date.parse(times[1][1]) - Date.parse(times[0][1])).toBe(3_600_000);
    expect(output).toMatch(/^Run 1 of 2, scheduledTime \S+: resolved in [\d.]+ s; 0 status-change events/m);
    expect(output).toMatch(/⚠ 3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01: No previous snapshot to compare with/);
    expect(output).toMatch(/^Handler: resolved in [\d.]+ s: \{"status":"succeeded"/m);
    expect(output).toMatch(/\nDone in [\d.]+ m?s\.\n/);
  });

  it('lists one event per change made between the runs: change, collaboration, job, previous → status', () => {
    expect(changes.map((c) => c.change).sort()).toEqual(['created', 'created', 'removed', 'removed', ...Array(6).fill('status_changed')]);
    expect(output).toMatch(
      new RegExp(
        `^Status-change events the second run sent: ${changes.length}, on bus \\S+ \\(\\d+ PutEvents requests?; HTTP status: 200 × \\d+; 0 entries failed\\)$`,
        'm',
      ),
    );
    for (const c of changes) {
      const to = c.change === 'removed' ? '(deleted)' : c.status;
      const line = `  ${c.change.padEnd(14)}  ${c.collaborationId.split('-')[0]}  ${c.name}  ${c.previousStatus ?? '(new)'} → ${to}`;
      expect(output).toMatch(new RegExp(`^${escape(line)}$`, 'm'));
    }
    expect(output).toContain(`✓ One event per change made between the runs (${changes.length} of ${changes.length})`);
    expect(output).toContain('Metrics of the run: StatusChanges 10 · NewDeleteFailedJobs 1 · NewCreateFailedJobs 2 · StatusEventsFailed 0');
  });

  it("renders, for each event the stack's rule matches, the message its target receives", () => {
    const failed = changes.filter((c) => c.change !== 'removed' && (c.status === 'DELETE_FAILED' || c.status === 'CREATE_FAILED'));
    expect(failed).toHaveLength(3);
    if (output.includes('no rule in the template')) return; // the stack defines no rule (yet): nothing more to show
    expect(output).toMatch(new RegExp(`^Rule \\S+ \\(bus \\S+\\): matches ${failed.length} of ${changes.length} events$`, 'm'));
    // Each delivery: its header line, then the message, one `│` line per line.
    const messages = [...output.matchAll(/^ {2}→ .*\n((?: {6}│.*\n)+)/gm)].map((m) => m[1]);
    expect(messages).toHaveLength(failed.length);
    for (const c of failed) {
      const message = messages.find((m) => m.includes(c.audienceGenerationJobArn));
      expect(message).toBeDefined();
      expect(message).toContain(c.name);
      expect(message).toContain(c.collaborationId);
      expect(message).toContain(c.status);
      expect(message).toMatch(/docs\/runbook\.md#/);
    }
    // The status details of the new DELETE_FAILED job reach the message.
    expect(output).toContain(
      '│ Status message: The service role cannot delete the generated audience in the output bucket (s3:DeleteObject denied).',
    );
  });

  it('the second snapshots hold the jobs after the changes; DeleteFailedJobs fires on the new DELETE_FAILED job', async () => {
    const expected = jobsAfterChanges(changes);
    const files = [...output.matchAll(/^ {4}(\/\S+\.ndjson\.gz) {2}\(\d+ bytes\)$/gm)].map((m) => m[1]);
    const second = /"scheduledTime": "([\d-]+T[\d:]+Z)"\} \(run 2 of 2\)/.exec(output)![1];
    const compact = second.replace(/[-:]/g, '');
    for (const c of SAMPLE_COLLABORATIONS) {
      const file = files.find((f) => path.basename(f).includes(c.id) && path.basename(f).includes(compact));
      expect(file).toBeDefined();
      const records = gunzipSync(fs.readFileSync(file!)).toString('utf8').trimEnd().split('\n');
      expect(records).toHaveLength(expected.get(c.id)!);
    }
    expect(output).toMatch(/^ {2}FIRES +AudienceJobsExporter-DeleteFailedJobs +DeleteFailedJobs = 1 ≥ 1/m);
    const endpoint = /starting the local EventBridge… ok \([^)]*\) (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(endpoint).toBeDefined();
    expect(await connectionRefused(endpoint!)).toBe(true);
    expect(output).toMatch(/▸ stopping the servers… ok \([^)]*\) .*local EventBridge/);
  });
});
