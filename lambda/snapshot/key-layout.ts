/**
 * Where a run writes, derived from its scheduled time and the source only, so that a retried run overwrites its own
 * objects: `{prefix}dt={YYYY-MM-DD}/{accountId}_{region}_{collaborationId}_{YYYYMMDDTHHMMSSZ}.ndjson[.gz]` and
 * `{prefix}dt={YYYY-MM-DD}/_manifest_{YYYYMMDDTHHMMSSZ}.json` (the underscore hides it from Athena). `accountId` is the
 * account whose jobs were listed, so that two member accounts of one collaboration never share a key.
 */
import type { Compression } from '../config-rules/compression';

/** `2026-11-28T09:00:00.000Z` → `2026-11-28`, in UTC. */
export function snapshotDate(scheduledTime: Date): string {
  return scheduledTime.toISOString().slice(0, 10);
}

/** `2026-11-28T09:00:00.000Z` → `20261128T090000Z`, in UTC. */
export function compactTimestamp(scheduledTime: Date): string {
  const iso = scheduledTime.toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

export function partitionPrefix(prefix: string, scheduledTime: Date): string {
  return `${prefix}dt=${snapshotDate(scheduledTime)}/`;
}

/** Whose jobs an object holds: the account that listed them, its Region, and the collaboration. */
export interface SnapshotOwner {
  accountId: string;
  region: string;
  collaborationId: string;
}

export function snapshotObjectKey(prefix: string, scheduledTime: Date, owner: SnapshotOwner, compression: Compression): string {
  const extension = compression === 'gzip' ? '.ndjson.gz' : '.ndjson';
  const { accountId, region, collaborationId } = owner;
  return `${partitionPrefix(prefix, scheduledTime)}${accountId}_${region}_${collaborationId}_${compactTimestamp(scheduledTime)}${extension}`;
}

export function manifestKey(prefix: string, scheduledTime: Date): string {
  return `${partitionPrefix(prefix, scheduledTime)}_manifest_${compactTimestamp(scheduledTime)}.json`;
}
