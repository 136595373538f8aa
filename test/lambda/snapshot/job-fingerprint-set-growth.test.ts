import { JobFingerprintSet } from '../../../lambda/snapshot/job-fingerprint-set';

const arn = (i: number) =>
  `arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/${i.toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
/** The table's size in bytes (a private field: the point of this test is the memory it takes). */
const bytesOf = (set: JobFingerprintSet) => (set as unknown as { slots: Uint32Array }).slots.byteLength;

describe('JobFingerprintSet growth (by half, at 7 slots in 10)', () => {
  it('keeps every member right after each growth', () => {
    const set = new JobFingerprintSet();
    let bytes = bytesOf(set);
    const growths: number[] = [];
    for (let i = 0; i < 150_000; i++) {
      expect(set.add(arn(i))).toBe(true);
      if (bytesOf(set) !== bytes) {
        bytes = bytesOf(set);
        growths.push(i + 1);
        let lost = 0;
        for (let j = 0; j <= i; j++) if (set.add(arn(j))) lost++;
        expect(lost).toBe(0);
      }
    }
    // 1,024 slots grow at 717 members, then 1,536 at 1,076, 2,304 at 1,613, ...
    expect(growths.slice(0, 3)).toEqual([717, 1_076, 1_613]);
    expect(growths.length).toBeGreaterThan(10);
    expect(set.size).toBe(150_000);
  });

  it('holds a million fingerprints in about 18 MB', () => {
    const set = new JobFingerprintSet();
    for (let i = 0; i < 1_000_000; i++) set.add(arn(i));
    expect(set.size).toBe(1_000_000);
    expect(bytesOf(set)).toBeLessThan(19_000_000);
    let again = 0;
    for (let i = 0; i < 1_000_000; i += 97) if (set.add(arn(i))) again++;
    expect(again).toBe(0);
  });

  it('reserve sizes the table at once as growth would have, keeps its members, and then does not grow', () => {
    const grown = new JobFingerprintSet();
    for (let i = 0; i < 100_000; i++) grown.add(arn(i));
    const reserved = new JobFingerprintSet();
    for (let i = 0; i < 1_000; i++) reserved.add(arn(i));
    reserved.reserve(100_000);
    expect(bytesOf(reserved)).toBe(bytesOf(grown));
    const sized = bytesOf(reserved);
    let lost = 0;
    for (let i = 0; i < 1_000; i++) if (reserved.add(arn(i))) lost++;
    expect(lost).toBe(0);
    for (let i = 1_000; i < 100_000; i++) expect(reserved.add(arn(i))).toBe(true);
    expect(reserved.size).toBe(100_000);
    expect(bytesOf(reserved)).toBe(sized);
  });

  it('reserve of no more than there is room for changes nothing', () => {
    const set = new JobFingerprintSet();
    const before = bytesOf(set);
    set.reserve(0);
    set.reserve(700);
    expect(bytesOf(set)).toBe(before);
    set.reserve(718);
    expect(bytesOf(set)).toBe(before * 1.5);
  });
});
