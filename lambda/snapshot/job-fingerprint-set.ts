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
 * The 96-bit fingerprint of a job ARN, as three words written to `out[0..2]`; never all zero (all-zero marks an
 * empty slot). Shared by every table of job ARNs, so that they all hash alike.
 */
export function jobFingerprint(arn: string, out: Uint32Array): void {
  // One-shot MD5 as a 'binary' (latin1) string, the same digest: a third of createHash().update().digest()'s
  // cost, and no Buffer (Node.js >= 20.12). The same 96 bits as before.
  const digest = hash('md5', arn, 'binary');
  const a = word(digest, 0);
  const b = word(digest, 4);
  const c = word(digest, 8);
  out[0] = (a | b | c) === 0 ? 1 : a;
  out[1] = b;
  out[2] = c;
}

/**
 * An open-addressing table of job ARN fingerprints in one flat typed array instead of a Set of strings: a million
 * ARNs as strings cost ~150 MB of heap, as fingerprints ~18 MB. A subclass that keeps a value per member (see
 * lambda/status/status-table.ts) stores it in a parallel array indexed by slot, and moves it in {@link moved}.
 */
export class FingerprintTable {
  private slots = new Uint32Array(INITIAL_SLOTS * WORDS);
  private capacity = INITIAL_SLOTS;
  private count = 0;
  private readonly key = new Uint32Array(WORDS);

  get size(): number {
    return this.count;
  }

  /** Slots in the table: the length a parallel array of values needs. */
  protected get slotCount(): number {
    return this.capacity;
  }

  /** The slot that holds `arn`, or -1 when it is not a member. */
  protected find(arn: string): number {
    jobFingerprint(arn, this.key);
    const slot = this.probe(this.key[0], this.key[1], this.key[2]);
    return this.isEmpty(slot) ? -1 : slot;
  }

  /**
   * Adds `arn` when it is not a member. Returns its slot when it was added, or `-1 - slot` (negative) when it was
   * already there. The slot stays valid until the next insertion.
   */
  protected insert(arn: string): number {
    jobFingerprint(arn, this.key);
    const a = this.key[0];
    const b = this.key[1];
    const c = this.key[2];
    let slot = this.probe(a, b, c);
    if (!this.isEmpty(slot)) return -1 - slot;
    if (this.count + 1 > this.capacity * MAX_LOAD) {
      this.grow();
      slot = this.probe(a, b, c);
    }
    this.write(slot, a, b, c);
    this.count++;
    return slot;
  }

  /**
   * Makes room for `count` members in all, at once: a table that would otherwise grow step by step to that size holds
   * the old and the new slots at each growth (at a million jobs, 12 MB and 18 MB at the last one). Does nothing when
   * there is room already.
   */
  reserve(count: number): void {
    let capacity = this.capacity;
    while (count > capacity * MAX_LOAD) capacity = Math.ceil(capacity * GROWTH);
    if (capacity > this.capacity) this.grow(capacity);
  }

  /** Called on growth, before the members move: the table now has `slotCount` slots. */
  protected resized(_slotCount: number): void {}

  /** Called on growth for each member, from its old slot to its new one (after {@link resized}). */
  protected moved(_from: number, _to: number): void {}

  /** The slot where (a, b, c) is, or the empty slot where it belongs. */
  private probe(a: number, b: number, c: number): number {
    const capacity = this.capacity;
    for (let slot = ((a ^ (c << 7)) >>> 0) % capacity; ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const i = slot * WORDS;
      const sa = this.slots[i];
      const sb = this.slots[i + 1];
      const sc = this.slots[i + 2];
      if ((sa | sb | sc) === 0 || (sa === a && sb === b && sc === c)) return slot;
    }
  }

  private isEmpty(slot: number): boolean {
    const i = slot * WORDS;
    return (this.slots[i] | this.slots[i + 1] | this.slots[i + 2]) === 0;
  }

  private write(slot: number, a: number, b: number, c: number): void {
    const i = slot * WORDS;
    this.slots[i] = a;
    this.slots[i + 1] = b;
    this.slots[i + 2] = c;
  }

  private grow(capacity = Math.ceil(this.capacity * GROWTH)): void {
    const old = this.slots;
    this.capacity = capacity;
    this.slots = new Uint32Array(this.capacity * WORDS);
    this.resized(this.capacity);
    for (let i = 0; i < old.length; i += WORDS) {
      const a = old[i];
      const b = old[i + 1];
      const c = old[i + 2];
      if ((a | b | c) === 0) continue;
      const slot = this.probe(a, b, c);
      this.write(slot, a, b, c);
      this.moved(i / WORDS, slot);
    }
  }
}

/** Remembers which job ARNs a walk has already written. */
export class JobFingerprintSet extends FingerprintTable {
  /** Adds the ARN; returns false when it was already there. */
  add(arn: string): boolean {
    return this.insert(arn) >= 0;
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
