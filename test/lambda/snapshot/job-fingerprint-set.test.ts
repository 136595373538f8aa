import { JobFingerprintSet } from '../../../lambda/snapshot/job-fingerprint-set';

const arn = (i: number, account = '111122223333') =>
  `arn:aws:cleanrooms-ml:us-east-1:${account}:audience-generation-job/${i.toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('JobFingerprintSet', () => {
  it('starts empty', () => {
    expect(new JobFingerprintSet().size).toBe(0);
  });

  it('accepts an ARN once and rejects it afterwards', () => {
    const set = new JobFingerprintSet();
    expect(set.add(arn(1))).toBe(true);
    expect(set.add(arn(1))).toBe(false);
    expect(set.add(arn(1))).toBe(false);
    expect(set.size).toBe(1);
  });

  it('tells apart ARNs that differ in one character, in case, or in the account', () => {
    const set = new JobFingerprintSet();
    const base = 'arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/abc';
    const variants = [
      base,
      `${base}d`,
      base.toUpperCase(),
      base.replace('abc', 'abd'),
      base.replace('111122223333', '111122223334'),
      '',
      ' ',
    ];
    for (const value of variants) expect(set.add(value)).toBe(true);
    for (const value of variants) expect(set.add(value)).toBe(false);
    expect(set.size).toBe(variants.length);
  });

  it('keeps every member through several resizes (1,024 slots growing past 32,768)', () => {
    const set = new JobFingerprintSet();
    const count = 20_000;
    const growthPoints = new Set([512, 1_024, 2_048, 4_096, 8_192, 16_384]);
    let refused = 0;
    const lostAfterGrowth: number[] = [];
    for (let i = 0; i < count; i++) {
      if (!set.add(arn(i))) refused++;
      // Right after each growth (load factor 1/2 of 1,024, 2,048, ...), every earlier member is still there.
      if (growthPoints.has(i)) {
        for (let j = 0; j <= i; j++) if (set.add(arn(j))) lostAfterGrowth.push(j);
      }
    }
    expect(refused).toBe(0);
    expect(lostAfterGrowth).toEqual([]);
    expect(set.size).toBe(count);
    let rejected = 0;
    for (let i = 0; i < count; i++) if (!set.add(arn(i))) rejected++;
    expect(rejected).toBe(count);
    expect(set.size).toBe(count);
  });

  it('rejects duplicates interleaved with new ARNs, as a walk with a shifted page sees them', () => {
    const set = new JobFingerprintSet();
    const accepted: boolean[] = [];
    for (let i = 0; i < 3_000; i++) {
      accepted.push(set.add(arn(i)));
      if (i % 3 === 0) accepted.push(set.add(arn(i - 1 < 0 ? 0 : i - 1)));
    }
    expect(accepted.filter(Boolean)).toHaveLength(3_000);
    expect(set.size).toBe(3_000);
  });

  it('accepts 100,000 distinct ARNs, then rejects each of them', () => {
    const set = new JobFingerprintSet();
    let accepted = 0;
    for (let i = 0; i < 100_000; i++) if (set.add(arn(i, String(100_000_000_000 + (i % 7))))) accepted++;
    expect(accepted).toBe(100_000);
    expect(set.size).toBe(100_000);

    let duplicates = 0;
    for (let i = 0; i < 100_000; i++) if (!set.add(arn(i, String(100_000_000_000 + (i % 7))))) duplicates++;
    expect(duplicates).toBe(100_000);
    expect(set.size).toBe(100_000);
  });

  it('separate sets do not share members', () => {
    const a = new JobFingerprintSet();
    const b = new JobFingerprintSet();
    expect(a.add(arn(7))).toBe(true);
    expect(b.add(arn(7))).toBe(true);
  });
});
