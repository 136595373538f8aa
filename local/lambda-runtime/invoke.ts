/**
 * One invocation of a Lambda bundle, as Lambda makes it: a fresh Node.js process with only the given environment
 * (nothing is inherited from this process), the bundle's folder as working directory (/var/task on Lambda), and
 * `require(index.js).handler(event, context)` once (runner.cjs). stdout and stderr are collected as CloudWatch Logs
 * would receive them: JSON log lines and EMF metric documents. The outcome and what the invocation cost (import
 * time, handler time, peak RSS, CPU time) travel on a pipe of their own (fd 3), so nothing the handler prints can
 * be mistaken for them.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../local-aws-environment';
import { isEmfDocument, type EmfDocument } from './emf';

/** The script the invocation's process runs. */
const RUNNER = path.join(__dirname, 'runner.cjs');
/** How much of the end of the process's output a run keeps, for diagnosis. */
const OUTPUT_TAIL_CHARS = 4000;
/** Lambda's default memory size, when neither the options nor the environment give one. */
const DEFAULT_MEMORY_MB = 128;

export type HandlerOutcome =
  | { status: 'resolved'; result: unknown }
  /** The handler threw (or its bundle could not be loaded). */
  | { status: 'rejected'; error: { name: string; message: string } }
  /** The process ended without an outcome (crash, out of memory, killed). */
  | { status: 'crashed'; exitCode: number | null; signal: NodeJS.Signals | null };

/** Peaks of process.memoryUsage(), and of each V8 heap space's size (`space:<name>`), sampled. */
export interface MemoryPeaks {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  [space: `space:${string}`]: number;
}

/** What an invocation cost, measured in its own process. */
export interface Measurements {
  /** `require()` of the bundle: the init of a cold start. */
  importMs: number;
  /** `handler(event, context)` until it resolved or rejected; absent for an import alone or a bundle that failed to load. */
  handlerMs?: number;
  /** Peak resident set size of the process since its exec (VmHWM of /proc/self/status; maxRSS where there is none). */
  maxRssBytes: number;
  /** process.resourceUsage().maxRSS, which on Linux includes the parent's memory at fork time. */
  ruMaxRssBytes: number;
  /** CPU time of the process, all its threads. */
  userCpuMs: number;
  systemCpuMs: number;
  /** With `memorySampleMs`. */
  memoryPeaks?: MemoryPeaks;
}

export interface HandlerRun {
  outcome: HandlerOutcome;
  /** Absent when the process crashed before it could report. */
  measurements?: Measurements;
  /** EMF documents the handler printed (none with `parseOutput: false`). */
  emf: EmfDocument[];
  /** JSON log lines the handler printed: everything on stdout that is not EMF (none with `parseOutput: false`). */
  logs: Record<string, unknown>[];
  /** Spawn to exit, measured by this process. */
  durationMs: number;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The end of the process's stdout and stderr, for diagnosis. */
  outputTail: string;
}

/** Options of any run of a bundle in its own process. */
export interface BundleProcessOptions {
  /** The bundle's index.js (CommonJS, exports `handler`). */
  bundleFile: string;
  /** The whole environment of the process: nothing is inherited. */
  env: NodeJS.ProcessEnv;
  /** Sample process.memoryUsage() and the V8 heap spaces every this many milliseconds, and report their peaks. */
  memorySampleMs?: number;
  /** Everything the process prints (stdout and stderr) is appended here. */
  outputFile?: string;
  /** Called when the process started, with a function that kills it (if still running) and waits for its end. */
  onStart?: (pid: number, stop: () => Promise<void>) => void;
  /** Kills the process (SIGKILL) when aborted. */
  signal?: AbortSignal;
}

export interface InvokeOptions extends BundleProcessOptions {
  event: unknown;
  /** The function's name: the context's functionName, and its ARN's. */
  functionName: string;
  /** The function timeout: `getRemainingTimeInMillis()` counts down from it. */
  timeoutMs: number;
  /** The context's memoryLimitInMB; default AWS_LAMBDA_FUNCTION_MEMORY_SIZE of `env`, else 128. */
  memorySizeMb?: number;
  /** Parse stdout into `logs` and `emf` (default true); false keeps only the output tail, leaving this process idle. */
  parseOutput?: boolean;
  /** Called for each JSON log line as it arrives on stdout (Powertools writes INFO and DEBUG there). */
  onLog?: (line: Record<string, unknown>) => void;
  /** Called for each JSON log line as it arrives on stderr (Powertools writes WARN and ERROR there). */
  onStderrLog?: (line: Record<string, unknown>) => void;
}

/** An import of the bundle alone, as the init of a cold start. */
export interface ImportRun {
  measurements: Measurements;
  /** Spawn to exit, measured by this process. */
  durationMs: number;
  exitCode: number | null;
}

