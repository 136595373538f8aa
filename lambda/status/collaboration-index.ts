/**
 * The collaboration index of one `*` source (account, Region): the collaborations its walks listed, each with the
 * last scheduled time it was listed, so that a collaboration whose last job is gone (and which the walk therefore no
 * longer lists) still gets its empty snapshot and its `removed` events. Key
 * `{prefix}_state/{accountId}_{region}_collaborations.json`, next to the state pointers (whose last part is a UUID, so
 * the two never collide); JSON `{"index_version":1,"account_id":…,"region":…,"collaborations":[{"collaboration_id":…,
 * "last_seen":…},…]}`, sorted by id. Written and read only with status events on.
 *
 * The rules are pure (the unlisted collaborations, the next index); reading and writing are a thin part at the end.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { UUID_PATTERN } from '../cleanroomsml/model-constants';
import { describeValue } from '../commons/describe-value';
import { readStateObject, type StateObjectRead, writeStateObject } from './state-object';

/**
 * How long after it was last listed a collaboration stays in the index, exported with no jobs at every run. Twice the
 * longest schedule (3.5 days), so that the first tick after its last listing always finds it, even one tick late. The
 * first run after its last job went reports that job `removed`; later runs within the window repeat the empty
 * snapshot without events, so that a rerun of one of those ticks within a week (a retry, a redrive) writes the same
 * objects and sends the same events (as any rerun: while the pointer still names its previous snapshot). After it, the
 * collaboration was reported long ago and is dropped: the index does not keep every collaboration the account ever saw.
 */
export const UNLISTED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** Far above any index this exporter writes (about 100 bytes per collaboration): a bigger object is not one. */
const MAX_INDEX_BYTES = 16 * 1024 * 1024;

/** Whose index: the account whose jobs a `*` source lists, and its Region. */
export interface IndexOwner {
  accountId: string;
  region: string;
}

export interface IndexedCollaboration {
  collaboration_id: string;
  /** The latest scheduled time a walk listed it, ISO-8601 with milliseconds. */
  last_seen: string;
}

export interface CollaborationIndex {
  index_version: 1;
  account_id: string;
  region: string;
  /** Sorted by id, each id once. */
  collaborations: IndexedCollaboration[];
}

export function collaborationIndexKey(prefix: string, owner: IndexOwner): string {
  return `${prefix}_state/${owner.accountId}_${owner.region}_collaborations.json`;
}

/** An object that is not a collaboration index of this owner: not JSON, another version or owner, or a bad entry. */
export class UnreadableIndexError extends Error {
  override readonly name = 'UnreadableIndexError';
}

const quoted = (value: unknown) => describeValue(value, { maxLength: 80 });

export function parseCollaborationIndex(text: string, owner: IndexOwner): CollaborationIndex {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UnreadableIndexError(`The collaboration index is not JSON (${(error as Error).message})`);
  }
  const index = value as Partial<CollaborationIndex> | null;
  if (typeof index !== 'object' || index === null || Array.isArray(index))
    throw new UnreadableIndexError(`The collaboration index ${quoted(value)} is not a JSON object`);
  if (index.index_version !== 1)
    throw new UnreadableIndexError(`The collaboration index has index_version ${quoted(index.index_version)}, not 1`);
  if (index.account_id !== owner.accountId || index.region !== owner.region) {
    throw new UnreadableIndexError(
      `The collaboration index names account ${quoted(index.account_id)} and Region ${quoted(index.region)}, not ${owner.accountId} and ${owner.region} as its key`,
    );
  }
  if (!Array.isArray(index.collaborations))
    throw new UnreadableIndexError(`The collaboration index has collaborations ${quoted(index.collaborations)}, not a list`);
  const seen = new Set<string>();
  const collaborations = index.collaborations.map((entry: unknown, i) => {
    const checked = checkedEntry(entry, i);
    if (seen.has(checked.collaboration_id))
      throw new UnreadableIndexError(`Entry ${i + 1} of the collaboration index repeats ${quoted(checked.collaboration_id)}`);
    seen.add(checked.collaboration_id);
    return checked;
  });
  return collaborationIndex(owner, collaborations);
}

