import { hash } from 'node:crypto';

const WORDS = 3; // 96-bit fingerprints: a false "seen" at a million jobs has odds of about 1 in 10^17.
const INITIAL_SLOTS = 1024;
/**
 * The table grows by half once 7 slots in 10 are taken. Linear probing over uniform MD5 bits still finds a slot
 * in a few steps at that load, and memory stays close to the count: a million jobs take 1.5 million slots
 * (18 MB), where doubling at half full took 2 million (25 MB), and a growth holds less at once.
 */
const MAX_LOAD = 0.7;
const GROWTH = 1.5;

/**
 * Remembers which job ARNs a walk has already written, in a flat typed array instead of a Set of
 * strings: a million ARNs as strings cost ~150 MB of heap, as fingerprints ~18 MB.
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
    // One-shot MD5 as a 'binary' (latin1) string, the same digest: a third of createHash().update().digest()'s
    // cost, and no Buffer (Node.js >= 20.12). The same 96 bits as before.
    const digest = hash('md5', arn, 'binary');
    let a = word(digest, 0);
    const b = word(digest, 4);
    const c = word(digest, 8);
    if ((a | b | c) === 0) a = 1; // all-zero marks an empty slot
    if (!this.insert(a, b, c)) return false;
    this.count++;
    if (this.count > this.capacity * MAX_LOAD) this.grow();
    return true;
  }

  private insert(a: number, b: number, c: number): boolean {
    const capacity = this.capacity;
    for (let slot = ((a ^ (c << 7)) >>> 0) % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
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
    this.capacity = Math.ceil(this.capacity * GROWTH);
    this.slots = new Uint32Array(this.capacity * WORDS);
    for (let i = 0; i < old.length; i += WORDS) {
      if ((old[i]! | old[i + 1]! | old[i + 2]!) !== 0) this.insert(old[i]!, old[i + 1]!, old[i + 2]!);
    }
  }
}

/** The little-endian unsigned 32-bit word at `offset` of a digest in 'binary' encoding (one byte per character). */
function word(digest: string, offset: number): number {
  return (
    (digest.charCodeAt(offset) |
      (digest.charCodeAt(offset + 1) << 8) |
      (digest.charCodeAt(offset + 2) << 16) |
      (digest.charCodeAt(offset + 3) << 24)) >>>
    0
  );
}
