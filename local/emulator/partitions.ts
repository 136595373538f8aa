/**
 * The emulator's data, partitioned as AWS partitions it: every (account, Region) pair has its own jobs and its own
 * pagination-token key, so a caller sees only its own account's jobs in the Region it signed for, and a token
 * issued in one partition is not valid in another.
 */
import { JobStore } from './job-store';
import { PageTokenCodec } from './page-token';

/** One (account, Region) partition. */
export interface Partition {
  store: JobStore;
  tokens: PageTokenCodec;
}

/** An (account, Region) pair. */
export interface PartitionKey {
  accountId: string;
  region: string;
}

export class Partitions {
  private readonly partitions = new Map<string, Partition>();

  /** The partition of this pair, created empty on first use (an account lists nothing where it seeded nothing). */
  get(key: PartitionKey): Partition {
    const id = `${key.accountId}/${key.region}`;
    let partition = this.partitions.get(id);
    if (!partition) {
      partition = { store: new JobStore(), tokens: new PageTokenCodec() };
      this.partitions.set(id, partition);
    }
    return partition;
  }
}
