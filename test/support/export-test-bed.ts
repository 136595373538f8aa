/**
 * The Jest hooks shared by the test files that run the exporter in this process against the local AWS
 * (test/support/export-harness.ts): one harness for the file, and a clean slate for every test.
 */
import type { Context } from 'aws-lambda';
import { generateJobs, type EmulatorJob, type GenerateJobsOptions } from '../../local/emulator';
import { destroyAwsClients } from '../../lambda/commons/aws-clients';
import { handler } from '../../lambda/export-audience-jobs';
import { ExportHarness } from './export-harness';
import { collaborationId } from './ids';
import { type BucketReader, CapturedOutput, SCHEDULED } from './run-checks';

export interface ExportTestBed {
  /** The local AWS of this test file; started before its first test. */
  readonly harness: ExportHarness;
  /** What the current test printed (logs and EMF), kept out of the test report. */
  readonly output: CapturedOutput;
  /** The harness's bucket. */
  readonly reader: BucketReader;
  /** A collaboration id not used before in this file. */
  newId(): string;
  /**
   * Seeds `count` generated jobs into the collaboration `options.collaborationId`, or one with a new id, of the
   * emulator's `options.accountId` and `options.region` (default: the local account in us-east-1; the generated ARNs
   * name them too). Returns the id and the jobs, in order.
   */
  seed(count: number, options?: Partial<GenerateJobsOptions>): { id: string; jobs: EmulatorJob[] };
  /** Seeds the jobs that `make` returns for a new collaboration id, in the local account and us-east-1. */
  seedWith(make: (id: string) => EmulatorJob[]): { id: string; jobs: EmulatorJob[] };
}

export interface ExportTestBedOptions {
  /** Latency of every emulator answer. Default 0. */
  latencyMs?: number;
  /** First collaboration number of `newId` and `seed` (ids differ between files only to read logs more easily). */
  firstCollaboration?: number;
}

/**
 * Registers the hooks and returns the bed, whose parts are live once the file's tests run. Before each test: the
 * emulator's faults and recorded requests are cleared and the output is captured. After each test: the output is
 * restored and the exporter's cached clients are dropped, so that no pacing, retry quota or credentials carry over
 * from one test to the next. After the file: the servers stop.
 */
export function useExportTestBed(options: ExportTestBedOptions = {}): ExportTestBed {
  let harness: ExportHarness | undefined;
  let output: CapturedOutput | undefined;
  let next = options.firstCollaboration ?? 1;
  const live = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the export test bed's ${what} is used outside a test`);
    return value;
  };

  beforeAll(async () => {
    harness = await ExportHarness.start({ latencyMs: options.latencyMs });
  });
  afterAll(async () => {
    destroyAwsClients();
    await harness?.stop();
  });
  beforeEach(() => {
    live(harness, 'harness').emulator.faults.reset();
    live(harness, 'harness').emulator.clearRequests();
    output = new CapturedOutput();
  });
  afterEach(() => {
    output?.restore();
    output = undefined;
    destroyAwsClients();
  });

  return {
    get harness() {
      return live(harness, 'harness');
    },
    get output() {
      return live(output, 'output');
    },
    get reader() {
      return live(harness, 'harness').reader;
    },
    newId: () => collaborationId(next++),
    seed(count, jobOptions = {}) {
      const id = jobOptions.collaborationId ?? collaborationId(next++);
      const jobs = generateJobs({ ...jobOptions, collaborationId: id, count });
      live(harness, 'harness').emulator.seed(id, jobs, { accountId: jobOptions.accountId, region: jobOptions.region });
      return { id, jobs };
    },
    seedWith(make) {
      const id = collaborationId(next++);
      const jobs = make(id);
      live(harness, 'harness').emulator.seed(id, jobs);
      return { id, jobs };
    },
  };
}

/**
 * Calls the Lambda handler in this process (local/lambda-runtime's invokeHandler runs the bundle in a process of its
 * own) as Lambda does, with the environment as it is and a context whose time
 * left counts down from `remainingMs`. Resolves with what the handler threw (the invocation failed), or undefined.
 */
export async function callHandler(scheduledTime = SCHEDULED, remainingMs = 600_000): Promise<Error | undefined> {
  const started = Date.now();
  const context = {
    getRemainingTimeInMillis: () => remainingMs - (Date.now() - started),
    functionName: 'exporter',
    awsRequestId: 'test',
  } as unknown as Context;
  return handler({ scheduledTime }, context).then(
    () => undefined,
    (error: Error) => error,
  );
}