/** Runs the handler once in a process of its own; resolves when the process exited. */
export async function invokeHandler(options: InvokeOptions): Promise<HandlerRun> {
  const name = options.functionName;
  const region = options.env.AWS_REGION ?? LOCAL_REGION;
  const context = {
    functionName: name,
    memoryLimitInMB: String(options.memorySizeMb ?? options.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? DEFAULT_MEMORY_MB),
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${name}`,
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
  };
  const emf: EmfDocument[] = [];
  const logs: Record<string, unknown>[] = [];
  const parse = options.parseOutput ?? true;
  const run = await runBundleProcess(
    options,
    { event: options.event, context, timeoutMs: options.timeoutMs },
    {
      stdout: parse
        ? (line) => {
            const parsed = jsonLine(line);
            if (!parsed) return;
            if (isEmfDocument(parsed)) emf.push(parsed);
            else {
              logs.push(parsed);
              options.onLog?.(parsed);
            }
          }
        : undefined,
      stderr: options.onStderrLog
        ? (line) => {
            const parsed = jsonLine(line);
            if (parsed) options.onStderrLog?.(parsed);
          }
        : undefined,
    },
  );
  const outcome: HandlerOutcome =
    run.report && run.report.outcome.status !== 'imported'
      ? run.report.outcome
      : { status: 'crashed', exitCode: run.exitCode, signal: run.signal };
  return {
    outcome,
    measurements: run.report?.measurements,
    emf,
    logs,
    durationMs: run.durationMs,
    exitCode: run.exitCode,
    signal: run.signal,
    outputTail: run.outputTail,
  };
}

/** Requires the bundle in a process of its own and measures that alone (a cold start's init); throws if it failed. */
export async function importBundle(options: BundleProcessOptions): Promise<ImportRun> {
  const run = await runBundleProcess(options, { importOnly: true }, {});
  if (run.report?.outcome.status !== 'imported') {
    const error =
      run.report?.outcome.status === 'rejected'
        ? `: ${run.report.outcome.error.name}: ${run.report.outcome.error.message}`
        : ` (exit ${run.exitCode})`;
    throw new Error(`${options.bundleFile} could not be imported${error}\n${run.outputTail}`);
  }
  return { measurements: run.report.measurements, durationMs: run.durationMs, exitCode: run.exitCode };
}

/** What runner.cjs writes on fd 3. */
interface RunnerReport {
  outcome: Exclude<HandlerOutcome, { status: 'crashed' }> | { status: 'imported' };
  measurements: Measurements;
}

interface ProcessEnd {
  report?: RunnerReport;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  outputTail: string;
}

function runBundleProcess(
  options: BundleProcessOptions,
  spec: Record<string, unknown>,
  lines: { stdout?: (line: string) => void; stderr?: (line: string) => void },
): Promise<ProcessEnd> {
  const started = performance.now();
  const output = options.outputFile === undefined ? undefined : fs.openSync(options.outputFile, 'a');
  const runnerSpec = { ...spec, bundleFile: path.resolve(options.bundleFile), memorySampleMs: options.memorySampleMs };
  const child = spawn(process.execPath, [RUNNER, JSON.stringify(runnerSpec)], {
    env: options.env,
    // Lambda runs the code from /var/task, the bundle's folder.
    cwd: path.dirname(path.resolve(options.bundleFile)),
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    signal: options.signal,
    killSignal: 'SIGKILL',
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  if (child.pid !== undefined) {
    options.onStart?.(child.pid, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return closed;
    });
  }
  let tail = '';
  const stdout = lineSplitter(lines.stdout);
  const stderr = lineSplitter(lines.stderr);
  const onOutput = (split: LineSplitter) => (chunk: string) => {
    if (output !== undefined) fs.writeSync(output, chunk);
    tail = (tail + chunk).slice(-OUTPUT_TAIL_CHARS);
    split.push(chunk);
  };
  child.stdout!.setEncoding('utf8').on('data', onOutput(stdout));
  child.stderr!.setEncoding('utf8').on('data', onOutput(stderr));
  let reportText = '';
  (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8').on('data', (chunk: string) => (reportText += chunk));
  const closeOutput = () => {
    if (output !== undefined) fs.closeSync(output);
  };

  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    child.on('error', (error) => {
      // Spawned processes still emit 'close' (after an abort, once killed); one that never started does not.
      failure = error;
      if (child.pid === undefined) {
        closeOutput();
        reject(error);
      }
    });
    child.on('close', (exitCode, signal) => {
      stdout.end();
      stderr.end();
      closeOutput();
      if (failure) {
        reject(failure);
        return;
      }
      const report = reportText.trim() ? (JSON.parse(reportText) as RunnerReport) : undefined;
      resolve({ report, exitCode, signal, durationMs: performance.now() - started, outputTail: tail });
    });
  });
}

interface LineSplitter {
  push(chunk: string): void;
  /** The last line, when the output did not end with a newline. */
  end(): void;
}

/** Calls `onLine` for each complete line of a stream's text; nothing at all without `onLine`. */
function lineSplitter(onLine: ((line: string) => void) | undefined): LineSplitter {
  let pending = '';
  if (!onLine) return { push: () => undefined, end: () => undefined };
  return {
    push(chunk) {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) onLine(line);
    },
    end() {
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

/** A JSON object line, or undefined for any other text. */
function jsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
