/**
 * The servers a workload runs against, in the benchmark's own process: the local AWS of `local/local-aws.ts` (the
 * Clean Rooms ML emulator, the local STS and s3rver, sharing one credential registry). The exporter under test runs
 * in a process of its own (local/lambda-runtime/invoke.ts), so its RSS and CPU time are its own.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { compactTimestamp, partitionPrefix, snapshotObjectKey, type SnapshotOwner } from '../../lambda/snapshot/key-layout';
import { generateJobs, type CleanRoomsMLEmulator, type EmulatorJob, type OperationName, type RecordedRequest } from '../../local/emulator';
import type { JobFilter, JobStore, StoredJob } from '../../local/emulator/job-store';
import { LocalAws } from '../../local/local-aws';
import { localS3Client } from '../../local/s3/local-s3-client';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../../local/local-aws-environment';
import { DATA_DIR } from './bundles';

export const BENCH_BUCKET = 'bench-snapshots';
/** The exporter's default SNAPSHOT_PREFIX, which every workload uses. */
export const PREFIX = 'audience-generation-jobs/';

/**
 * Statuses assigned in turn by the seed: 200 jobs with one CREATE_FAILED and one DELETE_FAILED (1 % failed jobs,
 * one per page of 100, in the middle of the page, as real accounts have some in every collaboration).
 */
export const REALISTIC_STATUSES: readonly string[] = Array.from({ length: 200 }, (_, i) => {
  if (i === 37) return 'CREATE_FAILED';
  if (i === 137) return 'DELETE_FAILED';
  if (i % 10 === 3) return 'CREATE_IN_PROGRESS';
  if (i % 25 === 11) return 'DELETE_PENDING';
  return 'ACTIVE';
});

/** Statuses that get a GetAudienceGenerationJob (the exporter's FAILED_STATUSES). */
export const DETAILED_STATUSES: ReadonlySet<string> = new Set(['CREATE_FAILED', 'DELETE_FAILED']);

export interface RequestStats {
  total: number;
  list: number;
  get: number;
  throttled: number;
  listThrottled: number;
  getThrottled: number;
  otherErrors: number;
  /** Arrival of the first and last request, ms after the first (undefined without requests). */
  spanMs?: number;
}

/** One recorded request with its arrival time (performance.now() of this process). */
export interface TimedRequest {
  at: number;
  operation: OperationName | undefined;
  status: number | undefined;
}

export class BenchServers {
  /** Arrival time of each of `emulator.requests`, same index. */
  private readonly arrivals: number[] = [];

  private constructor(
    readonly aws: LocalAws,
    /** For reading back what the exporter wrote; LocalAws gives no client. */
    readonly s3: S3Client,
  ) {
    timeArrivals(aws.emulator, this.arrivals);
  }

  get emulator(): CleanRoomsMLEmulator {
    return this.aws.emulator;
  }

  static async start(options: { latencyMs?: number } = {}): Promise<BenchServers> {
    const aws = await LocalAws.start({ latencyMs: options.latencyMs ?? 0, buckets: [BENCH_BUCKET] });
    memoizeCollaborationListings(aws.emulator);
    return new BenchServers(aws, localS3Client(aws.s3Server.endpoint, LOCAL_CREDENTIALS, { region: aws.region }));
  }

  /**
   * Seeds `count` jobs into a collaboration, in the partition of the local credentials (account LOCAL_ACCOUNT_ID,
   * the default Region: the one the listings are memoized in), in chunks of at most 100,000 (each chunk with its own
   * account id in the ARNs, so that every ARN is unique), with `statuses` in turn (default
   * {@link REALISTIC_STATUSES}).
   */
  seed(id: string, count: number, statuses: readonly string[] = REALISTIC_STATUSES): EmulatorJob[] {
    const CHUNK = 100_000;
    const seeded: EmulatorJob[] = [];
    for (let done = 0, chunk = 0; done < count; done += CHUNK, chunk++) {
      const jobs = generateJobs({
        collaborationId: id,
        count: Math.min(CHUNK, count - done),
        accountId: String(Number(LOCAL_ACCOUNT_ID) + chunk),
        statuses,
      });
      this.emulator.seed(id, jobs);
      for (const job of jobs) seeded.push(job);
    }
    return seeded;
  }

