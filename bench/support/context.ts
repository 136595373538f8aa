import type { Bundles } from './bundles';
import { runChild, type ChildReport } from './child';

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
  runExporter(env: NodeJS.ProcessEnv, event: { scheduledTime: string }): Promise<MeasuredRun> {
    return measured(runChild(this.bundles.exporter.file, env, { event }));
  }

  /** Runs the naive reference bundle once in a fresh process. */
  runNaive(env: NodeJS.ProcessEnv, event: { scheduledTime: string }): Promise<MeasuredRun> {
    return measured(runChild(this.bundles.naive.file, env, { event }));
  }
}

export interface MeasuredRun extends ChildReport {
  /**
   * CPU time this process (the emulator and the S3 server) spent while the child ran: the servers' share of the
   * machine, which the exporter competes with on a small machine.
   */
  serversCpuMs: number;
}

async function measured(run: Promise<ChildReport>): Promise<MeasuredRun> {
  const before = process.cpuUsage();
  const report = await run;
  const used = process.cpuUsage(before);
  return { ...report, serversCpuMs: (used.user + used.system) / 1000 };
}

/** CPU time of the child process itself (user + system, all its threads). */
export function cpuMs(report: ChildReport): number {
  return report.userCpuMs + report.systemCpuMs;
}

/** Throws with the child's output when a run that must succeed did not. */
export function expectSucceeded(report: ChildReport, what: string, expectedJobs: number): void {
  if (report.error || report.result?.status !== 'succeeded' || report.result.jobs !== expectedJobs) {
    throw new Error(
      `${what}: expected ${expectedJobs} jobs exported, got ${JSON.stringify(report.result ?? null)} ${report.error ?? ''}\n${report.outputTail}`,
    );
  }
}
