/**
 * W2 one huge collaboration: 1,000,000 jobs (1 % failed) in one collaboration, no latency. Memory must stay flat:
 * peak RSS of the exporter's process ≤ 200 MB. Throughput in jobs/s; the object must hold every line.
 *
 * The peak RSS of a garbage-collected process moves with the collector's timing (from one run to the next, by
 * ±15 MB here): the exporter runs three times and the median is judged; the naive reference runs once.
 *
 * Each measured run is compared with the previous snapshot, as every run after the first is in production: a first,
 * unmeasured run writes it, and before each run 1 % of the jobs change status, so that each run also sends 10,000
 * status-change events to the local EventBridge.
 */
import { cpuMs, expectSucceeded, type BenchContext, type MeasuredRun, type WorkloadResult } from '../support/context';
import { collaborationId } from '../../test/support/ids';
import { BenchServers } from '../support/servers';
import { int, mb, median, ms } from '../support/stats';

const RSS_TARGET_BYTES = 200_000_000;
/** The child also samples process.memoryUsage(), to tell heap from buffers at the peak. */
const SAMPLED = { memorySampleMs: 50 };
/** Before each measured run, every 100th job changes status: 10,000 events per run. */
const CHANGE_EVERY = 100;

interface Run extends MeasuredRun {
  lines: number | undefined;
  /** Status-change events that reached the local EventBridge during the run. */
  statusEvents: number;
  requests: ReturnType<BenchServers['takeRequestStats']>;
}

