/**
 * W7 many collaborations: `COLLABORATION_IDS=*` over 5,000 collaborations of 2 jobs each, listed interleaved (the
 * seed adds one job to every collaboration in turn, then the second one, so consecutive jobs of the listing belong
 * to different collaborations and every page touches 100 of them). One unscoped walk of 100 pages, spilled to a
 * file in the child's os.tmpdir(), then 5,000 objects uploaded a bounded number at a time.
 *
 * Targets: peak RSS ≤ 200 MB (VmHWM of the child), exit 0, and 5,000 objects, counted with ListObjectsV2 on the
 * run's partition prefix. Statuses follow REALISTIC_STATUSES along the listing order (1 % failed jobs, one Get each).
 *
 * A control runs in turn with each run: the same export with POWERTOOLS_METRICS_DISABLED=true, which tells what the
 * run's EMF metrics add to the peak (a `*` source publishes one document for all its collaborations).
 */
import { generateJobs } from '../../local/emulator';
import { cpuMs, type BenchContext, type MeasuredRun, type WorkloadResult } from '../support/context';
import { collaborationId } from '../../test/support/ids';
import { BenchServers, REALISTIC_STATUSES, requestStats, type RequestStats } from '../support/servers';
import { int, mb, median, ms } from '../support/stats';

const RSS_TARGET_BYTES = 200_000_000;
const JOBS_PER_COLLABORATION = 2;

interface Run {
  report: MeasuredRun;
  requests: RequestStats;
  objects: number;
  ok: boolean;
}

