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

  list(filter: JobFilter): StoredJob[] {
    return this.jobs.filter(
      (stored) =>
        (filter.collaborationId === undefined
          ? !filter.isHidden?.(stored.collaborationId)
          : stored.collaborationId === filter.collaborationId) &&
        (filter.configuredAudienceModelArn === undefined ||
          stored.job.configuredAudienceModelArn === filter.configuredAudienceModelArn),
    );
  }

  get(audienceGenerationJobArn: string): StoredJob | undefined {
    return this.byArn.get(audienceGenerationJobArn);
  }

  isFirstSeeded(audienceGenerationJobArn: string): boolean {
    return this.jobs[0]?.job.audienceGenerationJobArn === audienceGenerationJobArn;
  }
}
