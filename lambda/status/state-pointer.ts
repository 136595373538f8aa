/**
 * The state pointer of one (account, Region, collaboration): which snapshots were completed most recently, so that a
 * run finds the previous snapshot without listing the bucket. Key `{prefix}_state/{accountId}_{region}_{collaborationId}.json`
 * (the underscore hides it from Athena); JSON `{"pointer_version":1,"account_id":…,"region":…,"collaboration_id":…,
 * "snapshots":[{"scheduled_time":…,"key":…},…],"truncated":true}`, newest first, at most {@link MAX_POINTER_SNAPSHOTS};
 * `truncated` is written only when true.
 *
 * The rules are pure (choosing the previous entry, advancing); reading and writing are a thin part at the end.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type SnapshotOwner, snapshotObjectKey } from '../snapshot/key-layout';
import { readStateObject, type StateObjectRead, writeStateObject } from './state-object';

/**
 * Snapshots a pointer remembers. Lambda retries a tick within one schedule period (its maximum event age), so those
 * retries always find their previous snapshot; 48 also covers a manual rerun of the last two days of hourly ticks (8
 * hours of the shortest schedule, 10 minutes; 168 days of the longest). A rerun older than that still writes its
 * snapshot, but cannot compute its events and fails (see {@link notKept}). 48 entries of the longest key (a
 * 512-character prefix: about 620 bytes) are about 32 KB.
 */
export const MAX_POINTER_SNAPSHOTS = 48;
/** Larger than any valid pointer (48 entries of at most 1,024-byte keys): a bigger object is not one. */
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
  /**
   * Present when earlier snapshots may exist that the pointer does not name: entries were dropped beyond
   * {@link MAX_POINTER_SNAPSHOTS}, or the pointer was started afresh without its history (events off, or over one that
   * was not valid). Absent: the pointer has named every snapshot of its collaboration since its first.
   */
  truncated?: true;
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
  if (pointer.truncated !== undefined && pointer.truncated !== true) {
    throw new UnreadablePointerError(`The pointer has truncated ${JSON.stringify(pointer.truncated)}, not true`);
  }
  const snapshots = pointer.snapshots.map((entry: unknown, index) => checkedEntry(entry, index, prefix, owner));
  return statePointer(owner, snapshots, pointer.truncated === true);
}

function statePointer(owner: SnapshotOwner, snapshots: PointerSnapshot[], truncated: boolean): StatePointer {
  return {
    pointer_version: 1,
    account_id: owner.accountId,
    region: owner.region,
    collaboration_id: owner.collaborationId,
    snapshots,
    ...(truncated ? { truncated: true as const } : {}),
  };
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
 * When the pointer names no snapshot earlier than `scheduledTime` but is truncated: the oldest entry it keeps. The
 * previous snapshot of that time may exist, but is no longer known, so its events cannot be computed. Undefined
 * otherwise (there is a previous entry, or the pointer has named every snapshot since the first).
 */
export function notKept(pointer: StatePointer | undefined, scheduledTime: Date): PointerSnapshot | undefined {
  if (!pointer?.truncated || previousSnapshot(pointer, scheduledTime)) return undefined;
  let oldest: PointerSnapshot | undefined;
  for (const entry of pointer.snapshots)
    if (!oldest || Date.parse(entry.scheduled_time) < Date.parse(oldest.scheduled_time)) oldest = entry;
  return oldest;
}

/**
 * The pointer after a snapshot completed: the entry inserted (replacing one of the same time), newest first, the
 * oldest dropped beyond {@link MAX_POINTER_SNAPSHOTS} (then it is truncated). No pointer (`undefined`) starts afresh;
 * `historyUnknown` when one may exist that was not read or not valid, which makes the new one truncated.
 */
export function advancePointer(
  pointer: StatePointer | undefined,
  owner: SnapshotOwner,
  snapshot: PointerSnapshot,
  options: { historyUnknown?: boolean } = {},
): StatePointer {
  const others = (pointer?.snapshots ?? []).filter((entry) => entry.scheduled_time !== snapshot.scheduled_time);
  const all = [snapshot, ...others].sort((a, b) => Date.parse(b.scheduled_time) - Date.parse(a.scheduled_time));
  const truncated = options.historyUnknown === true || pointer?.truncated === true || all.length > MAX_POINTER_SNAPSHOTS;
  return statePointer(owner, all.slice(0, MAX_POINTER_SNAPSHOTS), truncated);
}

// ---- S3: the thin part ----

/** The pointer as read (see {@link StateObjectRead}). */
export type PointerRead = StateObjectRead<StatePointer>;

export function readStatePointer(
  s3: S3Client,
  bucket: string,
  prefix: string,
  owner: SnapshotOwner,
  abortSignal?: AbortSignal,
): Promise<PointerRead> {
  return readStateObject(s3, bucket, statePointerKey(prefix, owner), {
    maxBytes: MAX_POINTER_BYTES,
    parse: (text) => parseStatePointer(text, prefix, owner),
    tooLarge: (bytes) => new UnreadablePointerError(`The pointer is ${bytes} bytes long; a pointer is at most ${MAX_POINTER_BYTES}`),
    abortSignal,
  });
}

export async function writeStatePointer(s3: S3Client, bucket: string, prefix: string, pointer: StatePointer): Promise<void> {
  const owner = { accountId: pointer.account_id, region: pointer.region, collaborationId: pointer.collaboration_id };
  await writeStateObject(s3, bucket, statePointerKey(prefix, owner), pointer);
}
