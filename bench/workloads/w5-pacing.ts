/**
 * W5 pacing: per-operation quotas (a token bucket per account, Region and operation, as AWS applies them), of
 * several shapes: List slow and Get fast, List fast and Get slow, both in between. N collaborations × P pages, with
 * 4 % failed jobs (4 GetAudienceGenerationJob per page, 4× the realistic share, so that a Get quota bites).
 *
 * Per shape: the wall time against the time the quotas allow (bench/support/quota-bound.ts: the admitted requests
 * scheduled as early as the buckets, their bursts included, and the walk's structure permit, plus the run's fixed
 * cost, an empty collaboration with no quota), and the share of 429s among all requests. The shapes run in turn,
 * each with full buckets, so that a change in the machine's load hits them alike.
 */
import { collaborationId } from '../../test/support/ids';
import { expectSucceeded, type BenchContext, type MeasuredRun, type WorkloadResult } from '../support/context';
import { detailedPerPage, quotaBound, type Quota, type QuotaBound } from '../support/quota-bound';
import { admittedRate, BenchServers, DETAILED_STATUSES, requestStats, writeTimeline, type RequestStats } from '../support/servers';
import { int, median, ms, percent, ratio } from '../support/stats';

const LATENCY_MS = 20;
const WALL_TARGET = 1.3;
const THROTTLED_SHARE_TARGET = 0.15;
const LIST = 'ListAudienceGenerationJobs' as const;
const GET = 'GetAudienceGenerationJob' as const;

/** 50 statuses in turn: 2 failed (CREATE_FAILED, DELETE_FAILED), so 4 per page of 100, the rest as in REALISTIC_STATUSES. */
export const PACING_STATUSES: readonly string[] = Array.from({ length: 50 }, (_, i) => {
  if (i === 7) return 'CREATE_FAILED';
  if (i === 32) return 'DELETE_FAILED';
  if (i % 10 === 3) return 'CREATE_IN_PROGRESS';
  if (i % 25 === 11) return 'DELETE_PENDING';
  return 'ACTIVE';
});

interface Shape {
  name: string;
  list: Quota;
  get: Quota;
}

const SHAPES: readonly Shape[] = [
  { name: 'a', list: { requestsPerSecond: 1, burst: 1 }, get: { requestsPerSecond: 40, burst: 40 } },
  { name: 'b', list: { requestsPerSecond: 20, burst: 20 }, get: { requestsPerSecond: 2, burst: 5 } },
  { name: 'c', list: { requestsPerSecond: 2, burst: 4 }, get: { requestsPerSecond: 8, burst: 8 } },
];

interface Run {
  report: MeasuredRun;
  requests: RequestStats;
  /** Admitted (non-429) requests per second of each operation, between its first and last arrival. */
  admittedPerSecond: { list: number; get: number };
  jobsExported: number;
}