export async function runW2(ctx: BenchContext): Promise<WorkloadResult> {
  const jobs = ctx.quick ? 20_000 : 1_000_000;
  const exporterRuns = ctx.quick ? 1 : 3;
  const servers = await BenchServers.start({ latencyMs: 0 });
  try {
    const id = collaborationId(0x2000);
    const seeded = performance.now();
    const seededJobs = servers.seed(id, jobs);
    ctx.log(`W2: ${int(jobs)} jobs seeded in ${ms(performance.now() - seeded)}`);
    const env = servers.env({ COLLABORATION_IDS: id });
    // Scheduled times in order, the first for the unmeasured run, so that each measured run has a previous snapshot.
    const exporterEvents = Array.from({ length: exporterRuns + 1 }, () => ctx.nextEvent()).reverse();
    const eventBridge = servers.aws.eventBridge;

    const measure = async (side: 'exporter' | 'naive', event: { scheduledTime: string }, changed = 0): Promise<Run> => {
      const sentBefore = eventBridge.counts.accepted;
      const report = side === 'exporter' ? await ctx.runExporter(env, event, SAMPLED) : await ctx.runNaive(env, event, SAMPLED);
      const requests = servers.takeRequestStats();
      if (side === 'exporter' || !report.error) expectSucceeded(report, `W2 ${side}`, jobs);
      const statusEvents = eventBridge.counts.accepted - sentBefore;
      eventBridge.clear();
      if (side === 'exporter' && statusEvents !== changed) {
        throw new Error(`W2 exporter: ${int(changed)} jobs changed status, but ${int(statusEvents)} status-change events arrived`);
      }
      const lines = report.error ? undefined : await servers.countLines(servers.snapshotKey(event, id));
      ctx.log(
        `W2 ${side}: ${report.error ?? ms(report.handlerMs)}, peak RSS ${mb(report.maxRssBytes)}, ${lines === undefined ? 'no' : int(lines)} lines` +
          (side === 'exporter' ? `, ${int(statusEvents)} status-change events` : ''),
      );
      return { ...report, lines, requests, statusEvents };
    };
    await measure('exporter', exporterEvents[0]);
    const exporter: Run[] = [];
    let naive: Run | undefined;
    for (let run = 0; run < exporterRuns; run++) {
      const changed = servers.changeStatuses(seededJobs, CHANGE_EVERY);
      exporter.push(await measure('exporter', exporterEvents[run + 1], changed));
      if (run === Math.floor((exporterRuns - 1) / 2)) naive = await measure('naive', ctx.nextEvent());
    }

    const throughput = (r: MeasuredRun) => (r.error ? NaN : jobs / (r.handlerMs! / 1000));
    const label = `W2 one huge collaboration (${int(jobs)} jobs, no latency)`;
    const rss = median(exporter.map((r) => r.maxRssBytes));
    const rssMet = rss <= RSS_TARGET_BYTES;
    const linesMet = exporter.every((r) => r.lines === jobs);
    const n = naive!;
    const of = exporter.length > 1 ? `, median of ${exporter.length} (range)` : '';
    const range =
      exporter.length > 1
        ? ` (${exporter
            .map((r) => mb(r.maxRssBytes))
            .sort()
            .join(', ')})`
        : '';
    // The run whose peak is the median, for the breakdown.
    const typical = exporter.slice().sort((a, b) => a.maxRssBytes - b.maxRssBytes)[Math.floor(exporter.length / 2)];
    return {
      rows: [
        {
          workload: label,
          metric: `peak RSS of the process${of}`,
          exporter: `${mb(rss)}${range}`,
          naive: mb(n.maxRssBytes),
          target: '≤ 200 MB',
          met: ctx.judge(rssMet),
        },
        {
          workload: label,
          metric: 'of which, at their peaks: V8 heap (its young generation), array buffers',
          exporter: peaks(typical),
          naive: peaks(n),
          target: '',
        },
        {
          workload: label,
          metric: `wall time${exporter.length > 1 ? ', median' : ''}`,
          exporter: ms(median(exporter.map((r) => r.handlerMs!))),
          naive: n.error ? `failed: ${n.error}` : ms(n.handlerMs),
          target: '',
        },
        {
          workload: label,
          metric: 'throughput',
          exporter: `${int(median(exporter.map(throughput)))} jobs/s`,
          naive: n.error ? 'n/a' : `${int(throughput(n))} jobs/s`,
          target: '',
        },
        {
          workload: label,
          metric: 'lines in the snapshot object (every run)',
          exporter: exporter.map((r) => (r.lines === undefined ? 'none' : int(r.lines))).join(', '),
          naive: n.lines === undefined ? 'n/a' : int(n.lines),
          target: `= ${int(jobs)}`,
          met: linesMet,
          correctness: true,
        },
        {
          workload: label,
          metric: 'status-change events sent (each run compared with the previous snapshot, 1 % of the jobs changed)',
          exporter: exporter.map((r) => int(r.statusEvents)).join(', '),
          naive: 'none (no comparison)',
          target: `= ${int(jobs / CHANGE_EVERY)}`,
          met: exporter.every((r) => r.statusEvents === jobs / CHANGE_EVERY),
          correctness: true,
        },
        {
          workload: label,
          metric: `CPU time of the process (user + system, all threads)${exporter.length > 1 ? ', median' : ''}`,
          exporter: ms(median(exporter.map(cpuMs))),
          naive: ms(cpuMs(n)),
          target: '',
        },
        {
          workload: label,
          metric: 'CPU time of the emulator and S3 server meanwhile',
          exporter: ms(median(exporter.map((r) => r.serversCpuMs))),
          naive: ms(n.serversCpuMs),
          target: '',
        },
      ],
      data: {
        jobs,
        exporter: exporter.map(summarize(jobs)),
        exporterMedianMaxRssBytes: rss,
        naive: summarize(jobs)(n),
        targets: { maxRssBytes: RSS_TARGET_BYTES, lines: jobs },
        met: { maxRss: rssMet, lines: linesMet },
      },
    };
  } finally {
    await servers.stop();
  }
}

function summarize(jobs: number) {
  return (r: Run) => ({
    handlerMs: r.handlerMs,
    maxRssBytes: r.maxRssBytes,
    memoryPeaks: r.memoryPeaks,
    cpuMs: cpuMs(r),
    serversCpuMs: r.serversCpuMs,
    jobsPerSecond: r.error ? null : jobs / (r.handlerMs! / 1000),
    lines: r.lines,
    statusEvents: r.statusEvents,
    error: r.error,
    requests: r.requests,
  });
}

function peaks(run: MeasuredRun): string {
  const p = run.memoryPeaks;
  if (!p) return 'n/a';
  return `${mb(p.heapTotal)} (${mb(p['space:new_space'])}), ${mb(p.arrayBuffers)}`;
}
