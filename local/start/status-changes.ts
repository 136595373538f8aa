/**
 * What happens to the sample's jobs between the two runs of the status-changes scenario, applied to the emulator:
 * jobs move on (a creation completes, a deletion is requested, one deletion fails: DELETE_FAILED, one creation
 * fails: CREATE_FAILED), two deletions complete (the jobs are gone), and a partner creates two jobs (one of them
 * already failed). Each change is what the second run must send one status-change event for.
 */
import { generateJobs, type CleanRoomsMLEmulator, type EmulatorJob } from '../emulator';
import { SAMPLE_COLLABORATIONS, type SampleCollaboration } from './sample-data';

export type ChangeKind = 'created' | 'status_changed' | 'removed';

/** One change made between the runs: the event the second run should send for it. */
export interface PlannedChange {
  change: ChangeKind;
  collaborationId: string;
  name: string;
  audienceGenerationJobArn: string;
  /** Null for `created`. */
  previousStatus: string | null;
  /** For `removed`, the last status the exporter saw. */
  status: string;
}

type Step =
  | { kind: 'status'; collaboration: number; from: string; to: string; statusDetails?: EmulatorJob['statusDetails'] }
  | { kind: 'remove'; collaboration: number; from: string }
  | { kind: 'create'; collaboration: number; status: string; statusDetails?: EmulatorJob['statusDetails'] };

/** The story, by collaboration of SAMPLE_COLLABORATIONS and by the status of the job it picks (the first one in it). */
const STEPS: readonly Step[] = [
  { kind: 'status', collaboration: 0, from: 'CREATE_IN_PROGRESS', to: 'ACTIVE' },
  {
    kind: 'status',
    collaboration: 0,
    from: 'DELETE_IN_PROGRESS',
    to: 'DELETE_FAILED',
    statusDetails: {
      statusCode: 'ACCESS_DENIED',
      message: 'The service role cannot delete the generated audience in the output bucket (s3:DeleteObject denied).',
    },
  },
  { kind: 'status', collaboration: 0, from: 'ACTIVE', to: 'DELETE_PENDING' },
  { kind: 'remove', collaboration: 1, from: 'DELETE_IN_PROGRESS' },
  { kind: 'status', collaboration: 1, from: 'CREATE_PENDING', to: 'CREATE_IN_PROGRESS' },
  {
    kind: 'status',
    collaboration: 2,
    from: 'CREATE_IN_PROGRESS',
    to: 'CREATE_FAILED',
    statusDetails: {
      statusCode: 'INSUFFICIENT_SEED_SIZE',
      message: 'The seed audience has fewer matching users than the configured audience model requires.',
    },
  },
  { kind: 'remove', collaboration: 3, from: 'DELETE_PENDING' },
  { kind: 'status', collaboration: 4, from: 'CREATE_IN_PROGRESS', to: 'ACTIVE' },
  { kind: 'create', collaboration: 4, status: 'CREATE_PENDING' },
  {
    kind: 'create',
    collaboration: 4,
    status: 'CREATE_FAILED',
    statusDetails: {
      statusCode: 'INVALID_SEED_DATA',
      message: 'The seed audience has no column that matches the user identifier of the configured audience model.',
    },
  },
];

/**
 * Applies the story to the emulator, whose collaborations hold `seeded` (the jobs seeded before the first run, by
 * collaboration id); `at` is when the changes happen (their update time). Returns the changes, in story order.
 */
export function applyStatusChanges(
  emulator: CleanRoomsMLEmulator,
  seeded: ReadonlyMap<string, readonly EmulatorJob[]>,
  at: Date,
  collaborations: readonly SampleCollaboration[] = SAMPLE_COLLABORATIONS,
): PlannedChange[] {
  const picked = new Set<string>();
  const created = new Map<string, number>();
  const updateTime = at.toISOString();
  return STEPS.map((step, i) => {
    const collaboration = collaborations[step.collaboration];
    const jobs = seeded.get(collaboration.id) ?? [];
    if (step.kind === 'create') {
      const n = (created.get(collaboration.id) ?? 0) + 1;
      created.set(collaboration.id, n);
      // The sample's generator continues the collaboration's numbering: new, stable ARNs and names.
      const [job] = generateJobs({ collaborationId: collaboration.id, count: jobs.length + n, accountId: collaboration.accountId }).slice(
        -1,
      );
      const fresh: EmulatorJob = { ...job, status: step.status, statusDetails: step.statusDetails, createTime: updateTime, updateTime };
      emulator.seed(collaboration.id, [fresh]);
      return plan('created', collaboration, fresh, null, step.status);
    }
    const job = jobs.find((j) => j.status === step.from && !picked.has(j.audienceGenerationJobArn));
    if (!job) throw new Error(`status-changes step ${i + 1}: no ${step.from} job in ${collaboration.id}`);
    picked.add(job.audienceGenerationJobArn);
    if (step.kind === 'remove') {
      emulator.removeJob(job.audienceGenerationJobArn);
      return plan('removed', collaboration, job, job.status, job.status);
    }
    emulator.updateJob(job.audienceGenerationJobArn, { status: step.to, statusDetails: step.statusDetails, updateTime });
    return plan('status_changed', collaboration, job, job.status, step.to);
  });
}

function plan(
  change: ChangeKind,
  collaboration: SampleCollaboration,
  job: EmulatorJob,
  previousStatus: string | null,
  status: string,
): PlannedChange {
  return {
    change,
    collaborationId: collaboration.id,
    name: job.name,
    audienceGenerationJobArn: job.audienceGenerationJobArn,
    previousStatus,
    status,
  };
}

/** Jobs per collaboration after the changes: what a complete second snapshot holds. */
export function jobsAfterChanges(
  changes: readonly PlannedChange[],
  collaborations: readonly SampleCollaboration[] = SAMPLE_COLLABORATIONS,
): Map<string, number> {
  const counts = new Map(collaborations.map((c) => [c.id, c.jobs]));
  for (const c of changes) {
    if (c.change === 'created') counts.set(c.collaborationId, counts.get(c.collaborationId)! + 1);
    if (c.change === 'removed') counts.set(c.collaborationId, counts.get(c.collaborationId)! - 1);
  }
  return counts;
}

export interface ChangeCheck {
  /** Changes made that no event reports. */
  missing: PlannedChange[];
  /** Events that report no change made (or report one twice). */
  unexpected: { detail: Record<string, unknown> }[];
}

/** Matches the events sent against the changes made: one event per change, no other. */
export function compareWithChanges(changes: readonly PlannedChange[], events: readonly { detail: Record<string, unknown> }[]): ChangeCheck {
  const key = (c: { change: unknown; arn: unknown; previous: unknown; status: unknown }) =>
    JSON.stringify([c.change, c.arn, c.previous, c.status]);
  const expected = new Map<string, PlannedChange[]>();
  for (const c of changes) {
    const k = key({ change: c.change, arn: c.audienceGenerationJobArn, previous: c.previousStatus, status: c.status });
    expected.set(k, [...(expected.get(k) ?? []), c]);
  }
  const unexpected: { detail: Record<string, unknown> }[] = [];
  for (const event of events) {
    const d = event.detail;
    const k = key({ change: d.change, arn: d.audience_generation_job_arn, previous: d.previous_status ?? null, status: d.status });
    const pending = expected.get(k);
    if (pending && pending.length > 0) pending.shift();
    else unexpected.push(event);
  }
  return { missing: [...expected.values()].flat(), unexpected };
}
