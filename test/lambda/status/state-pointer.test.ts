import {
  advancePointer,
  MAX_POINTER_SNAPSHOTS,
  notKept,
  parseStatePointer,
  previousSnapshot,
  statePointerKey,
  type StatePointer,
  UnreadablePointerError,
} from '../../../lambda/status/state-pointer';
import { snapshotObjectKey } from '../../../lambda/snapshot/key-layout';

const PREFIX = 'audience-generation-jobs/';
const OWNER = { accountId: '111122223333', region: 'eu-west-1', collaborationId: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01' };
const entry = (iso: string, compression: 'gzip' | 'none' = 'gzip') => ({
  scheduled_time: iso,
  key: snapshotObjectKey(PREFIX, new Date(iso), OWNER, compression),
});
const pointer = (...snapshots: ReturnType<typeof entry>[]): StatePointer => ({
  pointer_version: 1,
  account_id: OWNER.accountId,
  region: OWNER.region,
  collaboration_id: OWNER.collaborationId,
  snapshots,
});

describe('state pointer', () => {
  it('lives under {prefix}_state/, one per account, Region and collaboration', () => {
    expect(statePointerKey(PREFIX, OWNER)).toBe(
      'audience-generation-jobs/_state/111122223333_eu-west-1_3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01.json',
    );
    expect(statePointerKey('', OWNER)).toBe('_state/111122223333_eu-west-1_3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01.json');
    expect(statePointerKey(PREFIX, { ...OWNER, accountId: '444455556666' })).not.toBe(statePointerKey(PREFIX, OWNER));
  });

  describe('parseStatePointer', () => {
    it('accepts a pointer written by advancePointer, with either compression', () => {
      const p = pointer(entry('2026-11-28T10:00:00.000Z', 'none'), entry('2026-11-28T09:00:00.000Z'));
      expect(parseStatePointer(JSON.stringify(p), PREFIX, OWNER)).toEqual(p);
      const truncated = { ...p, truncated: true as const };
      expect(parseStatePointer(JSON.stringify(truncated), PREFIX, OWNER)).toEqual(truncated);
    });

    it.each([
      ['not JSON', '{'],
      ['not an object', '[]'],
      ['null', 'null'],
      ['another version', JSON.stringify({ ...pointer(), pointer_version: 2 })],
      ['another account', JSON.stringify({ ...pointer(), account_id: '444455556666' })],
      ['another Region', JSON.stringify({ ...pointer(), region: 'us-east-1' })],
      ['another collaboration', JSON.stringify({ ...pointer(), collaboration_id: '00000000-0000-4000-8000-000000000002' })],
      ['no snapshots list', JSON.stringify({ ...pointer(), snapshots: {} })],
      [
        'a time without milliseconds',
        JSON.stringify(pointer({ ...entry('2026-11-28T09:00:00.000Z'), scheduled_time: '2026-11-28T09:00:00Z' })),
      ],
      [
        'a key of another time',
        JSON.stringify(pointer({ ...entry('2026-11-28T09:00:00.000Z'), key: entry('2026-11-28T08:00:00.000Z').key })),
      ],
      ['a key outside the snapshots', JSON.stringify(pointer({ ...entry('2026-11-28T09:00:00.000Z'), key: 'secrets/other-object' }))],
      [
        'a key of another prefix',
        JSON.stringify(pointer({ ...entry('2026-11-28T09:00:00.000Z'), key: `other/${entry('2026-11-28T09:00:00.000Z').key}` })),
      ],
      ['an entry that is not an object', JSON.stringify(pointer(null as never))],
      ['truncated other than true', JSON.stringify({ ...pointer(), truncated: false })],
    ])('refuses %s', (_what, text) => {
      expect(() => parseStatePointer(text, PREFIX, OWNER)).toThrow(UnreadablePointerError);
    });
  });

  describe('previousSnapshot', () => {
    const p = pointer(entry('2026-11-28T10:00:00.000Z'), entry('2026-11-28T09:00:00.000Z'), entry('2026-11-28T08:00:00.000Z'));

    it('is the latest entry strictly earlier than the run', () => {
      expect(previousSnapshot(p, new Date('2026-11-28T11:00:00Z'))?.scheduled_time).toBe('2026-11-28T10:00:00.000Z');
      expect(previousSnapshot(p, new Date('2026-11-28T09:30:00Z'))?.scheduled_time).toBe('2026-11-28T09:00:00.000Z');
    });

    it('a rerun of a recorded time finds the entry before it, not itself', () => {
      expect(previousSnapshot(p, new Date('2026-11-28T10:00:00Z'))?.scheduled_time).toBe('2026-11-28T09:00:00.000Z');
      expect(previousSnapshot(p, new Date('2026-11-28T09:00:00Z'))?.scheduled_time).toBe('2026-11-28T08:00:00.000Z');
    });

    it('none before the oldest entry, and none without a pointer', () => {
      expect(previousSnapshot(p, new Date('2026-11-28T08:00:00Z'))).toBeUndefined();
      expect(previousSnapshot(p, new Date('2026-11-27T08:00:00Z'))).toBeUndefined();
      expect(previousSnapshot(undefined, new Date('2026-11-28T08:00:00Z'))).toBeUndefined();
    });

    it('does not rely on the order of the entries', () => {
      const shuffled = pointer(entry('2026-11-28T08:00:00.000Z'), entry('2026-11-28T10:00:00.000Z'), entry('2026-11-28T09:00:00.000Z'));
      expect(previousSnapshot(shuffled, new Date('2026-11-28T11:00:00Z'))?.scheduled_time).toBe('2026-11-28T10:00:00.000Z');
    });
  });

  describe('notKept', () => {
    const kept = pointer(entry('2026-11-28T10:00:00.000Z'), entry('2026-11-28T09:00:00.000Z'));
    const truncated = { ...kept, truncated: true as const };

    it('of a truncated pointer, a time with no earlier entry: the oldest kept entry (its own previous was dropped)', () => {
      expect(notKept(truncated, new Date('2026-11-28T08:00:00Z'))).toEqual(entry('2026-11-28T09:00:00.000Z'));
      expect(notKept(truncated, new Date('2026-11-28T09:00:00Z'))).toEqual(entry('2026-11-28T09:00:00.000Z'));
    });

    it('none when an earlier entry is kept, or when the pointer has named every snapshot since the first', () => {
      expect(notKept(truncated, new Date('2026-11-28T09:30:00Z'))).toBeUndefined();
      expect(notKept(kept, new Date('2026-11-28T08:00:00Z'))).toBeUndefined();
      expect(notKept(undefined, new Date('2026-11-28T08:00:00Z'))).toBeUndefined();
    });
  });

  describe('advancePointer', () => {
    it('starts a pointer from nothing', () => {
      expect(advancePointer(undefined, OWNER, entry('2026-11-28T09:00:00.000Z'))).toEqual(pointer(entry('2026-11-28T09:00:00.000Z')));
    });

    it('inserts newest first, and a backfill in its place', () => {
      let p = advancePointer(undefined, OWNER, entry('2026-11-28T09:00:00.000Z'));
      p = advancePointer(p, OWNER, entry('2026-11-28T11:00:00.000Z'));
      p = advancePointer(p, OWNER, entry('2026-11-28T10:00:00.000Z'));
      expect(p.snapshots.map((s) => s.scheduled_time)).toEqual([
        '2026-11-28T11:00:00.000Z',
        '2026-11-28T10:00:00.000Z',
        '2026-11-28T09:00:00.000Z',
      ]);
    });

    it('a rerun replaces the entry of its own time (its key may change with the compression)', () => {
      let p = advancePointer(undefined, OWNER, entry('2026-11-28T09:00:00.000Z'));
      p = advancePointer(p, OWNER, entry('2026-11-28T10:00:00.000Z'));
      p = advancePointer(p, OWNER, entry('2026-11-28T09:00:00.000Z', 'none'));
      expect(p.snapshots).toEqual([entry('2026-11-28T10:00:00.000Z'), entry('2026-11-28T09:00:00.000Z', 'none')]);
    });

    it(`keeps the ${MAX_POINTER_SNAPSHOTS} most recent (two days of hourly ticks), and says so once it drops one`, () => {
      expect(MAX_POINTER_SNAPSHOTS).toBe(48);
      const hour = (n: number) => entry(new Date(Date.UTC(2026, 10, 26) + n * 3_600_000).toISOString());
      let p: StatePointer | undefined;
      for (let n = 0; n < MAX_POINTER_SNAPSHOTS; n++) p = advancePointer(p, OWNER, hour(n));
      expect(p!.snapshots).toHaveLength(MAX_POINTER_SNAPSHOTS);
      expect(p!.truncated).toBeUndefined();
      p = advancePointer(p, OWNER, hour(MAX_POINTER_SNAPSHOTS));
      expect(p.snapshots.map((s) => s.scheduled_time)).toEqual(
        Array.from({ length: MAX_POINTER_SNAPSHOTS }, (_, i) => hour(MAX_POINTER_SNAPSHOTS - i).scheduled_time),
      );
      expect(p.truncated).toBe(true);
      // Once truncated, always: the dropped entry stays unknown.
      expect(advancePointer(p, OWNER, hour(MAX_POINTER_SNAPSHOTS + 1)).truncated).toBe(true);
      // A backfill older than every kept entry is not kept: the pointer is already full of later ones.
      expect(advancePointer(p, OWNER, hour(-5)).snapshots).toEqual(p.snapshots);
      // The longest pointer is well within the size a pointer may have (64 KB), with the longest keys there are.
      const longPrefix = `${'p'.repeat(511)}/`;
      const long = (n: number) => {
        const iso = new Date(Date.UTC(2026, 10, 26) + n * 3_600_000).toISOString();
        return { scheduled_time: iso, key: snapshotObjectKey(longPrefix, new Date(iso), OWNER, 'gzip') };
      };
      let big: StatePointer | undefined;
      for (let n = 0; n <= MAX_POINTER_SNAPSHOTS; n++) big = advancePointer(big, OWNER, long(n));
      expect(Buffer.byteLength(`${JSON.stringify(big)}\n`)).toBeLessThan(40 * 1024);
    });

    it('historyUnknown (events off, or a pointer that was not valid) starts a truncated pointer', () => {
      const p = advancePointer(undefined, OWNER, entry('2026-11-28T09:00:00.000Z'), { historyUnknown: true });
      expect(p).toEqual({ ...pointer(entry('2026-11-28T09:00:00.000Z')), truncated: true });
    });

    it('what it writes, parseStatePointer reads back', () => {
      const p = advancePointer(
        advancePointer(undefined, OWNER, entry('2026-11-28T09:00:00.000Z')),
        OWNER,
        entry('2026-11-28T10:00:00.000Z', 'none'),
      );
      expect(parseStatePointer(JSON.stringify(p), PREFIX, OWNER)).toEqual(p);
    });
  });
});
