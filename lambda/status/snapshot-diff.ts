import type { SnapshotStatusDetails } from '../snapshot/record-schema';
import { type EventJob, type StatusEventContext, type StatusEventDetail, statusEventDetail } from './status-event';
import { StatusTable } from './status-table';

/** What a comparison found, for the run's metrics. */
export interface ChangeCounts {
  /** Every change: created, status_changed and removed. */
  changes: number;
  /** Jobs that went into DELETE_FAILED, new jobs already in it included. */
  newDeleteFailed: number;
  newCreateFailed: number;
}

export function noChanges(): ChangeCounts {
  return { changes: 0, newDeleteFailed: 0, newCreateFailed: 0 };
}

/** A line of the previous snapshot that is not a snapshot record: the previous snapshot cannot be compared with. */
export class InvalidSnapshotLineError extends Error {
  override readonly name = 'InvalidSnapshotLineError';
}

/** The fields of a snapshot line the comparison reads; throws {@link InvalidSnapshotLineError} on anything else. */
export function parseSnapshotLine(line: string, lineNumber: number): EventJob {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new InvalidSnapshotLineError(`Line ${lineNumber} of the previous snapshot is not JSON`);
  }
  const record = value as Partial<Record<keyof EventJob, unknown>> | null;
  if (
    typeof record !== 'object' ||
    record === null ||
    typeof record.audience_generation_job_arn !== 'string' ||
    record.audience_generation_job_arn === '' ||
    typeof record.status !== 'string' ||
    record.status === '' ||
    typeof record.name !== 'string' ||
    !(record.update_time === null || record.update_time === undefined || typeof record.update_time === 'string') ||
    !(
      record.status_details === null ||
      record.status_details === undefined ||
      (typeof record.status_details === 'object' && !Array.isArray(record.status_details))
    )
  ) {
    throw new InvalidSnapshotLineError(`Line ${lineNumber} of the previous snapshot is not a snapshot record`);
  }
  return {
    audience_generation_job_arn: record.audience_generation_job_arn,
    name: record.name,
    status: record.status,
    status_details: (record.status_details as SnapshotStatusDetails | null | undefined) ?? null,
    update_time: record.update_time ?? null,
  };
}

const ARN_KEY = '{"audience_generation_job_arn":"';
const STATUS_KEY = ',"status":"';

/**
 * The ARN and status of a snapshot line, without parsing the whole line: JSON.parse of a million lines costs seconds,
 * these two lookups a fraction of that. The exporter writes the ARN first; `,"status":"` cannot occur inside a string
 * value (a quote in a string is always escaped, so never preceded by a comma), so its first occurrence is the key. A line
 * of another shape, or a value with an escape in it, is parsed in full.
 */
export function readArnAndStatus(line: string, lineNumber: number): { arn: string; status: string } {
  if (line.startsWith(ARN_KEY) && line.endsWith('}')) {
    const arnEnd = line.indexOf('"', ARN_KEY.length);
    const key = arnEnd < 0 ? -1 : line.indexOf(STATUS_KEY, arnEnd);
    if (key > 0) {
      const start = key + STATUS_KEY.length;
      const end = line.indexOf('"', start);
      const arn = line.slice(ARN_KEY.length, arnEnd);
      const status = line.slice(start, end);
      if (arn !== '' && status !== '' && end > 0 && !arn.includes('\\') && !status.includes('\\')) return { arn, status };
    }
  }
  const job = parseSnapshotLine(line, lineNumber);
  return { arn: job.audience_generation_job_arn, status: job.status };
}

/** The first pass over the previous snapshot: each job's fingerprint and status. */
export async function loadStatusTable(lines: AsyncIterable<readonly string[]>): Promise<StatusTable> {
  const table = new StatusTable();
  let n = 0;
  for await (const batch of lines) {
    for (const line of batch) {
      const { arn, status } = readArnAndStatus(line, ++n);
      table.set(arn, status);
    }
  }
  return table;
}

/**
 * Compares the current snapshot, record by record as it is written, with the previous one held as a
 * {@link StatusTable}: a job not in it is `created`, one whose status differs is `status_changed`. After the walk, a
 * second pass over the previous snapshot's lines finds the jobs no longer listed (`removed`). Pure: no I/O.
 */
export class SnapshotDiff {
  readonly counts: ChangeCounts = noChanges();

  constructor(
    private readonly previous: StatusTable,
    private readonly context: StatusEventContext,
  ) {}

  /** A record of the current snapshot: its change, or undefined when the job is unchanged. */
  observe(record: EventJob): StatusEventDetail | undefined {
    const previousStatus = this.previous.markListed(record.audience_generation_job_arn);
    if (previousStatus === undefined) return this.count(statusEventDetail('created', record, null, this.context));
    if (previousStatus !== record.status) return this.count(statusEventDetail('status_changed', record, previousStatus, this.context));
    return undefined;
  }

  /** Jobs in the previous snapshot. */
  get previousJobCount(): number {
    return this.previous.size;
  }

  /** Jobs of the previous snapshot not listed (yet): the `removed` events the second pass still has to find. */
  get pendingRemoved(): number {
    return this.previous.size - this.previous.listedCount;
  }

  /**
   * A line of the current snapshot (a `*` collaboration's, from its spill file): as {@link observe}, parsing the whole
   * line only when the job changed.
   */
  observeLine(line: string, lineNumber: number): StatusEventDetail | undefined {
    const { arn, status } = readArnAndStatus(line, lineNumber);
    const previousStatus = this.previous.markListed(arn);
    if (previousStatus === status) return undefined;
    const job = parseSnapshotLine(line, lineNumber);
    if (previousStatus === undefined) return this.count(statusEventDetail('created', job, null, this.context));
    return this.count(statusEventDetail('status_changed', job, previousStatus, this.context));
  }

  /** False when every job of the previous snapshot was listed again: the second pass would find nothing. */
  get mayHaveRemoved(): boolean {
    return this.pendingRemoved > 0;
  }

  /** A record of the previous snapshot (second pass): its `removed` change when it is no longer listed, once. */
  removed(previous: EventJob): StatusEventDetail | undefined {
    const arn = previous.audience_generation_job_arn;
    if (this.previous.isListed(arn)) return undefined;
    // Marked, so that an ARN on two lines is removed once; a job absent from the table cannot be on these lines.
    if (this.previous.markListed(arn) === undefined) return undefined;
    return this.count(statusEventDetail('removed', previous, previous.status, this.context));
  }

  /** A line of the previous snapshot (second pass): as {@link removed}, parsing the whole line only for a removed job. */
  removedLine(line: string, lineNumber: number): StatusEventDetail | undefined {
    if (this.previous.isListed(readArnAndStatus(line, lineNumber).arn)) return undefined;
    return this.removed(parseSnapshotLine(line, lineNumber));
  }

  private count(detail: StatusEventDetail): StatusEventDetail {
    this.counts.changes++;
    if (detail.change !== 'removed') {
      if (detail.status === 'DELETE_FAILED') this.counts.newDeleteFailed++;
      if (detail.status === 'CREATE_FAILED') this.counts.newCreateFailed++;
    }
    return detail;
  }
}
