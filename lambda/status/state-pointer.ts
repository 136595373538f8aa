/**
 * The state pointer of one (account, Region, collaboration): which snapshots were completed most recently, so that a
 * run finds the previous snapshot without listing the bucket. Key `{prefix}_state/{accountId}_{region}_{collaborationId}.json`
 * (the underscore hides it from Athena); JSON `{"pointer_version":1,"account_id":…,"region":…,"collaboration_id":…,
 * "snapshots":[{"scheduled_time":…,"key":…},…]}`, newest first, at most {@link MAX_POINTER_SNAPSHOTS}.
 *
 * The rules are pure (choosing the previous entry, advancing); reading and writing are a thin part at the end.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type SnapshotOwner, snapshotObjectKey } from '../snapshot/key-layout';

/** Snapshots a pointer remembers: enough for reruns and a few backfills to still find their previous one. */
export const MAX_POINTER_SNAPSHOTS = 5;
/** Larger than any valid pointer (5 keys of at most 1,024 bytes): a bigger object is not one. */
const MAX_POINTER_BYTES = 64 * 1024;

export interface PointerSnapshot {
  /** ISO-8601 with milliseconds, as the manifest's `scheduled_time`. */
  scheduled_time: string;
  key: string;
}

export interface StatePointer {
  pointer_version: 1;
  account_id: string;
  region: string;
  collaboration_id: string;
  snapshots: PointerSnapshot[];
}

export function statePointerKey(prefix: string, owner: SnapshotOwner): string {
  return `${prefix}_state/${owner.accountId}_${owner.region}_${owner.collaborationId}.json`;
}

/** A pointer that cannot be used: not JSON, another version, another owner, or an entry that names no snapshot of it. */
export class UnreadablePointerError extends Error {
  override readonly name = 'UnreadablePointerError';
}

/**
 * Parses and checks a pointer. Each entry's key must be the snapshot key of its own scheduled time and owner (with
 * either compression): a pointer can only ever lead to this owner's snapshots under this prefix.
 */
export function parseStatePointer(text: string, prefix: string, owner: SnapshotOwner): StatePointer {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UnreadablePointerError(`The pointer is not JSON (${(error as Error).message})`);
  }
  const pointer = value as Partial<StatePointer> | null;
  if (typeof pointer !== 'object' || pointer === null || Array.isArray(pointer))
    throw new UnreadablePointerError('The pointer is not a JSON object');
  if (pointer.pointer_version !== 1)
    throw new UnreadablePointerError(`The pointer has pointer_version ${JSON.stringify(pointer.pointer_version)}, not 1`);
  if (pointer.account_id !== owner.accountId || pointer.region !== owner.region || pointer.collaboration_id !== owner.collaborationId) {
    throw new UnreadablePointerError('The pointer names another account, Region or collaboration than its key');
  }
  if (!Array.isArray(pointer.snapshots)) throw new UnreadablePointerError('The pointer has no snapshots list');
  const snapshots = pointer.snapshots.map((entry: unknown, index) => checkedEntry(entry, index, prefix, owner));
  return { pointer_version: 1, account_id: owner.accountId, region: owner.region, collaboration_id: owner.collaborationId, snapshots };
}

function checkedEntry(entry: unknown, index: number, prefix: string, owner: SnapshotOwner): PointerSnapshot {
  const { scheduled_time: time, key } = (entry ?? {}) as Partial<PointerSnapshot>;
  const date = typeof time === 'string' ? new Date(time) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString() !== time) {
    throw new UnreadablePointerError(`Entry ${index + 1} of the pointer has no scheduled_time in ISO-8601 with milliseconds`);
  }
  if (key !== snapshotObjectKey(prefix, date, owner, 'gzip') && key !== snapshotObjectKey(prefix, date, owner, 'none')) {
    throw new UnreadablePointerError(
      `Entry ${index + 1} of the pointer names a key that is not the snapshot of its time and collaboration`,
    );
  }
  return { scheduled_time: time, key };
}

/** The previous snapshot of a run at `scheduledTime`: the latest entry strictly earlier, or undefined. */
export function previousSnapshot(pointer: StatePointer | undefined, scheduledTime: Date): PointerSnapshot | undefined {
  let best: PointerSnapshot | undefined;
  for (const entry of pointer?.snapshots ?? []) {
    const time = Date.parse(entry.scheduled_time);
    if (time < scheduledTime.getTime() && (!best || time > Date.parse(best.scheduled_time))) best = entry;
  }
  return best;
}

/**
 * The pointer after a snapshot completed: the entry inserted (replacing one of the same time), newest first, the
 * oldest dropped beyond {@link MAX_POINTER_SNAPSHOTS}. A missing or unreadable pointer starts afresh.
 */
export function advancePointer(pointer: StatePointer | undefined, owner: SnapshotOwner, snapshot: PointerSnapshot): StatePointer {
  const others = (pointer?.snapshots ?? []).filter((entry) => entry.scheduled_time !== snapshot.scheduled_time);
  const snapshots = [snapshot, ...others]
    .sort((a, b) => Date.parse(b.scheduled_time) - Date.parse(a.scheduled_time))
    .slice(0, MAX_POINTER_SNAPSHOTS);
  return { pointer_version: 1, account_id: owner.accountId, region: owner.region, collaboration_id: owner.collaborationId, snapshots };
}

// ---- S3: the thin part ----

/**
 * The pointer as read: present and valid, missing, or unreadable (with why). Without `s3:ListBucket` (the function has
 * none) S3 answers a missing key with 403 AccessDenied rather than 404: that counts as missing too, with the error kept.
 */
export type PointerRead =
  { state: 'found'; pointer: StatePointer } | { state: 'missing'; error?: unknown } | { state: 'unreadable'; error: unknown };

export async function readStatePointer(
  s3: S3Client,
  bucket: string,
  prefix: string,
  owner: SnapshotOwner,
  abortSignal?: AbortSignal,
): Promise<PointerRead> {
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: statePointerKey(prefix, owner) }), { abortSignal });
    if ((object.ContentLength ?? 0) > MAX_POINTER_BYTES) {
      return {
        state: 'unreadable',
        error: new UnreadablePointerError(`The pointer is ${object.ContentLength} bytes long; a pointer is at most ${MAX_POINTER_BYTES}`),
      };
    }
    text = (await object.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    const { name, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
    if (name === 'NoSuchKey' || $metadata?.httpStatusCode === 404) return { state: 'missing' };
    if (name === 'AccessDenied') return { state: 'missing', error };
    return { state: 'unreadable', error };
  }
  try {
    return { state: 'found', pointer: parseStatePointer(text, prefix, owner) };
  } catch (error) {
    return { state: 'unreadable', error };
  }
}

export async function writeStatePointer(
  s3: S3Client,
  bucket: string,
  prefix: string,
  pointer: StatePointer,
  abortSignal?: AbortSignal,
): Promise<void> {
  const owner = { accountId: pointer.account_id, region: pointer.region, collaborationId: pointer.collaboration_id };
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: statePointerKey(prefix, owner),
      Body: `${JSON.stringify(pointer)}\n`,
      ContentType: 'application/json',
    }),
    { abortSignal },
  );
}
