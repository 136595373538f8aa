/** Deterministic, realistic job data for the emulator. */
import { createHash } from 'node:crypto';
import {
  AUDIENCE_GENERATION_JOB_STATUSES,
  ARN_MAX_LENGTH,
  DESCRIPTION_MAX_LENGTH,
  NAME_MAX_LENGTH,
} from '../../lambda/cleanroomsml/model-constants';
import type { EmulatorJob } from './types';

export interface GenerateJobsOptions {
  collaborationId: string;
  count: number;
  /** Account of the ARNs and `startedBy`; default `111122223333`. */
  accountId?: string;
  /** Region of the ARNs (its partition too); default `us-east-1`. */
  region?: string;
  /** Statuses, assigned in turn; default every status of the model, in model order. */
  statuses?: readonly string[];
  /** How many configured audience models the jobs are spread over, in turn; default 3. */
  configuredAudienceModels?: number;
  /** `createTime` of the first job; each next job is an hour younger. Default `2024-03-01T09:00:00.000Z`. */
  firstCreateTime?: string;
  /**
   * Also serve the edges of the model's constraints, in turn: 63-character names, 255-character descriptions,
   * 2048-character ARNs, every optional member absent, 1-character names with empty descriptions, and
   * timestamps without fractional seconds or with a UTC offset. Default false.
   */
  boundaryValues?: boolean;
}

const STATUS_DETAILS: Record<string, EmulatorJob['statusDetails']> = {
  CREATE_FAILED: {
    statusCode: 'INSUFFICIENT_SEED_SIZE',
    message: 'The seed audience has fewer matching users than the configured audience model requires.',
  },
  DELETE_FAILED: { statusCode: 'INTERNAL_ERROR', message: 'The audience generation job could not be deleted. Try again later.' },
};

const HOUR_MS = 3_600_000;

/**
 * `count` jobs of one collaboration. The same options always give the same jobs, and ARNs are unique per
 * collaboration and index, so several collaborations can be seeded side by side.
 */
export function generateJobs(options: GenerateJobsOptions): EmulatorJob[] {
  const {
    collaborationId,
    count,
    accountId = '111122223333',
    region = 'us-east-1',
    statuses = AUDIENCE_GENERATION_JOB_STATUSES,
    configuredAudienceModels = 3,
    firstCreateTime = '2024-03-01T09:00:00.000Z',
    boundaryValues = false,
  } = options;
  const arnPrefix = `arn:${partitionOf(region)}:cleanrooms-ml:${region}:${accountId}`;
  const modelArns = Array.from(
    { length: configuredAudienceModels },
    (_, k) => `${arnPrefix}:configured-audience-model/${stableUuid(`${collaborationId}:model:${k}`)}`,
  );
  const firstCreateMs = Date.parse(firstCreateTime);

  return Array.from({ length: count }, (_, index) => {
    const status = statuses[index % statuses.length];
    const createMs = firstCreateMs + index * HOUR_MS;
    const job: EmulatorJob = {
      audienceGenerationJobArn: `${arnPrefix}:audience-generation-job/${stableUuid(`${collaborationId}:job:${index}`)}`,
      name: `lookalike-audience-${String(index + 1).padStart(4, '0')}`,
      description:
        index % 3 === 2 ? undefined : `Lookalike segment ${index + 1} built from the seed audience of campaign ${(index % 17) + 1}.`,
      status,
      configuredAudienceModelArn: modelArns[index % modelArns.length],
      collaborationId,
      startedBy: index % 5 === 4 ? undefined : accountId,
      createTime: new Date(createMs).toISOString(),
      updateTime: new Date(createMs + ((index % 11) + 1) * 7 * 60_000).toISOString(),
      statusDetails: STATUS_DETAILS[status],
      omitCollaborationIdInSummary: index % 7 === 6 ? true : undefined,
    };
    return boundaryValues ? withBoundaryValues(job, index) : job;
  });
}

/** Rewrites one job to an edge of the model's constraints, chosen by index. */
function withBoundaryValues(job: EmulatorJob, index: number): EmulatorJob {
  switch (index % 6) {
    case 0:
      // Tabs and BMP characters outside ASCII are allowed by NameString; length counts code points.
      return { ...job, name: fill(`Zielgruppe\tété 日本 ${index}-`, NAME_MAX_LENGTH) };
    case 1:
      return { ...job, description: fill(`Line one, ünïcödé ✓\r\nline two ${index}\n`, DESCRIPTION_MAX_LENGTH) };
    case 2: {
      const longArn = (arn: string) => arn + fill('/segment_v2.', ARN_MAX_LENGTH - arn.length);
      return {
        ...job,
        audienceGenerationJobArn: longArn(job.audienceGenerationJobArn),
        configuredAudienceModelArn: longArn(job.configuredAudienceModelArn),
      };
    }
    case 3:
      return {
        ...job,
        description: undefined,
        startedBy: undefined,
        omitCollaborationIdInSummary: true,
        statusDetails: job.statusDetails && { message: job.statusDetails.message },
      };
    case 4:
      return { ...job, name: 'x', description: '' };
    default:
      return {
        ...job,
        createTime: job.createTime.replace(/\.\d{3}Z$/, 'Z'),
        updateTime: job.updateTime.replace(/\.\d{3}Z$/, '+00:00'),
      };
  }
}

/** Repeats `text` until it is exactly `codePoints` code points long. */
function fill(text: string, codePoints: number): string {
  const chars = [...text];
  return Array.from({ length: codePoints }, (_, i) => chars[i % chars.length]).join('');
}

function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
