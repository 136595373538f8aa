/**
 * The servers a workload runs against, in the benchmark's own process: the local Clean Rooms ML emulator and the
 * in-process S3 server (s3rver). The exporter under test runs in a child process (see child.ts), so its RSS and
 * CPU time are its own.
 */
import { rmSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CleanRoomsMLEmulator, generateJobs, type EmulatorJob, type RecordedRequest } from '../../local/emulator';
import { LOCAL_CREDENTIALS, localAwsEnvironment } from '../../local/local-aws-environment';
import { LocalS3Server } from '../../local/s3/local-s3-server';

/** s3rver accepts only its own key pair; the emulator is given the same one, so one credential chain serves both. */
export const BENCH_BUCKET = 'bench-snapshots';

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

/** A distinct, valid, lowercase collaboration id. */
export function collaborationId(n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `b3c4e000-0000-4000-8000-${hex}`;
}

export interface RequestStats {
  total: number;
  list: number;
  get: number;
  throttled: number;
  otherErrors: number;
}

export class BenchServers {
  private constructor(
    readonly emulator: CleanRoomsMLEmulator,
    readonly s3Server: LocalS3Server,
    readonly s3: S3Client,
  ) {}

  static async start(options: { latencyMs?: number } = {}): Promise<BenchServers> {
    const emulator = await CleanRoomsMLEmulator.start({ credentials: LOCAL_CREDENTIALS, latencyMs: options.latencyMs ?? 0 });
    memoizeCollaborationListings(emulator);
    const s3Server = await LocalS3Server.start({ buckets: [BENCH_BUCKET] });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: s3Server.endpoint,
      forcePathStyle: true,
      credentials: LOCAL_CREDENTIALS,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    return new BenchServers(emulator, s3Server, s3);
  }

  /**
   * Seeds `count` jobs into a collaboration, in chunks of at most 100,000 (each chunk with its own account id, so
   * that every ARN is unique), with {@link REALISTIC_STATUSES}.
   */
  seed(id: string, count: number): void {
    const CHUNK = 100_000;
    for (let done = 0, chunk = 0; done < count; done += CHUNK, chunk++) {
      this.emulator.seed(
        id,
        generateJobs({
          collaborationId: id,
          count: Math.min(CHUNK, count - done),
          accountId: String(111122223333 + chunk),
          statuses: REALISTIC_STATUSES,
        }),
      );
    }
  }

  /** The environment of an exporter child: standard AWS variables towards the local servers, plus `overrides`. */
  env(overrides: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      ...localAwsEnvironment({ cleanRoomsMl: this.emulator.endpoint, s3: this.s3Server.endpoint }),
      // As the stack sets it for the function.
      NODE_OPTIONS: '--enable-source-maps',
      SNAPSHOT_BUCKET: BENCH_BUCKET,
      ...overrides,
    };
  }

  /** Counts the requests the emulator answered since the last call, and forgets them. */
  takeRequestStats(): RequestStats {
    const requests: RecordedRequest[] = this.emulator.requests;
    const stats: RequestStats = { total: requests.length, list: 0, get: 0, throttled: 0, otherErrors: 0 };
    for (const r of requests) {
      if (r.operation === 'ListAudienceGenerationJobs') stats.list++;
      else if (r.operation === 'GetAudienceGenerationJob') stats.get++;
      if (r.status === 429) stats.throttled++;
      else if (r.status === undefined || r.status >= 400 || r.status === 0) stats.otherErrors++;
    }
    this.emulator.clearRequests();
    return stats;
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

  async stop(): Promise<void> {
    this.s3.destroy();
    await Promise.all([this.emulator.stop(), this.s3Server.stop()]);
    rmSync(this.s3Server.directory, { recursive: true, force: true });
  }
}

interface ListingStore {
  jobs: unknown[];
  list(filter: { collaborationId?: string; configuredAudienceModelArn?: string }): unknown[];
}

/**
 * The emulator's job store answers every List request by filtering all seeded jobs: with 1,000,000 jobs that is
 * ~225 ms per page (measured), 10,000 pages, ~40 minutes, and the exporter would be measured against the
 * emulator's scan. The store only ever grows, so a collaboration-scoped listing (no model filter) is memoized until
 * the next seed: the same array the filter would return, computed once.
 */
function memoizeCollaborationListings(emulator: CleanRoomsMLEmulator): void {
  const store = (emulator as unknown as { store?: ListingStore }).store;
  if (!store || !Array.isArray(store.jobs) || typeof store.list !== 'function') {
    throw new Error('bench/support/servers.ts: the emulator no longer has store.jobs and store.list; update memoizeCollaborationListings');
  }
  const list = store.list.bind(store);
  const memo = new Map<string, { seeded: number; jobs: unknown[] }>();
  store.list = (filter) => {
    if (filter.collaborationId === undefined || filter.configuredAudienceModelArn !== undefined) return list(filter);
    const hit = memo.get(filter.collaborationId);
    if (hit && hit.seeded === store.jobs.length) return hit.jobs;
    const jobs = list(filter);
    memo.set(filter.collaborationId, { seeded: store.jobs.length, jobs });
    return jobs;
  };
}

export type { EmulatorJob };