  /**
   * Moves every `every`-th of `jobs` (seeded here) to another status that needs no GetAudienceGenerationJob
   * (ACTIVE, or CREATE_IN_PROGRESS for a job that is ACTIVE), as between two runs; returns how many changed.
   */
  changeStatuses(jobs: EmulatorJob[], every: number): number {
    let changed = 0;
    for (let i = 0; i < jobs.length; i += every) {
      const status = jobs[i].status === 'ACTIVE' ? 'CREATE_IN_PROGRESS' : 'ACTIVE';
      jobs[i] = this.emulator.updateJob(jobs[i].audienceGenerationJobArn, { status });
      changed++;
    }
    return changed;
  }

  /** Seeds given jobs into a collaboration, in the same partition as {@link seed}. */
  seedJobs(id: string, jobs: readonly EmulatorJob[]): void {
    this.emulator.seed(id, jobs);
  }

  /** Whose objects the exporter writes for a collaboration seeded here (the key's account and Region). */
  owner(id: string): SnapshotOwner {
    return { accountId: LOCAL_ACCOUNT_ID, region: this.aws.region, collaborationId: id };
  }

  /** The key of a collaboration's snapshot object for a run's event (the default prefix, gzip). */
  snapshotKey(event: { scheduledTime: string }, id: string): string {
    return snapshotObjectKey(PREFIX, new Date(event.scheduledTime), this.owner(id), 'gzip');
  }

  /** The environment of an exporter child: standard AWS variables towards the local servers, plus `overrides`. */
  env(overrides: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      ...this.aws.env(),
      SNAPSHOT_BUCKET: BENCH_BUCKET,
      ...overrides,
    };
  }

  /** The requests the emulator answered since the last call, with their arrival times; forgets them. */
  takeRequests(): TimedRequest[] {
    const requests: RecordedRequest[] = this.emulator.requests;
    const timed = requests.map((r, i) => ({ at: this.arrivals[i] ?? NaN, operation: r.operation, status: r.status }));
    this.emulator.clearRequests();
    this.arrivals.length = 0;
    return timed;
  }

  /** Counts the requests the emulator answered since the last call, and forgets them. */
  takeRequestStats(): RequestStats {
    return requestStats(this.takeRequests());
  }

  /** Lines of a snapshot object (gunzipped when its key ends in .gz), counted while streaming it. */
  async countLines(key: string): Promise<number> {
    const object = await this.s3.send(new GetObjectCommand({ Bucket: BENCH_BUCKET, Key: key }));
    let stream = object.Body as Readable;
    if (key.endsWith('.gz')) stream = stream.pipe(createGunzip());
    let lines = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    }
    return lines;
  }

  /** Lines of a collaboration's object of this run, or 0 when there is no such object. */
  async countLinesIfAny(event: { scheduledTime: string }, id: string): Promise<number> {
    try {
      return await this.countLines(this.snapshotKey(event, id));
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return 0;
      throw error;
    }
  }

  /**
   * The snapshot objects of one run: ListObjectsV2 over the run's partition prefix (`dt=…/`), keeping the keys of
   * that run's timestamp (other runs of the day share the partition) and leaving out the manifest.
   */
  async listSnapshotKeys(event: { scheduledTime: string }): Promise<string[]> {
    const time = new Date(event.scheduledTime);
    const suffix = `_${compactTimestamp(time)}.ndjson.gz`;
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: BENCH_BUCKET, Prefix: partitionPrefix(PREFIX, time), ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key?.endsWith(suffix)) keys.push(object.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }

  async stop(): Promise<void> {
    this.s3.destroy();
    await this.aws.stop();
    rmSync(this.aws.s3Server.directory, { recursive: true, force: true });
  }
}

