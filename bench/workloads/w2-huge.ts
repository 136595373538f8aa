/**
 * W2 one huge collaboration: 1,000,000 jobs (1 % failed) in one collaboration, no latency. Memory must stay flat:
 * peak RSS of the exporter's process ≤ 200 MB. Throughput in jobs/s; the object must hold every line.
 */
import { snapshotObjectKey } from '../../lambda/snapshot/key-layout';
import { expectSucceeded, type BenchContext, type WorkloadResult } from '../support/context';
import type { ChildReport } from '../support/child';
import { BenchServers, collaborationId } from '../support/servers';
import { int, mb, ms } from '../support/stats';

const RSS_TARGET_BYTES = 200_000_000;
const PREFIX = 'audience-generation-jobs/';

export async function runW2(ctx: BenchContext): Promise<WorkloadResult> {
  const jobs = ctx.quick ? 50_000 : 1_000_000;
  const servers = await BenchServers.start({ latencyMs: 0 });
  try {
    const id = collaborationId(0x2000);
    const seeded = performance.now();
    servers.seed(id, jobs);
    ctx.log(`W2: ${int(jobs)} jobs seeded in ${ms(performance.now() - seeded)}`);
    const env = servers.env({ COLLABORATION_IDS: id });

    const exporterEvent = ctx.nextEvent();
    const exporter = await ctx.runExporter(env, exporterEvent);
    expectSucceeded(exporter, 'W2 exporter', jobs);
    const exporterRequests = servers.takeRequestStats();
    const exporterLines = await servers.countLines(snapshotObjectKey(PREFIX, new Date(exporterEvent.scheduledTime), id, 'gzip'));
    ctx.log(`W2 exporter: ${ms(exporter.handlerMs)}, peak RSS ${mb(exporter.maxRssBytes)}, ${int(exporterLines)} lines`);

    const naiveEvent = ctx.nextEvent();
    const naive = await ctx.runNaive(env, naiveEvent);
    const naiveRequests = servers.takeRequestStats();
    let naiveLines: number | undefined;
    if (!naive.error) {
      expectSucceeded(naive, 'W2 naive', jobs);
      naiveLines = await servers.countLines(snapshotObjectKey(PREFIX, new Date(naiveEvent.scheduledTime), id, 'gzip'));
    }
    ctx.log(`W2 naive: ${naive.error ?? ms(naive.handlerMs)}, peak RSS ${mb(naive.maxRssBytes)}`);

    const throughput = (r: ChildReport) => (r.error ? NaN : jobs / (r.handlerMs! / 1000));
    const label = `W2 one huge collaboration (${int(jobs)} jobs, no latency)`;
    const rssMet = exporter.maxRssBytes <= RSS_TARGET_BYTES;
    const linesMet = exporterLines === jobs;
    return {
      rows: [
        { workload: label, metric: 'peak RSS of the process', exporter: mb(exporter.maxRssBytes), naive: mb(naive.maxRssBytes), target: '≤ 200 MB', met: ctx.judge(rssMet) },
        { workload: label, metric: 'wall time', exporter: ms(exporter.handlerMs), naive: naive.error ? `failed: ${naive.error}` : ms(naive.handlerMs), target: '' },
        { workload: label, metric: 'throughput', exporter: `${int(throughput(exporter))} jobs/s`, naive: naive.error ? 'n/a' : `${int(throughput(naive))} jobs/s`, target: '' },
        {
          workload: label,
          metric: 'lines in the snapshot object',
          exporter: int(exporterLines),
          naive: naiveLines === undefined ? 'n/a' : int(naiveLines),
          target: `= ${int(jobs)}`,
          met: linesMet,
        },
        {
          workload: label,
          metric: 'CPU time (user + system)',
          exporter: ms(exporter.userCpuMs + exporter.systemCpuMs),
          naive: ms(naive.userCpuMs + naive.systemCpuMs),
          target: '',
        },
      ],
      data: {
        jobs,
        exporter: { handlerMs: exporter.handlerMs, maxRssBytes: exporter.maxRssBytes, cpuMs: exporter.userCpuMs + exporter.systemCpuMs, jobsPerSecond: throughput(exporter), lines: exporterLines, requests: exporterRequests },
        naive: {
          handlerMs: naive.handlerMs,
          maxRssBytes: naive.maxRssBytes,
          cpuMs: naive.userCpuMs + naive.systemCpuMs,
          jobsPerSecond: throughput(naive),
          lines: naiveLines,
          error: naive.error,
          requests: naiveRequests,
        },
        targets: { maxRssBytes: RSS_TARGET_BYTES, lines: jobs },
        met: { maxRss: rssMet, lines: linesMet },
      },
    };
  } finally {
    await servers.stop();
  }
}