export async function runW7(ctx: BenchContext): Promise<WorkloadResult> {
  const size = ctx.quick ? { collaborations: 500, runs: 1 } : { collaborations: 5_000, runs: 3 };
  const n = size.collaborations;
  const expectedJobs = n * JOBS_PER_COLLABORATION;
  const servers = await BenchServers.start({ latencyMs: 0 });
  try {
    const seeded = performance.now();
    const ids = Array.from({ length: n }, (_, i) => collaborationId(0x7000000 + i));
    // Job k of collaboration i is number k * n + i of the listing, and takes that position's realistic status.
    const jobs = ids.map((id, i) =>
      generateJobs({
        collaborationId: id,
        count: JOBS_PER_COLLABORATION,
        statuses: Array.from({ length: JOBS_PER_COLLABORATION }, (_, k) => REALISTIC_STATUSES[(k * n + i) % REALISTIC_STATUSES.length]),
      }),
    );
    for (let k = 0; k < JOBS_PER_COLLABORATION; k++) ids.forEach((id, i) => servers.seedJobs(id, [jobs[i][k]]));
    ctx.log(`W7: ${int(n)} collaborations × ${JOBS_PER_COLLABORATION} jobs seeded interleaved in ${ms(performance.now() - seeded)}`);
    const env = servers.env({ COLLABORATION_IDS: '*' });

    const controlEnv = servers.env({ COLLABORATION_IDS: '*', POWERTOOLS_METRICS_DISABLED: 'true' });

    const measure = async (what: string, runEnv: NodeJS.ProcessEnv): Promise<Run> => {
      servers.takeRequests();
      const event = ctx.nextEvent();
      // The child also samples process.memoryUsage(), to tell heap from buffers at the peak.
      const report = await ctx.runExporter(runEnv, event, { memorySampleMs: 50 });
      const requests = requestStats(servers.takeRequests());
      const objects = (await servers.listSnapshotKeys(event)).length;
      const ok = report.exitCode === 0 && !report.error && report.result?.status === 'succeeded' && report.result.jobs === expectedJobs;
      ctx.log(
        `W7 ${what}: exit ${report.exitCode}, ${report.error ?? ms(report.handlerMs)}, peak RSS ${mb(report.maxRssBytes)}, ` +
          `${int(objects)} objects, ${requests.list} List + ${requests.get} Get`,
      );
      if (!ok) ctx.log(`W7 ${what}: ${JSON.stringify(report.result ?? null)}\n${report.outputTail.slice(-1500)}`);
      return { report, requests, objects, ok };
    };
    const runs: Run[] = [];
    const control: Run[] = [];
    for (let run = 0; run < size.runs; run++) {
      runs.push(await measure(`run ${run + 1}/${size.runs}`, env));
      control.push(await measure(`control ${run + 1}/${size.runs} (metrics disabled)`, controlEnv));
    }

    const rss = median(runs.map((r) => r.report.maxRssBytes));
    const rssMet = rss <= RSS_TARGET_BYTES;
    const exitMet = runs.every((r) => r.ok);
    const objectsMet = runs.every((r) => r.objects === n);
    const wallMs = median(runs.map((r) => r.report.handlerMs ?? NaN));
    const controlRss = median(control.map((r) => r.report.maxRssBytes));
    const controlOk = control.every((r) => r.ok && r.objects === n);
    const of = runs.length > 1 ? `, median of ${runs.length} (range)` : '';
    const range = (f: (r: Run) => string) => (runs.length > 1 ? ` (${runs.map(f).join(', ')})` : '');
    const typical = runs.slice().sort((a, b) => a.report.maxRssBytes - b.report.maxRssBytes)[Math.floor(runs.length / 2)];
    const p = typical.report.memoryPeaks;
    const label = `W7 many collaborations (COLLABORATION_IDS=*, ${int(n)} collaborations × ${JOBS_PER_COLLABORATION} jobs, listed interleaved)`;
    return {
      rows: [
        {
          workload: label,
          metric: `peak RSS of the process${of}`,
          exporter: `${mb(rss)}${range((r) => mb(r.report.maxRssBytes))}`,
          naive: 'no * mode',
          target: '≤ 200 MB',
          met: ctx.judge(rssMet),
        },
        {
          workload: label,
          metric: 'of which, at their peaks: V8 heap (its young generation), array buffers',
          exporter: p ? `${mb(p.heapTotal)} (${mb(p['space:new_space'])}), ${mb(p.arrayBuffers)}` : 'n/a',
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: `control: the same runs with POWERTOOLS_METRICS_DISABLED=true (no EMF metrics), peak RSS${of}`,
          exporter: `${mb(controlRss)}${runs.length > 1 ? ` (${control.map((r) => mb(r.report.maxRssBytes)).join(', ')})` : ''}${controlOk ? '' : '; some control runs failed'}`,
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'exit code, outcome (every run)',
          exporter: runs.map((r) => `${r.report.exitCode} ${r.report.result?.status ?? r.report.error ?? 'no result'}`).join(', '),
          naive: '',
          target: '0 succeeded',
          met: exitMet,
          correctness: true,
        },
        {
          workload: label,
          metric: 'snapshot objects in the partition (ListObjectsV2, every run)',
          exporter: runs.map((r) => int(r.objects)).join(', '),
          naive: '',
          target: `= ${int(n)}`,
          met: objectsMet,
          correctness: true,
        },
        {
          workload: label,
          metric: `wall time${of}`,
          exporter: `${ms(wallMs)}${range((r) => ms(r.report.handlerMs))}`,
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'requests per run: List, Get',
          exporter: `${int(median(runs.map((r) => r.requests.list)))}, ${int(median(runs.map((r) => r.requests.get)))}`,
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: `CPU time of the process (user + system, all threads)${runs.length > 1 ? ', median' : ''}`,
          exporter: ms(median(runs.map((r) => cpuMs(r.report)))),
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'CPU time of the emulator and S3 server meanwhile',
          exporter: ms(median(runs.map((r) => r.report.serversCpuMs))),
          naive: '',
          target: '',
        },
      ],
      data: {
        collaborations: n,
        jobsPerCollaboration: JOBS_PER_COLLABORATION,
        expectedJobs,
        runs: runs.map((r) => ({
          exitCode: r.report.exitCode,
          result: r.report.result,
          error: r.report.error,
          handlerMs: r.report.handlerMs,
          maxRssBytes: r.report.maxRssBytes,
          memoryPeaks: r.report.memoryPeaks,
          cpuMs: cpuMs(r.report),
          serversCpuMs: r.report.serversCpuMs,
          objects: r.objects,
          requests: r.requests,
        })),
        control: control.map((r) => ({
          exitCode: r.report.exitCode,
          handlerMs: r.report.handlerMs,
          maxRssBytes: r.report.maxRssBytes,
          memoryPeaks: r.report.memoryPeaks,
          objects: r.objects,
        })),
        controlMedianMaxRssBytes: controlRss,
        medianMaxRssBytes: rss,
        medianHandlerMs: wallMs,
        targets: { maxRssBytes: RSS_TARGET_BYTES, objects: n, exitCode: 0 },
        met: { maxRss: rssMet, exitCode: exitMet, objects: objectsMet },
      },
    };
  } finally {
    await servers.stop();
  }
}