function checkedEntry(entry: unknown, i: number): IndexedCollaboration {
  const at = `Entry ${i + 1} of the collaboration index`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new UnreadableIndexError(`${at} ${quoted(entry)} is not an object`);
  const { collaboration_id: id, last_seen: lastSeen } = entry as Partial<IndexedCollaboration>;
  if (typeof id !== 'string' || !UUID_PATTERN.test(id))
    throw new UnreadableIndexError(`${at} has collaboration_id ${quoted(id)}, not a collaboration id`);
  const date = typeof lastSeen === 'string' ? new Date(lastSeen) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString() !== lastSeen) {
    throw new UnreadableIndexError(`${at} has last_seen ${quoted(lastSeen)}, not an ISO-8601 time with milliseconds`);
  }
  return { collaboration_id: id, last_seen: lastSeen };
}

function collaborationIndex(owner: IndexOwner, collaborations: IndexedCollaboration[]): CollaborationIndex {
  const sorted = [...collaborations].sort((a, b) =>
    a.collaboration_id < b.collaboration_id ? -1 : a.collaboration_id > b.collaboration_id ? 1 : 0,
  );
  return { index_version: 1, account_id: owner.accountId, region: owner.region, collaborations: sorted };
}

/** Whether a collaboration last listed at `entry.last_seen` is still kept at a run of `scheduledTime`. */
function retained(entry: IndexedCollaboration, scheduledTime: Date): boolean {
  return scheduledTime.getTime() - Date.parse(entry.last_seen) <= UNLISTED_RETENTION_MS;
}

/**
 * The collaborations a run at `scheduledTime` exports with no jobs: in the index, not `listed` by this walk, and
 * still retained ({@link UNLISTED_RETENTION_MS}). Also those last seen after `scheduledTime` (a rerun of an older
 * tick shows today's state under its time). Sorted by id.
 */
export function unlistedCollaborations(
  index: CollaborationIndex | undefined,
  listed: ReadonlySet<string>,
  scheduledTime: Date,
): IndexedCollaboration[] {
  return (index?.collaborations ?? []).filter((entry) => !listed.has(entry.collaboration_id) && retained(entry, scheduledTime));
}

/**
 * The index after a run at `scheduledTime`: every `listed` collaboration, last seen at the later of its recorded time
 * and this one (a rerun of an older tick never moves it back); each unlisted one still retained; and each of
 * `failed` (unlisted collaborations whose empty snapshot failed), whatever its age, so that it is tried again. No
 * index (`undefined`) starts afresh.
 */
export function nextCollaborationIndex(
  index: CollaborationIndex | undefined,
  owner: IndexOwner,
  listed: Iterable<string>,
  scheduledTime: Date,
  failed: ReadonlySet<string> = new Set(),
): CollaborationIndex {
  const now = scheduledTime.toISOString();
  const known = new Map((index?.collaborations ?? []).map((entry) => [entry.collaboration_id, entry]));
  const next = new Map<string, IndexedCollaboration>();
  for (const id of listed) {
    const before = known.get(id);
    const lastSeen = before && Date.parse(before.last_seen) > scheduledTime.getTime() ? before.last_seen : now;
    next.set(id, { collaboration_id: id, last_seen: lastSeen });
  }
  for (const entry of known.values()) {
    if (!next.has(entry.collaboration_id) && (failed.has(entry.collaboration_id) || retained(entry, scheduledTime))) {
      next.set(entry.collaboration_id, entry);
    }
  }
  return collaborationIndex(owner, [...next.values()]);
}

// ---- S3: the thin part ----

/** The index as read (see {@link StateObjectRead}). */
export type IndexRead = StateObjectRead<CollaborationIndex>;

export function readCollaborationIndex(
  s3: S3Client,
  bucket: string,
  prefix: string,
  owner: IndexOwner,
  abortSignal?: AbortSignal,
): Promise<IndexRead> {
  return readStateObject(s3, bucket, collaborationIndexKey(prefix, owner), {
    maxBytes: MAX_INDEX_BYTES,
    parse: (text) => parseCollaborationIndex(text, owner),
    tooLarge: (bytes) => new UnreadableIndexError(`The collaboration index is ${bytes} bytes long; an index is at most ${MAX_INDEX_BYTES}`),
    abortSignal,
  });
}

export async function writeCollaborationIndex(s3: S3Client, bucket: string, prefix: string, index: CollaborationIndex): Promise<void> {
  const owner = { accountId: index.account_id, region: index.region };
  await writeStateObject(s3, bucket, collaborationIndexKey(prefix, owner), index);
}
