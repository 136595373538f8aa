import {
  ACCOUNT_ID_PATTERN,
  ARN_MAX_LENGTH,
  AUDIENCE_GENERATION_JOB_ARN_PATTERN,
  AUDIENCE_GENERATION_JOB_STATUSES,
  CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN,
  DESCRIPTION_MAX_LENGTH,
  FAILED_STATUSES,
  NAME_MAX_LENGTH,
} from '../../../lambda/cleanroomsml/model-constants';
import { generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';

const codePoints = (text: string | undefined) => [...(text ?? '')].length;

describe('emulator: generateJobs', () => {
  const collaboration = collaborationId(7);

  it('is deterministic, with unique ARNs per collaboration', () => {
    const jobs = generateJobs({ collaborationId: collaboration, count: 50 });
    const others = generateJobs({ collaborationId: collaborationId(8), count: 50 });

    expect(generateJobs({ collaborationId: collaboration, count: 50 })).toEqual(jobs);
    expect(new Set([...jobs, ...others].map((job) => job.audienceGenerationJobArn)).size).toBe(100);
  });

  it('covers every status in model order, with statusDetails exactly on failed jobs', () => {
    const jobs = generateJobs({ collaborationId: collaboration, count: 14 });

    expect(jobs.slice(0, 7).map((job) => job.status)).toEqual([...AUDIENCE_GENERATION_JOB_STATUSES]);
    for (const job of jobs) {
      expect(job.statusDetails !== undefined).toBe(FAILED_STATUSES.includes(job.status as never));
    }
  });

  it('builds ARNs and account ids that satisfy the model, in the requested account, region and partition', () => {
    const jobs = generateJobs({ collaborationId: collaboration, count: 6, accountId: '999988887777', region: 'cn-north-1' });

    for (const job of jobs) {
      expect(job.audienceGenerationJobArn).toMatch(AUDIENCE_GENERATION_JOB_ARN_PATTERN);
      expect(job.configuredAudienceModelArn).toMatch(CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN);
      expect(job.audienceGenerationJobArn.startsWith('arn:aws-cn:cleanrooms-ml:cn-north-1:999988887777:')).toBe(true);
      if (job.startedBy !== undefined) expect(job.startedBy).toMatch(ACCOUNT_ID_PATTERN);
    }
  });

  it('reaches every length bound of the model with boundaryValues', () => {
    const jobs = generateJobs({ collaborationId: collaboration, count: 12, boundaryValues: true });

    expect(Math.max(...jobs.map((job) => codePoints(job.name)))).toBe(NAME_MAX_LENGTH);
    expect(Math.min(...jobs.map((job) => codePoints(job.name)))).toBe(1);
    expect(Math.max(...jobs.map((job) => codePoints(job.description)))).toBe(DESCRIPTION_MAX_LENGTH);
    expect(jobs.some((job) => job.description === '')).toBe(true);
    expect(Math.max(...jobs.map((job) => job.audienceGenerationJobArn.length))).toBe(ARN_MAX_LENGTH);
    expect(Math.max(...jobs.map((job) => job.configuredAudienceModelArn.length))).toBe(ARN_MAX_LENGTH);
    expect(jobs.some((job) => job.description === undefined && job.startedBy === undefined && job.omitCollaborationIdInSummary)).toBe(true);
    for (const job of jobs) {
      expect(job.audienceGenerationJobArn).toMatch(AUDIENCE_GENERATION_JOB_ARN_PATTERN);
      expect(job.configuredAudienceModelArn).toMatch(CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN);
    }
  });
});
