/**
 * The sample `npm start` seeds into the emulator: five collaborations, 626 jobs, every status of the model, one
 * collaboration of four pages (the API pages by 100), and failed jobs with varied status details. Job data comes
 * from the emulator's deterministic generator; only the status mix and the status details are chosen here.
 */
import { generateJobs, type EmulatorJob } from '../emulator';

/** One collaboration of the sample. */
export interface SampleCollaboration {
  /** Collaboration id (a lowercase UUID, as the API returns it). */
  readonly id: string;
  /** A name for people; the API's job data carries none, so it appears only in this tool's legend. */
  readonly label: string;
  /** Jobs seeded. */
  readonly jobs: number;
  /** Account that runs the jobs (a collaboration shows jobs of other member accounts too). */
  readonly accountId: string;
  /** A collaboration that just started: its jobs are still being created. */
  readonly onboarding?: boolean;
}

export const SAMPLE_COLLABORATIONS: readonly SampleCollaboration[] = [
  { id: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01', label: 'retail media network', jobs: 350, accountId: '111122223333' },
  { id: '7a9d0b21-5c3e-4f8a-b6d1-2e4f6a8c0b13', label: 'travel insights', jobs: 140, accountId: '111122223333' },
  { id: 'c4e8f2a6-1b3d-4e5f-8a7b-9c0d2e4f6a25', label: 'streaming audiences', jobs: 90, accountId: '444455556666' },
  { id: 'e2b4d6f8-0a1c-4b3d-9e5f-7a8b0c2d4e37', label: 'auto intenders', jobs: 40, accountId: '111122223333' },
  { id: '5d7f9b1e-3a2c-4d4e-a6f8-0b1c3d5e7f49', label: 'new partner (onboarding)', jobs: 6, accountId: '777788889999', onboarding: true },
];

/**
 * Statuses assigned in turn, one cycle per 100 jobs: mostly ACTIVE, every transitional status, two CREATE_FAILED
 * and one DELETE_FAILED per hundred (mid-page, as in real accounts).
 */
function statusCycle(withDeleteFailed: boolean): string[] {
  return Array.from({ length: 100 }, (_, i) => {
    if (i === 37) return withDeleteFailed ? 'DELETE_FAILED' : 'DELETE_IN_PROGRESS';
    if (i === 61 || i === 88) return 'CREATE_FAILED';
    if (i % 10 === 3) return 'CREATE_IN_PROGRESS';
    if (i % 25 === 11) return 'DELETE_PENDING';
    if (i % 33 === 5) return 'CREATE_PENDING';
    if (i % 20 === 7) return 'DELETE_IN_PROGRESS';
    return 'ACTIVE';
  });
}

const ONBOARDING_STATUSES = ['CREATE_IN_PROGRESS', 'CREATE_PENDING', 'ACTIVE'];

/** Status details given in turn to the failed jobs (invented for the sample; the API returns a code and a message). */
const STATUS_DETAILS: Record<string, ReadonlyArray<NonNullable<EmulatorJob['statusDetails']>>> = {
  DELETE_FAILED: [
    { statusCode: 'INTERNAL_ERROR', message: 'The audience generation job could not be deleted. Try again later.' },
    {
      statusCode: 'ACCESS_DENIED',
      message: 'The service role cannot delete the generated audience in the output bucket (s3:DeleteObject denied).',
    },
    { statusCode: 'RESOURCE_IN_USE', message: 'The audience is still used by an audience export job; delete the export job first.' },
  ],
  CREATE_FAILED: [
    {
      statusCode: 'INSUFFICIENT_SEED_SIZE',
      message: 'The seed audience has fewer matching users than the configured audience model requires.',
    },
    {
      statusCode: 'INVALID_SEED_DATA',
      message: 'The seed audience has no column that matches the user identifier of the configured audience model.',
    },
  ],
};

const DAY_MS = 86_400_000;

/**
 * The jobs of one sample collaboration. `withDeleteFailed: false` gives the same jobs with DELETE_IN_PROGRESS in
 * place of DELETE_FAILED (an account with nothing to alarm on). Jobs start 20 days before `now`, one an hour.
 */
export function sampleJobs(collaboration: SampleCollaboration, options: { withDeleteFailed: boolean; now: Date }): EmulatorJob[] {
  const jobs = generateJobs({
    collaborationId: collaboration.id,
    count: collaboration.jobs,
    accountId: collaboration.accountId,
    statuses: collaboration.onboarding ? ONBOARDING_STATUSES : statusCycle(options.withDeleteFailed),
    firstCreateTime: new Date(Math.floor(options.now.getTime() / DAY_MS) * DAY_MS - 20 * DAY_MS).toISOString(),
  });
  const turn: Record<string, number> = {};
  return jobs.map((job) => {
    const details = STATUS_DETAILS[job.status];
    if (!details) return job;
    const n = (turn[job.status] = (turn[job.status] ?? -1) + 1);
    return { ...job, statusDetails: details[(n + SAMPLE_COLLABORATIONS.indexOf(collaboration)) % details.length] };
  });
}
