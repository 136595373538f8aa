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
});
