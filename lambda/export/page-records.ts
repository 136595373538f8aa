import type { CleanRoomsMLClient } from '../cleanroomsml/client';
import { GetAudienceGenerationJobCommand } from '../cleanroomsml/commands';
import { InvalidResponseError } from '../cleanroomsml/errors';
import { AUDIENCE_GENERATION_JOB_STATUSES, FAILED_STATUSES, UUID_PATTERN } from '../cleanroomsml/model-constants';
import type { AudienceGenerationJobSummary, ListAudienceGenerationJobsCommandOutput, StatusDetails } from '../cleanroomsml/types';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import type { JobFingerprintSet } from '../snapshot/job-fingerprint-set';
import { toSnapshotRecord } from '../snapshot/record-mapper';
import type { SnapshotRecord } from '../snapshot/record-schema';

export interface PageRecordsContext {
  client: CleanRoomsMLClient;
  /** Bounds the GetAudienceGenerationJob calls of the whole run. */
  limitDetails: <T>(fn: () => Promise<T>) => Promise<T>;
  abortSignal: AbortSignal | undefined;
  snapshotTime: string;
  /** ARNs already written by this walk; a job listed twice (the listing moved under the walk) is written once. */
  seen: JobFingerprintSet;
  /** The collaboration that was queried, or undefined for a `*` walk. */
  queriedCollaborationId: string | undefined;
}

const KNOWN_STATUSES = new Set<string>(AUDIENCE_GENERATION_JOB_STATUSES);
const DETAIL_STATUSES = new Set<string>(FAILED_STATUSES);

/**
 * One page of summaries → snapshot records, in API order. CREATE_FAILED and DELETE_FAILED jobs get
 * their statusDetails from GetAudienceGenerationJob (in parallel, bounded); in a `*` walk, so does a
 * summary without a collaborationId, since its record must be routed to its collaboration's object.
 * The other jobs, nearly all of them, are mapped at once, without a promise each.
 */
export async function pageRecords(page: ListAudienceGenerationJobsCommandOutput, ctx: PageRecordsContext): Promise<SnapshotRecord[]> {
  const fresh = page.audienceGenerationJobs.filter((job) => ctx.seen.add(job.audienceGenerationJobArn));
  const records: SnapshotRecord[] = new Array<SnapshotRecord>(fresh.length);
  const detailed: Promise<void>[] = [];
  try {
    fresh.forEach((job, i) => {
      if (!KNOWN_STATUSES.has(job.status)) {
        logger.warn(LOG_MESSAGE.UNKNOWN_JOB_STATUS, { jobArn: job.audienceGenerationJobArn, status: job.status });
      }
      const needsDetails = DETAIL_STATUSES.has(job.status);
      const needsCollaboration = ctx.queriedCollaborationId === undefined && !job.collaborationId;
      if (!needsDetails && !needsCollaboration) records[i] = toRecord(job, null, page, ctx);
      else detailed.push(detailedRecord(job, needsDetails, needsCollaboration, page, ctx).then((record) => void (records[i] = record)));
    });
  } catch (error) {
    // A record that cannot be written fails the page, once the Gets it started have settled.
    await Promise.allSettled(detailed);
    throw error;
  }
  await Promise.all(detailed);
  return records;
}

async function detailedRecord(
  job: AudienceGenerationJobSummary,
  needsDetails: boolean,
  needsCollaboration: boolean,
  page: ListAudienceGenerationJobsCommandOutput,
  ctx: PageRecordsContext,
): Promise<SnapshotRecord> {
  let summary = job;
  let statusDetails: StatusDetails | null = null;
  const full = await ctx.limitDetails(() => getJob(ctx, job.audienceGenerationJobArn));
  if (full) {
    statusDetails = needsDetails ? (full.statusDetails ?? null) : null;
    if (needsCollaboration) summary = { ...job, collaborationId: full.collaborationId };
  }
  return toRecord(summary, statusDetails, page, ctx);
}

function toRecord(
  summary: AudienceGenerationJobSummary,
  statusDetails: StatusDetails | null,
  page: ListAudienceGenerationJobsCommandOutput,
  ctx: PageRecordsContext,
): SnapshotRecord {
  const queried = summary.collaborationId ?? ctx.queriedCollaborationId;
  if (!queried) {
    throw new Error(
      `Job ${summary.audienceGenerationJobArn} has no collaborationId in ListAudienceGenerationJobs nor in GetAudienceGenerationJob`,
    );
  }
  // It names the snapshot object in a `*` walk and is a column: never a key segment like `../` or a newline.
  if (!UUID_PATTERN.test(queried)) {
    throw new InvalidResponseError(
      `Job ${summary.audienceGenerationJobArn} has collaborationId ${JSON.stringify(queried.slice(0, 64))}, which is not a collaboration id (a lowercase UUID)`,
      page.$metadata,
    );
  }
  return toSnapshotRecord(summary, { queriedCollaborationId: queried, snapshotTime: ctx.snapshotTime, statusDetails });
}

/** GetAudienceGenerationJob; a job deleted between the list and the get yields undefined. */
async function getJob(ctx: PageRecordsContext, arn: string) {
  try {
    return await ctx.client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: arn }), { abortSignal: ctx.abortSignal });
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') {
      logger.warn(LOG_MESSAGE.JOB_VANISHED, { jobArn: arn });
      return undefined;
    }
    throw err;
  }
}
