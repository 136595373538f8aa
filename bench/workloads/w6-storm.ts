/**
 * W6 throttling storm: the first GetAudienceGenerationJob of every job ARN answers 429 once, and its retry succeeds
 * (`faults.throttleFirstAttempts({ operation: 'GetAudienceGenerationJob' })`), with no rate quota: throttling that
 * does not depend on the client's rate, as when another caller uses up the account's quota. Every job is
 * CREATE_FAILED or DELETE_FAILED, so every job needs a Get and the storm is as big as the run (the example:
 * 3 collaborations of 230 jobs, 9 List pages, 690 Gets).
 *
 * The same run without the storm runs alongside, in turn, with the median of each judged: the stormed run must take
 * at most 2× the unstormed one + 5 s (one retry per Get, not a rate collapse).
 */
import { expectSucceeded, type BenchContext, type MeasuredRun, type WorkloadResult } from '../support/context';
import { collaborationId } from '../../test/support/ids';
import { admittedRate, BenchServers, requestStats, writeTimeline, type RequestStats } from '../support/servers';
import { int, median, ms, percent, ratio } from '../support/stats';

const FAILED_STATUSES = ['CREATE_FAILED', 'DELETE_FAILED'] as const;
const TARGET_FACTOR = 2;
const TARGET_SLACK_MS = 5_000;
const GET = 'GetAudienceGenerationJob' as const;

interface Run {
  report: MeasuredRun;
  requests: RequestStats;
  /** Admitted Gets per second between the first and the last Get's arrival. */
  getsPerSecond: number;
  jobsExported: number;
}

export async function runW6(ctx: BenchContext): Promise<WorkloadResult> {
  const size = ctx.quick ? { collaborations: 2, jobs: 60, runs: 1 } : { collaborations: 3, jobs: 230, runs: 3 };
  const expectedJobs = size.collaborations * size.jobs;
  const servers = await BenchServers.start({ latencyMs: 0 });
  try {
    const ids = Array.from({ length: size.collaborations }, (_, i) => collaborationId(0x6000 + i));
    for (const id of ids) servers.seed(id, size.jobs, FAILED_STATUSES);
    const env = servers.env({ COLLABORATION_IDS: ids.join(','), MAX_CONCURRENCY: String(size.collaborations) });
    const faults = servers.emulator.faults;

    const measure = async (storm: boolean, run: number): Promise<Run> => {
      faults.reset();
      // A fresh storm: every ARN is throttled once again in this run.
      if (storm) faults.throttleFirstAttempts({ operation: GET });
      servers.takeRequests();
      const event = ctx.nextEvent();
      const report = await ctx.runExporter(env, event);
      const timed = servers.takeRequests();
      writeTimeline(`w6-${storm ? 'storm' : 'calm'}-run${run + 1}`, timed);
      expectSucceeded(report, `W6 ${storm ? 'storm' : 'no storm'}`, expectedJobs);
      let jobsExported = 0;
      for (const id of ids) jobsExported += await servers.countLinesIfAny(event, id);
      return { report, requests: requestStats(timed), getsPerSecond: admittedRate(timed, GET), jobsExported };
    };
    const calm: Run[] = [];
    const stormed: Run[] = [];
    for (let run = 0; run < size.runs; run++) {
      const c = await measure(false, run);
      calm.push(c);
      const s = await measure(true, run);
      stormed.push(s);
      ctx.log(
        `W6 run ${run + 1}/${size.runs}: no storm ${ms(c.report.handlerMs)} (${c.requests.total} requests), ` +
          `storm ${ms(s.report.handlerMs)} (${s.requests.total} requests, ${s.requests.throttled} × 429, ${s.getsPerSecond.toFixed(1)} Gets/s admitted)`,
      );
    }
    faults.reset();

    const calmMs = median(calm.map((r) => r.report.handlerMs!));
    const stormMs = median(stormed.map((r) => r.report.handlerMs!));
    const limitMs = TARGET_FACTOR * calmMs + TARGET_SLACK_MS;
    const met = stormMs <= limitMs;
    const exported = [...calm, ...stormed].every((r) => r.jobsExported === expectedJobs);
    const pages = Math.ceil(size.jobs / 100) * size.collaborations;
    const label = `W6 storm (${size.collaborations} × ${int(size.jobs)} jobs, all failed: ${pages} List pages, ${int(expectedJobs)} Gets, each Get's first attempt throttled)`;
    const of = size.runs > 1 ? `, median of ${size.runs} (range)` : '';
    const range = (runs: Run[]) => (runs.length > 1 ? ` (${runs.map((r) => ms(r.report.handlerMs)).join(', ')})` : '');
    const m = (runs: Run[], f: (r: Run) => number) => median(runs.map(f));
    return {
      rows: [
        {
          workload: label,
          metric: `wall time with the storm${of}`,
          exporter: `${ms(stormMs)}${range(stormed)}`,
          naive: '',
          target: `≤ 2 × no storm + 5 s = ${ms(limitMs)}`,
          met: ctx.judge(met),
        },
        { workload: label, metric: `wall time without the storm${of}`, exporter: `${ms(calmMs)}${range(calm)}`, naive: '', target: '' },
        { workload: label, metric: 'storm / no storm', exporter: ratio(stormMs / calmMs, 1), naive: '', target: '', met: undefined },
        {
          workload: label,
          metric: 'requests with the storm, median: List, Get, of which 429',
          exporter: `${int(m(stormed, (r) => r.requests.list))}, ${int(m(stormed, (r) => r.requests.get))}, ${int(m(stormed, (r) => r.requests.throttled))} (${percent(m(stormed, (r) => r.requests.throttled / r.requests.total))})`,
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'admitted Gets per second, median: with the storm, without',
          exporter: `${m(stormed, (r) => r.getsPerSecond).toFixed(1)}, ${m(calm, (r) => r.getsPerSecond).toFixed(1)}`,
          naive: '',
          target: '',
        },
        {
          workload: label,
          metric: 'jobs exported (every run)',
          exporter: exported ? `${int(expectedJobs)} of ${int(expectedJobs)}` : 'some lost',
          naive: '',
          target: 'all',
          met: exported,
          correctness: true,
        },
      ],
      data: {
        collaborations: size.collaborations,
        jobsPerCollaboration: size.jobs,
        expectedJobs,
        calm: calm.map(summarize),
        storm: stormed.map(summarize),
        calmMedianMs: calmMs,
        stormMedianMs: stormMs,
        limitMs,
        targets: { factor: TARGET_FACTOR, slackMs: TARGET_SLACK_MS },
        met: { stormWallTime: met, allJobsExported: exported },
      },
    };
  } finally {
    await servers.stop();
  }
}

function summarize(r: Run) {
  return {
    handlerMs: r.report.handlerMs,
    requests: r.requests,
    getsPerSecond: r.getsPerSecond,
    jobsExported: r.jobsExported,
    cpuMs: r.report.userCpuMs + r.report.systemCpuMs,
  };
}
