import { invokeHandler, type Measurements } from '../../local/lambda-runtime';
import type { Bundles } from './bundles';

/** One line of the results table. `met` is undefined for figures without a target. */
export interface Row {
  workload: string;
  metric: string;
  exporter: string;
  naive: string;
  target: string;
  met?: boolean;
  /** A correctness check (every job exported, every line written), as opposed to a performance target. */
  correctness?: boolean;
}

export interface WorkloadResult {
  rows: Row[];
  /** Every measured figure, for bench/results.json. */
  data: Record<string, unknown>;
}

export interface RunOptions {
  /** Also sample process.memoryUsage() in the measured process (every this many ms), to tell heap from buffers. */
  memorySampleMs?: number;
}

export class BenchContext {
  private tick = 0;
  private readonly base = Math.floor(Date.now() / 1000) * 1000;

  constructor(
    readonly quick: boolean,
    readonly bundles: Bundles,
    readonly log: (line: string) => void,
  ) {}

  /**
   * A performance target's verdict; none in quick mode, whose workloads are too small for the targets (W1's
   * speed-up grows with the number of collaborations, for instance). Correctness is judged in both modes.
   */
  judge(met: boolean): boolean | undefined {
    return this.quick ? undefined : met;
  }

  /** A scheduled time of its own for every run (one second apart, in the past), so no run overwrites another's objects. */
  nextEvent(): { scheduledTime: string } {
    this.tick++;
    return { scheduledTime: new Date(this.base - this.tick * 1000).toISOString() };
  }

  /** Runs the deployable exporter bundle once in a fresh process. */
  runExporter(env: NodeJS.ProcessEnv, event: { scheduledTime: string }, options: RunOptions = {}): Promise<MeasuredRun> {
    return measured(this.bundles.exporter.file, this.bundles.function, env, event, options);
  }

  /** Runs the naive reference bundle once in a fresh process. */
  runNaive(env: NodeJS.ProcessEnv, event: { scheduledTime: string }, options: RunOptions = {}): Promise<MeasuredRun> {
    // Without the function's heap limits: the naive reference holds every record (2.3 GB in W2), as no function could.
    const fn = this.bundles.function;
    const nodeOptions = fn.nodeOptions.replace(/\s*--max-(old|semi)-space-size=\d+/g, '');
    return measured(this.bundles.naive.file, { ...fn, nodeOptions }, env, event, options);
  }
}

/** One measured invocation (local/lambda-runtime's invokeHandler), as the workloads read it. */
export interface MeasuredRun extends Measurements {
  result?: { status?: string; jobs?: number; collaborations?: number; manifestKey?: string };
  /** `name: message` of what the handler threw. */
  error?: string;
  /** Spawn to exit, measured by the parent. */
  processMs: number;
  exitCode: number | null;
  /** The end of the child's stdout and stderr, for diagnosis. */
  outputTail: string;
  /**
   * CPU time this process (the emulator and the S3 server) spent while the child ran: the servers' share of the
   * machine, which the exporter competes with on a small machine.
   */
  serversCpuMs: number;
}

/** One run with these settings of the function (from the template): NODE_OPTIONS, memory size and timeout. */
async function measured(
  bundleFile: string,
  fn: Bundles['function'],
  env: NodeJS.ProcessEnv,
  event: { scheduledTime: string },
  options: RunOptions,
): Promise<MeasuredRun> {
  const before = process.cpuUsage();
  // Output is not parsed: this process (the servers) stays as idle as it was with the handler's logs ignored.
  const run = await invokeHandler({
    functionName: 'bench',
    timeoutMs: fn.timeoutMs,
    memorySizeMb: fn.memorySizeMb,
    bundleFile,
    env: { ...env, NODE_OPTIONS: fn.nodeOptions },
    event,
    memorySampleMs: options.memorySampleMs,
    parseOutput: false,
  });
  const used = process.cpuUsage(before);
  const { outcome, measurements } = run;
  if (!measurements || outcome.status === 'crashed')
    throw new Error(`the child exited with ${run.exitCode} without a report:\n${run.outputTail}`);
  return {
    ...measurements,
    ...(outcome.status === 'resolved'
      ? { result: outcome.result as MeasuredRun['result'] }
      : { error: `${outcome.error.name}: ${outcome.error.message}` }),
    processMs: run.durationMs,
    exitCode: run.exitCode,
    outputTail: run.outputTail,
    serversCpuMs: (used.user + used.system) / 1000,
  };
}

/** CPU time of the child process itself (user + system, all its threads). */
export function cpuMs(report: MeasuredRun): number {
  return report.userCpuMs + report.systemCpuMs;
}

/** Throws with the child's output when a run that must succeed did not. */
export function expectSucceeded(report: MeasuredRun, what: string, expectedJobs: number): void {
  if (report.error || report.result?.status !== 'succeeded' || report.result.jobs !== expectedJobs) {
    throw new Error(
      `${what}: expected ${expectedJobs} jobs exported, got ${JSON.stringify(report.result ?? null)} ${report.error ?? ''}\n${report.outputTail}`,
    );
  }
}
