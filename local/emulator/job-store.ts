/** The jobs the emulator serves, in one stable listing order (the order they were seeded in). */
import type { EmulatorJob } from './types';

/** A seeded job and the collaboration it was seeded under (which List filters on). */
export interface StoredJob {
  job: EmulatorJob;
  collaborationId: string;
}

export interface JobFilter {
  collaborationId?: string;
  configuredAudienceModelArn?: string;
  /** Collaborations whose jobs an unscoped listing leaves out. */
  isHidden?: (collaborationId: string) => boolean;
}

export class JobStore {
  private readonly jobs: StoredJob[] = [];
  private readonly byArn = new Map<string, StoredJob>();

  /** Appends jobs to a collaboration. An ARN may be seeded once only, so that Get is unambiguous. */
  add(collaborationId: string, jobs: readonly EmulatorJob[]): void {
    for (const job of jobs) {
      if (this.byArn.has(job.audienceGenerationJobArn)) {
        throw new Error(`job already seeded: ${job.audienceGenerationJobArn}`);
      }
    }
    for (const job of jobs) {
      const stored = { job, collaborationId };
      this.jobs.push(stored);
      this.byArn.set(job.audienceGenerationJobArn, stored);
    }
  }

  /** Replaces a seeded job's data, keeping its place in the listing. Throws on an ARN never seeded. */
  update(audienceGenerationJobArn: string, job: EmulatorJob): StoredJob {
    const stored = this.byArn.get(audienceGenerationJobArn);
    if (!stored) throw new Error(`job not seeded: ${audienceGenerationJobArn}`);
    if (job.audienceGenerationJobArn !== audienceGenerationJobArn)
      throw new Error(`a job's ARN cannot change: ${audienceGenerationJobArn}`);
    stored.job = job;
    return stored;
  }

  /** Forgets a seeded job (as when its deletion completed); the jobs after it move up. Throws on an ARN never seeded. */
  remove(audienceGenerationJobArn: string): StoredJob {
    const stored = this.byArn.get(audienceGenerationJobArn);
    if (!stored) throw new Error(`job not seeded: ${audienceGenerationJobArn}`);
    this.jobs.splice(this.jobs.indexOf(stored), 1);
    this.byArn.delete(audienceGenerationJobArn);
    return stored;
  }

  list(filter: JobFilter): StoredJob[] {
    return this.jobs.filter(
      (stored) =>
        (filter.collaborationId === undefined
          ? !filter.isHidden?.(stored.collaborationId)
          : stored.collaborationId === filter.collaborationId) &&
        (filter.configuredAudienceModelArn === undefined || stored.job.configuredAudienceModelArn === filter.configuredAudienceModelArn),
    );
  }

  get(audienceGenerationJobArn: string): StoredJob | undefined {
    return this.byArn.get(audienceGenerationJobArn);
  }

  isFirstSeeded(audienceGenerationJobArn: string): boolean {
    return this.jobs[0]?.job.audienceGenerationJobArn === audienceGenerationJobArn;
  }
}
