import { compactTimestamp, manifestKey, partitionPrefix, snapshotDate, snapshotObjectKey } from '../../../lambda/snapshot/key-layout';

const COLLABORATION = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const OWNER = { accountId: '444455556666', region: 'eu-west-1', collaborationId: COLLABORATION };

describe('key layout', () => {
  describe('snapshotDate and compactTimestamp (UTC)', () => {
    it.each([
      ['2026-11-28T09:00:00.000Z', '2026-11-28', '20261128T090000Z'],
      ['2026-01-01T00:00:00.000Z', '2026-01-01', '20260101T000000Z'],
      ['2025-12-31T23:59:59.999Z', '2025-12-31', '20251231T235959Z'],
      ['2024-02-29T12:34:56.789Z', '2024-02-29', '20240229T123456Z'],
    ])('%s → %s, %s', (iso, date, compact) => {
      const time = new Date(iso);
      expect(snapshotDate(time)).toBe(date);
      expect(compactTimestamp(time)).toBe(compact);
    });

    it('uses UTC, not the local offset of the input text', () => {
      // 01:30 in Berlin on 1 March is still 28 February in UTC.
      const time = new Date('2024-03-01T01:30:00+02:00');
      expect(snapshotDate(time)).toBe('2024-02-29');
      expect(compactTimestamp(time)).toBe('20240229T233000Z');
    });

    it('compactTimestamp drops milliseconds: every time within one second gives one key', () => {
      expect(compactTimestamp(new Date('2026-11-28T09:00:00.001Z'))).toBe(compactTimestamp(new Date('2026-11-28T09:00:00.999Z')));
    });
  });

  describe('object keys', () => {
    const time = new Date('2026-11-28T09:00:00Z');

    it('partition prefix is {prefix}dt=YYYY-MM-DD/', () => {
      expect(partitionPrefix('audience-generation-jobs/', time)).toBe('audience-generation-jobs/dt=2026-11-28/');
      expect(partitionPrefix('', time)).toBe('dt=2026-11-28/');
      expect(partitionPrefix('a/b/', time)).toBe('a/b/dt=2026-11-28/');
    });

    it('snapshot key: {prefix}dt=…/{accountId}_{region}_{collaborationId}_{compact}.ndjson.gz for gzip', () => {
      expect(snapshotObjectKey('audience-generation-jobs/', time, OWNER, 'gzip')).toBe(
        `audience-generation-jobs/dt=2026-11-28/444455556666_eu-west-1_${COLLABORATION}_20261128T090000Z.ndjson.gz`,
      );
    });

    it('snapshot key: .ndjson without compression', () => {
      expect(snapshotObjectKey('audience-generation-jobs/', time, OWNER, 'none')).toBe(
        `audience-generation-jobs/dt=2026-11-28/444455556666_eu-west-1_${COLLABORATION}_20261128T090000Z.ndjson`,
      );
    });

    it('two accounts, or two Regions, of one collaboration never share a key', () => {
      const keys = [OWNER, { ...OWNER, accountId: '111122223333' }, { ...OWNER, region: 'us-east-1' }].map((o) =>
        snapshotObjectKey('p/', time, o, 'gzip'),
      );
      expect(new Set(keys).size).toBe(3);
    });

    it('manifest key is in the same partition and starts with an underscore (hidden from Athena)', () => {
      const key = manifestKey('audience-generation-jobs/', time);
      expect(key).toBe('audience-generation-jobs/dt=2026-11-28/_manifest_20261128T090000Z.json');
      expect(key.startsWith(partitionPrefix('audience-generation-jobs/', time))).toBe(true);
      expect(key.split('/').at(-1)!.startsWith('_')).toBe(true);
    });

    it('is a function of the scheduled time and the source only: a retried run overwrites its own objects', () => {
      const again = new Date(time.getTime());
      expect(snapshotObjectKey('p/', again, OWNER, 'gzip')).toBe(snapshotObjectKey('p/', time, OWNER, 'gzip'));
      expect(manifestKey('p/', again)).toBe(manifestKey('p/', time));
    });

    it('different collaborations and different runs never share a key', () => {
      const other = { ...OWNER, collaborationId: '00000000-0000-4000-8000-000000000002' };
      const nextRun = new Date('2026-11-28T10:00:00Z');
      const keys = new Set([
        snapshotObjectKey('p/', time, OWNER, 'gzip'),
        snapshotObjectKey('p/', time, other, 'gzip'),
        snapshotObjectKey('p/', nextRun, OWNER, 'gzip'),
        snapshotObjectKey('p/', nextRun, other, 'gzip'),
        manifestKey('p/', time),
        manifestKey('p/', nextRun),
      ]);
      expect(keys.size).toBe(6);
    });

    it('runs on one UTC day share a partition; runs on neighbouring days do not', () => {
      expect(partitionPrefix('p/', new Date('2026-11-28T00:00:00Z'))).toBe(partitionPrefix('p/', new Date('2026-11-28T23:59:59Z')));
      expect(partitionPrefix('p/', new Date('2026-11-28T23:59:59Z'))).not.toBe(partitionPrefix('p/', new Date('2026-11-29T00:00:00Z')));
    });
  });
});
