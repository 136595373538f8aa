/**
 * The set-up shared by the client tests of this folder: one emulator per file (SigV4 verified on every request),
 * clients made for it and destroyed after each test, and the seeded collaborations of the client-*.test.ts files.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CleanRoomsMLClient,
  ListAudienceGenerationJobsCommand,
  paginateListAudienceGenerationJobs,
  type CleanRoomsMLClientConfig,
  type ListAudienceGenerationJobsCommandOutput,
} from '../../../lambda/cleanroomsml';
import { CleanRoomsMLEmulator, generateJobs, type EmulatorJob } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';

export interface EmulatorClients {
  /** The file's emulator; its faults and its request log are reset before each test. */
  readonly emulator: CleanRoomsMLEmulator;
  /** A client for the emulator; fresh per test, so the retry strategy's retry quota starts full. */
  newClient(config?: Partial<CleanRoomsMLClientConfig>): CleanRoomsMLClient;
  /** Destroys `client` after the test, as it does the clients of {@link newClient}. */
  track(client: CleanRoomsMLClient): CleanRoomsMLClient;
}

/**
 * Registers the hooks of a file (or describe block): an emulator started once and seeded by `seed`, reset before each
 * test; after each test, mocks restored and the test's clients destroyed. `clientDefaults` apply to every new client.
 */
export function useEmulatorClients(
  seed: (emulator: CleanRoomsMLEmulator) => void,
  clientDefaults: Partial<CleanRoomsMLClientConfig> = {},
): EmulatorClients {
  let emulator: CleanRoomsMLEmulator | undefined;
  const clients: CleanRoomsMLClient[] = [];

  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start();
    seed(emulator);
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  beforeEach(() => {
    emulator!.faults.reset();
    emulator!.clearRequests();
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const client of clients.splice(0)) client.destroy();
    if (emulator) stopRecordingArrivals(emulator);
  });

  const harness: EmulatorClients = {
    get emulator() {
      if (!emulator) throw new Error('the emulator is started in beforeAll');
      return emulator;
    },
    track(client) {
      clients.push(client);
      return client;
    },
    newClient(config = {}) {
      const { region, endpoint, credentials } = harness.emulator;
      return harness.track(
        new CleanRoomsMLClient({ region, endpoint, credentials, requestTimeoutMs: 5_000, ...clientDefaults, ...config }),
      );
    },
  };
  return harness;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Listings of these sizes, one collaboration each. */
export const SIZES = [0, 1, 100, 101, 250] as const;
export const sizedCollaboration = (size: number) => collaborationId(1000 + size);
const jobsBySize = new Map<number, EmulatorJob[]>(
  SIZES.map((size) => [size, generateJobs({ collaborationId: sizedCollaboration(size), count: size })]),
);
export const jobsOfSize = (size: number): EmulatorJob[] => jobsBySize.get(size)!;

/** A small collaboration for error and retry tests. */
export const SMALL = collaborationId(1);
export const smallJobs = generateJobs({ collaborationId: SMALL, count: 3 });
/** Jobs at the edges of the model's constraints (2048-character ARNs, tabs and non-ASCII names, ...). */
export const EDGES = collaborationId(2);
export const edgeJobs = generateJobs({ collaborationId: EDGES, count: 6, boundaryValues: true });

/** Wire timestamps and the instant each stands for (Date keeps milliseconds; finer digits are truncated). */
export const TIMESTAMPS: readonly [wire: string, iso: string][] = [
  ['2024-03-01T09:00:00Z', '2024-03-01T09:00:00.000Z'],
  ['2024-03-01T09:00:00.5Z', '2024-03-01T09:00:00.500Z'],
  ['2024-03-01T09:00:00.12Z', '2024-03-01T09:00:00.120Z'],
  ['2024-03-01T09:00:00.123Z', '2024-03-01T09:00:00.123Z'],
  ['2024-03-01T09:00:00.123456Z', '2024-03-01T09:00:00.123Z'],
  ['2024-03-01T09:00:00.999999999Z', '2024-03-01T09:00:00.999Z'],
  ['2024-03-01T10:00:00+01:00', '2024-03-01T09:00:00.000Z'],
  ['2024-03-01T04:30:00.250-04:30', '2024-03-01T09:00:00.250Z'],
  ['2024-03-01T00:00:00.000001+09:00', '2024-02-29T15:00:00.000Z'],
  ['2024-12-31T23:59:59.999-00:00', '2024-12-31T23:59:59.999Z'],
  ['2024-03-01t09:00:00.7z', '2024-03-01T09:00:00.700Z'],
];
export const TIMES = collaborationId(3);
export const timeJobs: EmulatorJob[] = generateJobs({ collaborationId: TIMES, count: TIMESTAMPS.length }).map((job, i) => ({
  ...job,
  createTime: TIMESTAMPS[i][0],
  updateTime: TIMESTAMPS[(i + 1) % TIMESTAMPS.length][0],
}));

/** An ARN of the right shape that was never seeded. */
export const UNKNOWN_JOB_ARN = 'arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/00000000-0000-4000-8000-00000000dead';

/** The emulator of the client-*.test.ts files, seeded with the collaborations above; clients make 3 attempts. */
export function useSeededEmulatorClients(): EmulatorClients {
  return useEmulatorClients(
    (emulator) => {
      for (const size of SIZES) emulator.seed(sizedCollaboration(size), jobsOfSize(size));
      emulator.seed(SMALL, smallJobs);
      emulator.seed(EDGES, edgeJobs);
      emulator.seed(TIMES, timeJobs);
    },
    { maxAttempts: 3 },
  );
}

export const listSmall = (client: CleanRoomsMLClient) => client.send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }));

/** Every page of a collaboration's listing, through the paginator. */
export async function walk(
  client: CleanRoomsMLClient,
  collaboration: string,
  pageSize?: number,
): Promise<ListAudienceGenerationJobsCommandOutput[]> {
  const pages: ListAudienceGenerationJobsCommandOutput[] = [];
  for await (const page of paginateListAudienceGenerationJobs({ client, pageSize }, { collaborationId: collaboration })) {
    pages.push(page);
  }
  return pages;
}

/** Resolves once `condition` holds, polling every few milliseconds. */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5);
}

/** Arrival times of the emulator's next requests, read off its request log as entries are appended (undone after the test). */
export function recordArrivals(emulator: CleanRoomsMLEmulator): number[] {
  const arrivals: number[] = [];
  const log = emulator.requests;
  const push = log.push.bind(log);
  Object.defineProperty(log, 'push', {
    configurable: true,
    value: (...items: Parameters<typeof log.push>) => {
      for (let i = 0; i < items.length; i++) arrivals.push(Date.now());
      return push(...items);
    },
  });
  return arrivals;
}

/** Undoes {@link recordArrivals}: the log's own `push` goes, the array's comes back. */
function stopRecordingArrivals(emulator: CleanRoomsMLEmulator): void {
  delete (emulator.requests as { push?: unknown }).push;
}
