/** Runs a bundled handler in a fresh Node.js process (bench/child/invoke-handler.cjs) and collects its report. */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const RUNNER = path.resolve(__dirname, '..', 'child', 'invoke-handler.cjs');

export interface ChildReport {
  /** require() of the bundle. */
  importMs: number;
  /** handler(event, context) until it resolved or rejected; absent with --import-only. */
  handlerMs?: number;
  /** Peak resident set size of the process since its exec (VmHWM of /proc/self/status; maxRSS elsewhere). */
  maxRssBytes: number;
  /** process.resourceUsage().maxRSS, which on Linux includes the parent's memory at fork time. */
  ruMaxRssBytes: number;
  userCpuMs: number;
  systemCpuMs: number;
  result?: { status?: string; jobs?: number; collaborations?: number; manifestKey?: string };
  error?: string;
  /** Peaks of process.memoryUsage(), when BENCH_MEMORY_SAMPLE_MS is set in the child's environment. */
  memoryPeaks?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number; [space: `space:${string}`]: number };
  /** Spawn to exit, measured by the parent. */
  processMs: number;
  exitCode: number | null;
  /** The end of the child's stdout and stderr, for diagnosis. */
  outputTail: string;
}

export function runChild(bundle: string, env: NodeJS.ProcessEnv, options: { event?: unknown; importOnly?: boolean; nodeArgs?: string[] } = {}): Promise<ChildReport> {
  const args = [...(options.nodeArgs ?? []), RUNNER, bundle, JSON.stringify(options.event ?? {})];
  if (options.importOnly) args.push('--import-only');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    let tail = '';
    const keepTail = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout!.on('data', keepTail);
    child.stderr!.on('data', keepTail);
    let reportLine = '';
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (reportLine += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const processMs = performance.now() - started;
      if (!reportLine.trim()) {
        reject(new Error(`the child exited with ${exitCode} without a report:\n${tail}`));
        return;
      }
      resolve({ ...(JSON.parse(reportLine) as Omit<ChildReport, 'processMs' | 'exitCode' | 'outputTail'>), processMs, exitCode, outputTail: tail });
    });
  });
}
