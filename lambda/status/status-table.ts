import { AUDIENCE_GENERATION_JOB_STATUSES } from '../cleanroomsml/model-constants';
import { FingerprintTable } from '../snapshot/job-fingerprint-set';

/** The high bit of a slot's byte: the job is listed again in the current snapshot. */
const LISTED = 0x80;
const CODE = 0x7f;
/** Codes 1..127 (0 is an unused slot): the model's statuses first, then any other status as first seen. */
const MAX_CODE = CODE;

/**
 * The previous snapshot, compactly: per job ARN its 96-bit fingerprint (shared with JobFingerprintSet) and one byte,
 * the status's code and whether the job is listed again in the current snapshot. A million jobs take about 20 MB,
 * however long their records. Statuses outside the model's enum get codes of their own, up to 127 distinct ones.
 */
export class StatusTable extends FingerprintTable {
  private bytes = new Uint8Array(this.slotCount);
  private previousBytes: Uint8Array | undefined;
  private readonly codes = new Map<string, number>();
  private readonly statuses: string[] = [''];
  private listed = 0;

  constructor() {
    super();
    for (const status of AUDIENCE_GENERATION_JOB_STATUSES) this.codeOf(status);
  }

  /** Jobs marked as listed again. */
  get listedCount(): number {
    return this.listed;
  }

  /** Records a job of the previous snapshot and its status (a repeated ARN keeps the later status). */
  set(arn: string, status: string): void {
    const code = this.codeOf(status);
    let slot = this.insert(arn);
    this.previousBytes = undefined; // the bytes from before a growth, once moved
    if (slot < 0) slot = -1 - slot;
    this.bytes[slot] = (this.bytes[slot] & LISTED) | code;
  }

  /** The job's status in the previous snapshot, or undefined when it was not in it. */
  statusOf(arn: string): string | undefined {
    const slot = this.find(arn);
    return slot < 0 ? undefined : this.statuses[this.bytes[slot] & CODE];
  }

  /**
   * Marks the job as listed in the current snapshot. Returns its previous status, or undefined when it was not in the
   * previous snapshot (then nothing is marked).
   */
  markListed(arn: string): string | undefined {
    const slot = this.find(arn);
    if (slot < 0) return undefined;
    const byte = this.bytes[slot];
    if ((byte & LISTED) === 0) {
      this.bytes[slot] = byte | LISTED;
      this.listed++;
    }
    return this.statuses[byte & CODE];
  }

  /** Whether the job was marked by {@link markListed}; false for a job not in the table. */
  isListed(arn: string): boolean {
    const slot = this.find(arn);
    return slot >= 0 && (this.bytes[slot] & LISTED) !== 0;
  }

  protected override resized(slotCount: number): void {
    this.previousBytes = this.bytes;
    this.bytes = new Uint8Array(slotCount);
  }

  protected override moved(from: number, to: number): void {
    this.bytes[to] = this.previousBytes![from]!;
  }

  private codeOf(status: string): number {
    let code = this.codes.get(status);
    if (code === undefined) {
      code = this.statuses.length;
      if (code > MAX_CODE) throw new RangeError(`More than ${MAX_CODE} distinct job statuses; the status table holds at most ${MAX_CODE}`);
      this.codes.set(status, code);
      this.statuses.push(status);
    }
    return code;
  }
}
