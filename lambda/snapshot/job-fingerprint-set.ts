import { createHash } from 'node:crypto';

const WORDS = 3; // 96-bit fingerprints: a false "seen" at a million jobs has odds of about 1 in 10^17.
const INITIAL_SLOTS = 1024;

/**
 * Remembers which job ARNs a walk has already written, in a flat typed array instead of a Set of
 * strings: a million ARNs as strings cost ~150 MB of heap, as fingerprints ~24 MB.
 */
export class JobFingerprintSet {
  private slots = new Uint32Array(INITIAL_SLOTS * WORDS);
  private capacity = INITIAL_SLOTS;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds the ARN; returns false when it was already there. */
  add(arn: string): boolean {
    const digest = createHash('md5').update(arn).digest();
    let a = digest.readUInt32LE(0);
    const b = digest.readUInt32LE(4);
    const c = digest.readUInt32LE(8);
    if ((a | b | c) === 0) a = 1; // all-zero marks an empty slot
    if (!this.insert(a, b, c)) return false;
    this.count++;
    if (this.count * 2 > this.capacity) this.grow();
    return true;
  }

  private insert(a: number, b: number, c: number): boolean {
    const mask = this.capacity - 1;
    for (let slot = (a ^ (c << 7)) & mask; ; slot = (slot + 1) & mask) {
      const i = slot * WORDS;
      const sa = this.slots[i]!;
      const sb = this.slots[i + 1]!;
      const sc = this.slots[i + 2]!;
      if ((sa | sb | sc) === 0) {
        this.slots[i] = a;
        this.slots[i + 1] = b;
        this.slots[i + 2] = c;
        return true;
      }
      if (sa === a && sb === b && sc === c) return false;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.capacity *= 2;
    this.slots = new Uint32Array(this.capacity * WORDS);
    for (let i = 0; i < old.length; i += WORDS) {
      if ((old[i]! | old[i + 1]! | old[i + 2]!) !== 0) this.insert(old[i]!, old[i + 1]!, old[i + 2]!);
    }
  }
}
