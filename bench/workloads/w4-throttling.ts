/**
 * W4 throttling: the emulator admits 5 requests/s (a token bucket with a burst of 5, as AWS rate-limits APIs) and
 * answers 429 ThrottlingException above it. N collaborations × M pages, 1 % failed jobs. Every job must be
 * exported, and 429s must stay ≤ 25 % of all requests: the exporter paces itself instead of hammering the API.
 */
import type { BenchContext, MeasuredRun, WorkloadResult } from '../support/context';
import { collaborationId } from '../../test/support/ids';
import { BenchServers, type RequestStats } from '../support/servers';
import { int, ms, percent } from '../support/stats';

const RATE_LIMIT = { requestsPerSecond: 5, burst: 5 };
const THROTTLED_SHARE_TARGET = 0.25;

interface Outcome {
  report: MeasuredRun;
  requests: RequestStats;
  throttledShare: number;
  jobsExported: number;
}

export async function runW4(ctx: BenchContext): Promise<WorkloadResult> {
  const size = ctx.quick ? { collaborations: 2, pages: 3 } : { collaborations: 4, pages: 20 };
  const jobsPer = size.pages * 100;
  const expectedJobs = size.collaborations * jobsPer;
  const servers = await BenchServers.start({ latencyMs: 0 });
  try {
    const ids = Array.from({ length: size.collaborations }, (_, i) => collaborationId(0x4000 + i));
    for (const id of ids) servers.seed(id, jobsPer);
    const env = servers.env({ COLLABORATION_IDS: ids.join(','), MAX_CONCURRENCY: String(size.collaborations) });

    const measure = async (run: (env: NodeJS.ProcessEnv, event: { scheduledTime: string }) => Promise<MeasuredRun>): Promise<Outcome> => {
      servers.emulator.faults.rateLimit(RATE_LIMIT); // a full bucket for each side
      servers.takeRequestStats();
      const event = ctx.nextEvent();
      const report = await run(env, event);
      const requests = servers.takeRequestStats();
      let jobsExported = 0;
      for (const id of ids) jobsExported += await servers.countLinesIfAny(event, id);
      return { report, requests, throttledShare: requests.throttled / requests.total, jobsExported };
    };

    const exporter = await measure((e, ev) => ctx.runExporter(e, ev));
    ctx.log(
      `W4 exporter: ${exporter.report.error ?? 'ok'}, ${ms(exporter.report.handlerMs)}, ${exporter.requests.throttled}/${exporter.requests.total} throttled`,
    );
    const naive = await measure((e, ev) => ctx.runNaive(e, ev));
    ctx.log(
      `W4 naive: ${naive.report.error ?? 'ok'}, ${ms(naive.report.handlerMs)}, ${naive.requests.throttled}/${naive.requests.total} throttled`,
    );

    // The admitted requests (all but the 429s) cannot go faster than the bucket: its burst, then its rate.
    const minimumMs =
      (Math.max(0, exporter.requests.total - exporter.requests.throttled - RATE_LIMIT.burst) / RATE_LIMIT.requestsPerSecond) * 1000;
    const exportedMet = exporter.jobsExported === expectedJobs && !exporter.report.error;
    const shareMet = exporter.throttledShare <= THROTTLED_SHARE_TARGET;
    const outcome = (o: Outcome) => (o.report.error ? `failed: ${o.report.error.slice(0, 120)}` : 'succeeded');
    const label = `W4 throttling (${size.collaborations} × ${size.pages} pages, ${RATE_LIMIT.requestsPerSecond} requests/s, burst ${RATE_LIMIT.burst})`;
    return {
      rows: [
        { workload: label, metric: 'outcome', exporter: outcome(exporter), naive: outcome(naive), target: '' },
        {
          workload: label,
          metric: 'jobs exported',
          exporter: `${int(exporter.jobsExported)} of ${int(expectedJobs)}`,
          naive: `${int(naive.jobsExported)} of ${int(expectedJobs)}`,
          target: 'all',
          met: exportedMet,
          correctness: true,
        },
        {
          workload: label,
          metric: 'requests (List + Get), of which 429',
          exporter: `${exporter.requests.total}, ${exporter.requests.throttled}`,
          naive: `${naive.requests.total}, ${naive.requests.throttled}`,
          target: '',
        },
        {
          workload: label,
          metric: '429 share of all requests',
          exporter: percent(exporter.throttledShare),
          naive: percent(naive.throttledShare),
          target: '≤ 25 %',
          met: ctx.judge(shareMet),
        },
        {
          workload: label,
          metric: `wall time (the rate limit allows the exporter's requests in ${ms(minimumMs)})`,
          exporter: ms(exporter.report.handlerMs),
          naive: ms(naive.report.handlerMs),
          target: '',
        },
      ],
      data: {
        rateLimit: RATE_LIMIT,
        collaborations: size.collaborations,
        pagesPerCollaboration: size.pages,
        expectedJobs,
        minimumMs,
        exporter: summarize(exporter),
        naive: summarize(naive),
        targets: { throttledShare: THROTTLED_SHARE_TARGET },
        met: { allJobsExported: exportedMet, throttledShare: shareMet },
      },
    };
  } finally {
    await servers.stop();
  }
}

function summarize(o: Outcome) {
  return {
    handlerMs: o.report.handlerMs,
    error: o.report.error,
    jobsExported: o.jobsExported,
    requests: o.requests,
    throttledShare: o.throttledShare,
    maxRssBytes: o.report.maxRssBytes,
  };
}