export async function runW5(ctx: BenchContext): Promise<WorkloadResult> {
  const size = ctx.quick ? { collaborations: 2, pages: 2, runs: 1 } : { collaborations: 3, pages: 5, runs: 3 };
  const jobsPer = size.pages * 100;
  const expectedJobs = size.collaborations * jobsPer;
  const servers = await BenchServers.start({ latencyMs: LATENCY_MS });
  try {
    const ids = Array.from({ length: size.collaborations }, (_, i) => collaborationId(0x5000 + i));
    for (const id of ids) servers.seed(id, jobsPer, PACING_STATUSES);
    const emptyId = collaborationId(0x5e0e);
    const env = servers.env({ COLLABORATION_IDS: ids.join(','), MAX_CONCURRENCY: String(size.collaborations) });
    const emptyEnv = servers.env({ COLLABORATION_IDS: emptyId, MAX_CONCURRENCY: String(size.collaborations) });
    const chains = ids.map(() => detailedPerPage(jobsPer, PACING_STATUSES, DETAILED_STATUSES));

    const empty: MeasuredRun[] = [];
    const runs = new Map<string, Run[]>(SHAPES.map((s) => [s.name, []]));
    const faults = servers.emulator.faults;
    for (let round = 0; round < size.runs; round++) {
      faults.rateLimit(undefined);
      const e = await ctx.runExporter(emptyEnv, ctx.nextEvent());
      expectSucceeded(e, 'W5 empty collaboration', 0);
      empty.push(e);
      servers.takeRequests();
      for (const shape of SHAPES) {
        // Setting a scope's limit again gives it fresh, full buckets.
        faults.rateLimit(undefined);
        faults.rateLimit(shape.list, { operation: LIST });
        faults.rateLimit(shape.get, { operation: GET });
        const event = ctx.nextEvent();
        const report = await ctx.runExporter(env, event);
        const timed = servers.takeRequests();
        writeTimeline(`w5${shape.name}-run${round + 1}`, timed);
        expectSucceeded(report, `W5${shape.name}`, expectedJobs);
        let jobsExported = 0;
        for (const id of ids) jobsExported += await servers.countLinesIfAny(event, id);
        const run = {
          report,
          requests: requestStats(timed),
          admittedPerSecond: { list: admittedRate(timed, LIST), get: admittedRate(timed, GET) },
          jobsExported,
        };
        runs.get(shape.name)!.push(run);
        ctx.log(
          `W5${shape.name} run ${round + 1}/${size.runs}: ${ms(report.handlerMs)}, List ${run.requests.list} (${run.requests.listThrottled} × 429), ` +
            `Get ${run.requests.get} (${run.requests.getThrottled} × 429); admitted List ${run.admittedPerSecond.list.toFixed(2)}/s, Get ${run.admittedPerSecond.get.toFixed(2)}/s`,
        );
      }
    }
    faults.rateLimit(undefined);

    const fixedMs = median(empty.map((r) => r.handlerMs!));
    const rows: WorkloadResult['rows'] = [];
    const data: Record<string, unknown> = {};
    const dataShape = `${size.collaborations} × ${size.pages} pages, 4 % failed jobs, ${LATENCY_MS} ms/request`;
    let allExported = true;
    for (const shape of SHAPES) {
      const shapeRuns = runs.get(shape.name)!;
      const bound: QuotaBound = quotaBound({ chains, list: shape.list, get: shape.get, latencyMs: LATENCY_MS });
      const boundMs = bound.ms + fixedMs;
      const wallMs = median(shapeRuns.map((r) => r.report.handlerMs!));
      const toBound = wallMs / boundMs;
      const total = shapeRuns.reduce((n, r) => n + r.requests.total, 0);
      const throttled = shapeRuns.reduce((n, r) => n + r.requests.throttled, 0);
      const share = throttled / total;
      const exported = shapeRuns.every((r) => r.jobsExported === expectedJobs);
      allExported &&= exported;
      const of = shapeRuns.length > 1 ? `, median of ${shapeRuns.length} (range)` : '';
      const range = shapeRuns.length > 1 ? ` (${shapeRuns.map((r) => ms(r.report.handlerMs)).join(', ')})` : '';
      const quotas = `List ${shape.list.requestsPerSecond}/s burst ${shape.list.burst}, Get ${shape.get.requestsPerSecond}/s burst ${shape.get.burst}`;
      const shapeLabel = `W5${shape.name} pacing: ${quotas} (${dataShape})`;
      const perRun = (f: (r: Run) => number) => median(shapeRuns.map(f));
      rows.push(
        { workload: shapeLabel, metric: `wall time${of}`, exporter: `${ms(wallMs)}${range}`, naive: '', target: '' },
        {
          workload: shapeLabel,
          metric: `bound: ${bound.lists} List + ${bound.gets} Get admitted at the quotas (Lists done at ${ms(bound.listDoneMs)}, Gets at ${ms(bound.getDoneMs)}) + fixed cost ${ms(fixedMs)}`,
          exporter: ms(boundMs),
          naive: '',
          target: '',
        },
        {
          workload: shapeLabel,
          metric: 'wall time / bound',
          exporter: ratio(toBound),
          naive: '',
          target: `≤ ${WALL_TARGET.toFixed(2)}×`,
          met: ctx.judge(toBound <= WALL_TARGET),
        },
        {
          workload: shapeLabel,
          metric: 'requests per run, median: List (429), Get (429)',
          exporter: `${int(perRun((r) => r.requests.list))} (${int(perRun((r) => r.requests.listThrottled))}), ${int(perRun((r) => r.requests.get))} (${int(perRun((r) => r.requests.getThrottled))})`,
          naive: '',
          target: '',
        },
        {
          workload: shapeLabel,
          metric: `429 share of all requests${shapeRuns.length > 1 ? ` (all ${shapeRuns.length} runs)` : ''}`,
          exporter: `${percent(share)} (${throttled} of ${total})`,
          naive: '',
          target: '≤ 15 %',
          met: ctx.judge(share <= THROTTLED_SHARE_TARGET),
        },
        {
          workload: shapeLabel,
          metric: 'admitted requests per second, median (quota): List, Get',
          exporter: `${perRun((r) => r.admittedPerSecond.list).toFixed(2)} (${shape.list.requestsPerSecond}), ${perRun((r) => r.admittedPerSecond.get).toFixed(2)} (${shape.get.requestsPerSecond})`,
          naive: '',
          target: '',
        },
      );
      data[shape.name] = {
        quotas: { list: shape.list, get: shape.get },
        bound: { ...bound, fixedMs, boundMs },
        wallMs: shapeRuns.map((r) => r.report.handlerMs),
        wallMedianMs: wallMs,
        wallToBound: toBound,
        throttledShare: share,
        runs: shapeRuns.map((r) => ({
          handlerMs: r.report.handlerMs,
          requests: r.requests,
          admittedPerSecond: r.admittedPerSecond,
          jobsExported: r.jobsExported,
          maxRssBytes: r.report.maxRssBytes,
        })),
        met: { wallToBound: toBound <= WALL_TARGET, throttledShare: share <= THROTTLED_SHARE_TARGET, allJobsExported: exported },
      };
    }
    rows.push({
      workload: `W5 pacing (${dataShape})`,
      metric: 'jobs exported (every run of every shape)',
      exporter: allExported ? `${int(expectedJobs)} of ${int(expectedJobs)}` : 'some lost',
      naive: '',
      target: 'all',
      met: allExported,
      correctness: true,
    });
    return {
      rows,
      data: {
        collaborations: size.collaborations,
        pagesPerCollaboration: size.pages,
        detailedPerPage: chains[0],
        latencyMs: LATENCY_MS,
        expectedJobs,
        emptyCollaborationMs: empty.map((r) => r.handlerMs),
        fixedMs,
        shapes: data,
        targets: { wallToBound: WALL_TARGET, throttledShare: THROTTLED_SHARE_TARGET },
      },
    };
  } finally {
    await servers.stop();
  }
}