export function requestStats(requests: readonly TimedRequest[]): RequestStats {
  const stats: RequestStats = { total: requests.length, list: 0, get: 0, throttled: 0, listThrottled: 0, getThrottled: 0, otherErrors: 0 };
  for (const r of requests) {
    const list = r.operation === 'ListAudienceGenerationJobs';
    if (list) stats.list++;
    else if (r.operation === 'GetAudienceGenerationJob') stats.get++;
    if (r.status === 429) {
      stats.throttled++;
      if (list) stats.listThrottled++;
      else stats.getThrottled++;
    } else if (r.status === undefined || r.status >= 400 || r.status === 0) stats.otherErrors++;
  }
  if (requests.length > 0) stats.spanMs = requests[requests.length - 1].at - requests[0].at;
  return stats;
}

/**
 * Admitted (non-429) requests of `operation` per second, between its first and its last arrival (a span of n - 1
 * gaps); NaN with fewer than two.
 */
export function admittedRate(requests: readonly TimedRequest[], operation: OperationName): number {
  const admitted = requests.filter((r) => r.operation === operation && r.status !== 429);
  if (admitted.length < 2) return NaN;
  return (admitted.length - 1) / ((admitted[admitted.length - 1].at - admitted[0].at) / 1000);
}

/**
 * Writes a run's requests to bench/.data/timelines/{name}.json, for diagnosis (not part of the results): one
 * `[ms after the first request, operation L or G, status]` per request, in arrival order.
 */
export function writeTimeline(name: string, requests: readonly TimedRequest[]): void {
  const dir = path.join(DATA_DIR, 'timelines');
  mkdirSync(dir, { recursive: true });
  const t0 = requests[0]?.at ?? 0;
  const rows = requests.map((r) => [Math.round(r.at - t0), r.operation === 'ListAudienceGenerationJobs' ? 'L' : 'G', r.status ?? null]);
  writeFileSync(path.join(dir, `${name}.json`), `[\n${rows.map((row) => JSON.stringify(row)).join(',\n')}\n]\n`);
}

/**
 * Records when each request arrives, next to `emulator.requests` (whose entries carry no time), by wrapping that
 * array's `push`: the emulator records a request on arrival with one push. For the rates the workloads report.
 */
function timeArrivals(emulator: CleanRoomsMLEmulator, arrivals: number[]): void {
  const requests = emulator.requests;
  Object.defineProperty(requests, 'push', {
    configurable: true,
    value: (...items: RecordedRequest[]) => {
      const now = performance.now();
      for (let i = 0; i < items.length; i++) arrivals.push(now);
      return Array.prototype.push.apply(requests, items);
    },
  });
}

/**
 * The emulator's job store answers every List request by filtering all seeded jobs of the partition: with 1,000,000
 * jobs that is ~225 ms per page (measured), 10,000 pages, ~40 minutes, and the exporter would be measured against
 * the emulator's scan. A collaboration-scoped listing (no model filter; `isHidden` only applies to unscoped
 * listings) is memoized until the store's next `add`, `update` or `remove`: the same array the filter would return,
 * computed once.
 *
 * The store reached is the emulator's default partition (the local credentials' account, the default Region),
 * the one {@link BenchServers.seed} fills; other partitions are not memoized (correct, only slower).
 */
function memoizeCollaborationListings(emulator: CleanRoomsMLEmulator): void {
  const store = (emulator as unknown as { store?: JobStore }).store;
  if (!store || typeof store.list !== 'function' || typeof store.add !== 'function') {
    throw new Error(
      'bench/support/servers.ts: the emulator no longer has a default-partition store with list and add; update memoizeCollaborationListings',
    );
  }
  const list = store.list.bind(store);
  const add = store.add.bind(store);
  const update = store.update.bind(store);
  const remove = store.remove.bind(store);
  let generation = 0;
  const memo = new Map<string, { generation: number; jobs: StoredJob[] }>();
  store.add = (id, jobs) => {
    generation++;
    add(id, jobs);
  };
  store.update = (arn, job) => {
    generation++;
    return update(arn, job);
  };
  store.remove = (arn) => {
    generation++;
    return remove(arn);
  };
  store.list = (filter: JobFilter) => {
    if (filter.collaborationId === undefined || filter.configuredAudienceModelArn !== undefined) return list(filter);
    const hit = memo.get(filter.collaborationId);
    if (hit && hit.generation === generation) return hit.jobs;
    const jobs = list(filter);
    memo.set(filter.collaborationId, { generation, jobs });
    return jobs;
  };
}

export type { EmulatorJob };
