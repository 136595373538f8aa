/**
 * W1 fan-out: N collaborations × M jobs, 50 ms per request, MAX_CONCURRENCY = N. The pages of one collaboration
 * are a chain (each needs the previous nextToken); collaborations are independent. The bound is the chain,
 * pages × latency, plus the run's fixed start-up cost, measured with one empty collaboration.
 *
 * Three diagnostics sit next to it, for when the bound is missed: the CPU time of the exporter and of the servers
 * (on a small machine they share the cores), a control with a quarter of the collaborations (the same chain, a
 * quarter of the work), and the same jobs with no latency at all (no chain left: the work alone).
 */
import * as os from 'node:os';
import { cpuMs, expectSucceeded, type BenchContext, type MeasuredRun, type WorkloadResult } from '../support/context';
import { collaborationId } from '../../test/support/ids';
import { BenchServers } from '../support/servers';
import { int, median, mb, ms, ratio } from '../support/stats';

const LATENCY_MS = 50;
const PAGE_SIZE = 100;

export async function runW1(ctx: BenchContext): Promise<WorkloadResult> {
  const size = ctx.quick
    ? { collaborations: 4, jobs: 500, runs: 2, naiveRuns: 1 }
    : { collaborations: 16, jobs: 3_000, runs: 5, naiveRuns: 1 };
  const pages = size.jobs / PAGE_SIZE;
  const servers = await BenchServers.start({ latencyMs: LATENCY_MS });
  try {
    const ids = Array.from({ length: size.collaborations }, (_, i) => collaborationId(i + 1));
    for (const id of ids) servers.seed(id, size.jobs);
    const emptyId = collaborationId(0xe0e0);
    const expectedJobs = size.collaborations * size.jobs;
    const concurrency = String(size.collaborations);
    const fullEnv = servers.env({ COLLABORATION_IDS: ids.join(','), MAX_CONCURRENCY: concurrency });
    // Control: the same chain with a quarter of the collaborations, hence a quarter of the CPU work. Where W1 misses
    // the bound and the control does not, the cause is CPU, not the chain.
    const controlIds = ids.slice(0, Math.max(1, ids.length / 4));
    const controlEnv = servers.env({ COLLABORATION_IDS: controlIds.join(','), MAX_CONCURRENCY: String(controlIds.length) });
    const emptyEnv = servers.env({ COLLABORATION_IDS: emptyId, MAX_CONCURRENCY: concurrency });

    const empty: MeasuredRun[] = [];
    const exporter: MeasuredRun[] = [];
    const naive: MeasuredRun[] = [];
    const control: MeasuredRun[] = [];
    const noLatency: MeasuredRun[] = [];
    const requests: ReturnType<BenchServers['takeRequestStats']>[] = [];
    // Interleaved, so that a change in the machine's load hits both sides alike.
    for (let run = 0; run < size.runs; run++) {
      const e = await ctx.runExporter(emptyEnv, ctx.nextEvent());
      expectSucceeded(e, 'W1 empty collaboration', 0);
      empty.push(e);
      servers.takeRequestStats();
      const x = await ctx.runExporter(fullEnv, ctx.nextEvent());
      expectSucceeded(x, 'W1 exporter', expectedJobs);
      exporter.push(x);
      requests.push(servers.takeRequestStats());
      const c = await ctx.runExporter(controlEnv, ctx.nextEvent());
      expectSucceeded(c, 'W1 control', controlIds.length * size.jobs);
      control.push(c);
      servers.takeRequestStats();
      // Throughput floor: the same jobs with no latency at all, so that no chain is left, only the work.
      servers.emulator.faults.latencyMs = 0;
      const z = await ctx.runExporter(fullEnv, ctx.nextEvent());
      servers.emulator.faults.latencyMs = LATENCY_MS;
      expectSucceeded(z, 'W1 without latency', expectedJobs);
      noLatency.push(z);
      servers.takeRequestStats();
      ctx.log(
        `W1 run ${run + 1}/${size.runs}: empty ${ms(e.handlerMs)}, exporter ${ms(x.handlerMs)}, control ${ms(c.handlerMs)}, no latency ${ms(z.handlerMs)}`,
      );
      if (run === Math.floor(size.runs / 2) && naive.length < size.naiveRuns) {
        const n = await ctx.runNaive(fullEnv, ctx.nextEvent());
        expectSucceeded(n, 'W1 naive', expectedJobs);
        naive.push(n);
        servers.takeRequestStats();
        ctx.log(`W1 naive: ${ms(n.handlerMs)}`);
      }
    }

    const emptyMs = median(empty.map((r) => r.handlerMs!));
    const chainMs = pages * LATENCY_MS;
    const boundMs = chainMs + emptyMs;
    const exporterMs = median(exporter.map((r) => r.handlerMs!));
    const naiveMs = median(naive.map((r) => r.handlerMs!));
    const toBound = exporterMs / boundMs;
    const controlMs = median(control.map((r) => r.handlerMs!));
    const noLatencyMs = median(noLatency.map((r) => r.handlerMs!));
    const speedup = naiveMs / exporterMs;
    // What the machine had to do while the exporter ran: its own CPU time and the servers'. On a small machine
    // shared with them, this divided by the number of cores is a floor of its own, next to the chain's.
    const cores = os.cpus().length;
    const exporterCpuMs = median(exporter.map(cpuMs));
    const serversCpuMs = median(exporter.map((r) => r.serversCpuMs));
    const cpuFloorMs = (exporterCpuMs + serversCpuMs) / cores;
    const label = `W1 fan-out (${size.collaborations} × ${int(size.jobs)} jobs, ${LATENCY_MS} ms/request)`;
    return {
      rows: [
        {
          workload: label,
          metric: `wall time, median of ${exporter.length} (naive: ${naive.length})`,
          exporter: ms(exporterMs),
          naive: ms(naiveMs),
          target: '',
        },
        {
          workload: label,
          metric: `bound: ${pages} pages × ${LATENCY_MS} ms + fixed cost (1 empty collaboration, median ${ms(emptyMs)})`,
          exporter: ms(boundMs),
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'wall time / bound',
          exporter: ratio(toBound),
          naive: ratio(naiveMs / boundMs, 1),
          target: '≤ 1.30×',
          met: ctx.judge(toBound <= 1.3),
        },
        {
          workload: label,
          metric: `control: ${controlIds.length} × ${int(size.jobs)} jobs (a quarter of the CPU work), wall time / bound`,
          exporter: `${ratio(controlMs / boundMs)} (${ms(controlMs)})`,
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: `throughput floor: the same ${int(expectedJobs)} jobs with no latency, wall time / bound`,
          exporter: `${ratio(noLatencyMs / boundMs)} (${ms(noLatencyMs)})`,
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'speed-up over the naive exporter',
          exporter: ratio(speedup, 1),
          naive: '1×',
          target: '≥ 10×',
          met: ctx.judge(speedup >= 10),
        },
        {
          workload: label,
          metric: 'CPU time of the process (user + system, all threads), median',
          exporter: ms(exporterCpuMs),
          naive: ms(median(naive.map(cpuMs))),
          target: '',
        },
        {
          workload: label,
          metric: 'CPU time of the emulator and S3 server meanwhile, median',
          exporter: ms(serversCpuMs),
          naive: ms(median(naive.map((r) => r.serversCpuMs))),
          target: '',
        },
        {
          workload: label,
          metric: `CPU floor: (exporter + servers CPU) / ${cores} cores`,
          exporter: ms(cpuFloorMs),
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'peak RSS, median',
          exporter: mb(median(exporter.map((r) => r.maxRssBytes))),
          naive: mb(median(naive.map((r) => r.maxRssBytes))),
          target: '',
        },
      ],
      data: {
        collaborations: size.collaborations,
        jobsPerCollaboration: size.jobs,
        pagesPerCollaboration: pages,
        latencyMs: LATENCY_MS,
        maxConcurrency: size.collaborations,
        chainMs,
        emptyCollaborationMs: empty.map((r) => r.handlerMs),
        emptyCollaborationMedianMs: emptyMs,
        boundMs,
        exporterMs: exporter.map((r) => r.handlerMs),
        exporterMedianMs: exporterMs,
        exporterCpuMs: exporter.map(cpuMs),
        serversCpuMs: exporter.map((r) => r.serversCpuMs),
        cores,
        cpuFloorMs,
        exporterMaxRssBytes: exporter.map((r) => r.maxRssBytes),
        exporterRequests: requests,
        naiveMs: naive.map((r) => r.handlerMs),
        naiveMedianMs: naiveMs,
        naiveCpuMs: naive.map(cpuMs),
        naiveServersCpuMs: naive.map((r) => r.serversCpuMs),
        naiveMaxRssBytes: naive.map((r) => r.maxRssBytes),
        noLatency: {
          ms: noLatency.map((r) => r.handlerMs),
          medianMs: noLatencyMs,
          toBound: noLatencyMs / boundMs,
          cpuMs: noLatency.map(cpuMs),
        },
        control: {
          collaborations: controlIds.length,
          ms: control.map((r) => r.handlerMs),
          medianMs: controlMs,
          toBound: controlMs / boundMs,
          cpuMs: control.map(cpuMs),
        },
        wallTimeToBound: toBound,
        speedupOverNaive: speedup,
        targets: { wallTimeToBound: 1.3, speedupOverNaive: 10 },
        met: { wallTimeToBound: toBound <= 1.3, speedupOverNaive: speedup >= 10 },
      },
    };
  } finally {
    await servers.stop();
  }
}
