import {
  advancePointer,
  MAX_POINTER_SNAPSHOTS,
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

    it(`keeps the ${MAX_POINTER_SNAPSHOTS} most recent`, () => {
      let p: StatePointer | undefined;
      for (let hour = 0; hour < 8; hour++) p = advancePointer(p, OWNER, entry(`2026-11-28T0${hour}:00:00.000Z`));
      expect(p!.snapshots.map((s) => s.scheduled_time.slice(11, 13))).toEqual(['07', '06', '05', '04', '03']);
      // A backfill older than every kept entry is kept only if it is among the 5 most recent: here it is dropped.
      expect(advancePointer(p, OWNER, entry('2026-11-28T01:00:00.000Z')).snapshots).toEqual(p!.snapshots);
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
