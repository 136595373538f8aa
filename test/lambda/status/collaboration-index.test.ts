import {
  type CollaborationIndex,
  collaborationIndexKey,
  nextCollaborationIndex,
  parseCollaborationIndex,
  UNLISTED_RETENTION_MS,
  UnreadableIndexError,
  unlistedCollaborations,
} from '../../../lambda/status/collaboration-index';
import { statePointerKey } from '../../../lambda/status/state-pointer';

const PREFIX = 'audience-generation-jobs/';
const OWNER = { accountId: '111122223333', region: 'eu-west-1' };
const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
const T = new Date('2026-11-28T09:00:00.000Z');
const at = (ms: number) => new Date(T.getTime() + ms);
const HOUR = 3_600_000;
const index = (...collaborations: [string, Date][]): CollaborationIndex => ({
  index_version: 1,
  account_id: OWNER.accountId,
  region: OWNER.region,
  collaborations: collaborations.map(([id, seen]) => ({ collaboration_id: id, last_seen: seen.toISOString() })),
});
const ids = (i: { collaboration_id: string }[]) => i.map((e) => e.collaboration_id);

describe('collaboration index', () => {
  it('lives under {prefix}_state/, one per account and Region, and never on a pointer key (whose last part is a UUID)', () => {
    expect(collaborationIndexKey(PREFIX, OWNER)).toBe('audience-generation-jobs/_state/111122223333_eu-west-1_collaborations.json');
    expect(collaborationIndexKey(PREFIX, { ...OWNER, region: 'us-east-1' })).not.toBe(collaborationIndexKey(PREFIX, OWNER));
    expect(collaborationIndexKey(PREFIX, OWNER)).not.toBe(statePointerKey(PREFIX, { ...OWNER, collaborationId: A }));
  });

  it(`keeps an unlisted collaboration ${UNLISTED_RETENTION_MS / 86_400_000} days, twice the longest schedule (3.5 days)`, () => {
    expect(UNLISTED_RETENTION_MS).toBe(7 * 24 * HOUR);
  });

  describe('parseCollaborationIndex', () => {
    it('reads back what nextCollaborationIndex writes', () => {
      const next = nextCollaborationIndex(index([B, T]), OWNER, [A], at(HOUR));
      expect(parseCollaborationIndex(`${JSON.stringify(next)}\n`, OWNER)).toEqual(next);
      expect(parseCollaborationIndex(JSON.stringify(index()), OWNER)).toEqual(index());
    });

    it('sorts the entries by id, as it writes them', () => {
      expect(ids(parseCollaborationIndex(JSON.stringify(index([C, T], [A, T])), OWNER).collaborations)).toEqual([A, C]);
    });

    const entry = (value: unknown) => JSON.stringify({ ...index(), collaborations: [value] });
    it.each([
      ['not JSON', '{"index_version":1,', /^The collaboration index is not JSON \(/],
      ['a list', '[]', 'The collaboration index [] is not a JSON object'],
      ['null', 'null', 'The collaboration index null is not a JSON object'],
      ['another version', JSON.stringify({ ...index(), index_version: 2 }), 'The collaboration index has index_version 2, not 1'],
      [
        'a state pointer',
        JSON.stringify({ pointer_version: 1, account_id: OWNER.accountId, region: OWNER.region, snapshots: [] }),
        'The collaboration index has index_version undefined, not 1',
      ],
      [
        'another account',
        JSON.stringify({ ...index(), account_id: '444455556666' }),
        'The collaboration index names account "444455556666" and Region "eu-west-1", not 111122223333 and eu-west-1 as its key',
      ],
      [
        'another Region',
        JSON.stringify({ ...index(), region: 'us-east-1' }),
        'The collaboration index names account "111122223333" and Region "us-east-1", not 111122223333 and eu-west-1 as its key',
      ],
      ['no list', JSON.stringify({ ...index(), collaborations: {} }), 'The collaboration index has collaborations {}, not a list'],
      ['an entry that is not an object', entry('x'), 'Entry 1 of the collaboration index "x" is not an object'],
      [
        'an id that is not a collaboration id',
        entry({ collaboration_id: '../../evil', last_seen: T.toISOString() }),
        'Entry 1 of the collaboration index has collaboration_id "../../evil", not a collaboration id',
      ],
      [
        'a time without milliseconds',
        entry({ collaboration_id: A, last_seen: '2026-11-28T09:00:00Z' }),
        'Entry 1 of the collaboration index has last_seen "2026-11-28T09:00:00Z", not an ISO-8601 time with milliseconds',
      ],
      [
        'no time',
        entry({ collaboration_id: A }),
        'Entry 1 of the collaboration index has last_seen undefined, not an ISO-8601 time with milliseconds',
      ],
      ['an id twice', JSON.stringify(index([A, T], [A, at(HOUR)])), `Entry 2 of the collaboration index repeats "${A}"`],
    ])('refuses %s, naming the problem', (_what, text, message) => {
      let thrown: unknown;
      try {
        parseCollaborationIndex(text, OWNER);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UnreadableIndexError);
      if (typeof message === 'string') expect((thrown as Error).message).toBe(message);
      else expect((thrown as Error).message).toMatch(message);
    });
  });

  describe('unlistedCollaborations', () => {
    it('is the collaborations of the index this walk did not list', () => {
      const i = index([A, T], [B, T], [C, T]);
      expect(ids(unlistedCollaborations(i, new Set([A]), at(HOUR)))).toEqual([B, C]);
      expect(unlistedCollaborations(i, new Set([A, B, C]), at(HOUR))).toEqual([]);
      expect(unlistedCollaborations(undefined, new Set([A]), at(HOUR))).toEqual([]);
    });

    it('while the run is at most 7 days after the last listing: exactly 7 days still, 7 days and 1 ms no more', () => {
      const i = index([B, T]);
      expect(ids(unlistedCollaborations(i, new Set(), at(UNLISTED_RETENTION_MS)))).toEqual([B]);
      expect(unlistedCollaborations(i, new Set(), at(UNLISTED_RETENTION_MS + 1))).toEqual([]);
    });

    it('also when last seen after the run (a rerun of an older tick shows today state under its time)', () => {
      expect(unlistedCollaborations(index([B, at(3 * HOUR)]), new Set([A]), T)).toEqual([
        { collaboration_id: B, last_seen: at(3 * HOUR).toISOString() },
      ]);
    });
  });

  describe('nextCollaborationIndex', () => {
    it('starts from nothing with the listed collaborations, last seen now, sorted', () => {
      expect(nextCollaborationIndex(undefined, OWNER, [C, A], T)).toEqual(index([A, T], [C, T]));
      expect(nextCollaborationIndex(undefined, OWNER, [], T)).toEqual(index());
    });

    it('moves a listed collaboration forward, never back (a rerun of an older tick)', () => {
      const i = index([A, at(2 * HOUR)], [B, T]);
      expect(nextCollaborationIndex(i, OWNER, [A, B], at(HOUR))).toEqual(index([A, at(2 * HOUR)], [B, at(HOUR)]));
      expect(nextCollaborationIndex(i, OWNER, [A, B], at(3 * HOUR))).toEqual(index([A, at(3 * HOUR)], [B, at(3 * HOUR)]));
      expect(nextCollaborationIndex(i, OWNER, [A, B], at(2 * HOUR))).toEqual(index([A, at(2 * HOUR)], [B, at(2 * HOUR)]));
    });

    it('keeps an unlisted collaboration as it was for 7 days, drops it at 7 days and 1 ms', () => {
      const i = index([A, T], [B, T]);
      expect(nextCollaborationIndex(i, OWNER, [A], at(HOUR))).toEqual(index([A, at(HOUR)], [B, T]));
      expect(nextCollaborationIndex(i, OWNER, [A], at(UNLISTED_RETENTION_MS))).toEqual(index([A, at(UNLISTED_RETENTION_MS)], [B, T]));
      expect(nextCollaborationIndex(i, OWNER, [A], at(UNLISTED_RETENTION_MS + 1))).toEqual(index([A, at(UNLISTED_RETENTION_MS + 1)]));
    });

    it('keeps an unlisted collaboration whose empty snapshot failed, whatever its age, as it was', () => {
      const i = index([B, T], [C, T]);
      expect(nextCollaborationIndex(i, OWNER, [A], at(UNLISTED_RETENTION_MS + 1), new Set([B]))).toEqual(
        index([A, at(UNLISTED_RETENTION_MS + 1)], [B, T]),
      );
    });

    it('a listed collaboration listed again is the same entry: a rerun of the same time writes the same index', () => {
      const once = nextCollaborationIndex(index([B, T]), OWNER, [A], at(HOUR));
      expect(nextCollaborationIndex(once, OWNER, [A], at(HOUR))).toEqual(once);
    });
  });
});
