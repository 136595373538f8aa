import type { S3Client } from '@aws-sdk/client-s3';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import type { SnapshotOwner } from '../snapshot/key-layout';
import type { SnapshotRecord } from '../snapshot/record-schema';
import { batchesOf } from './event-batches';
import type { EventPublisher, PublishResult } from './event-publisher';
import { EventSpool } from './event-spool';
import { objectLines } from './object-lines';
import { type ChangeCounts, loadStatusTable, noChanges, SnapshotDiff } from './snapshot-diff';
import {
  advancePointer,
  type PointerSnapshot,
  previousSnapshot,
  readStatePointer,
  type StatePointer,
  statePointerKey,
  writeStatePointer,
} from './state-pointer';
import { statusEventEntry } from './status-event';

/** What the status events of a run need: where the snapshots are, the run's time, and the bus (undefined: events off). */
export interface StatusEventsSettings {
  s3: S3Client;
  bucket: string;
  prefix: string;
  scheduledTime: Date;
  /** Undefined when STATUS_EVENTS is off: nothing is compared or sent, but the pointers still advance. */
  events: { publisher: EventPublisher; eventBusName: string } | undefined;
  /** The run's signal (deadline, rejected credentials). */
  abortSignal: AbortSignal | undefined;
}

/** A collaboration's status events, once its snapshot is complete. */
export interface StatusEventsOutcome {
  /** Events accepted by EventBridge; null when nothing was compared (events off, or no previous snapshot). */
  sent: number | null;
  /** Events that could not be delivered; null as `sent`. */
  failed: number | null;
  counts: ChangeCounts;
}

/** The pointer write gets this long even after the run's signal fired: it is one small PutObject. */
const POINTER_WRITE_TIMEOUT_MS = 10_000;

/** The comparison of one collaboration with its previous snapshot. */
interface Comparison {
  previous: PointerSnapshot;
  /** The previous object's ETag on the first pass: the second pass reads the same bytes or fails. */
  etag: string | undefined;
  diff: SnapshotDiff;
  spool: EventSpool;
}

/**
 * The status events of one (source, collaboration) in a run. {@link open} before its records are written: reads the
 * state pointer and, with events on, the previous snapshot into a compact table (one WARN when there is none to
 * compare with). {@link observe} each record as it is written. {@link complete} once the object is in S3: the
 * `removed` pass over the previous snapshot, the events sent, the pointer advanced. A collaboration that fails calls
 * only {@link dispose}: it sends nothing and leaves its pointer alone.
 */
export class CollaborationStatus {
  private constructor(
    private readonly settings: StatusEventsSettings,
    private readonly owner: SnapshotOwner & { roleArn: string | undefined },
    /** The pointer as read (undefined when missing or unreadable: the advance starts it afresh). */
    private readonly pointer: StatePointer | undefined,
    private comparison: Comparison | undefined,
  ) {}

  /** Never throws: a missing or unreadable pointer or previous snapshot only means there is nothing to compare with. */
  static async open(settings: StatusEventsSettings, owner: SnapshotOwner & { roleArn: string | undefined }): Promise<CollaborationStatus> {
    const { s3, bucket, prefix, scheduledTime, abortSignal } = settings;
    const read = await readStatePointer(s3, bucket, prefix, owner, abortSignal);
    const pointer = read.state === 'found' ? read.pointer : undefined;
    if (!settings.events) return new CollaborationStatus(settings, owner, pointer, undefined);
    const fields = { ...logFields(owner), pointerKey: statePointerKey(prefix, owner), scheduledTime: scheduledTime.toISOString() };
    if (read.state === 'unreadable') {
      // Stopped (the collaboration failed, or the run's deadline): it fails anyway, nothing to warn about.
      if (!abortSignal?.aborted) logger.warn(LOG_MESSAGE.STATE_POINTER_UNREADABLE, { ...fields, error: errorDetails(read.error) });
      return new CollaborationStatus(settings, owner, undefined, undefined);
    }
    const previous = previousSnapshot(pointer, scheduledTime);
    if (!previous) {
      const why = read.state === 'missing' ? 'no_pointer' : 'no_earlier_snapshot';
      logger.warn(LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT, {
        ...fields,
        reason: why,
        ...(read.state === 'missing' && read.error ? { error: errorDetails(read.error) } : {}),
      });
      return new CollaborationStatus(settings, owner, pointer, undefined);
    }
    let etag: string | undefined;
    try {
      const table = await loadStatusTable(objectLines(s3, bucket, previous.key, { abortSignal, onETag: (e) => (etag = e) }));
      const diff = new SnapshotDiff(table, {
        owner,
        snapshotTime: scheduledTime.toISOString(),
        previousSnapshotTime: previous.scheduled_time,
      });
      return new CollaborationStatus(settings, owner, pointer, { previous, etag, diff, spool: new EventSpool() });
    } catch (error) {
      if (!abortSignal?.aborted)
        logger.warn(LOG_MESSAGE.PREVIOUS_SNAPSHOT_UNREADABLE, { ...fields, previousKey: previous.key, error: errorDetails(error) });
      return new CollaborationStatus(settings, owner, pointer, undefined);
    }
  }

  /** Records of the current snapshot, as they are written. */
  async observe(records: readonly SnapshotRecord[]): Promise<void> {
    const comparison = this.comparison;
    if (!comparison) return;
    for (const record of records) {
      const detail = comparison.diff.observe(record);
      if (detail) await comparison.spool.add(detail);
    }
  }

  /** NDJSON lines of the current snapshot, as they are written (a `*` collaboration's lines from its spill file). */
  async observeLines(text: string): Promise<void> {
    const comparison = this.comparison;
    if (!comparison) return;
    let n = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const detail = comparison.diff.observeLine(line, ++n);
      if (detail) await comparison.spool.add(detail);
    }
  }

  /**
   * The object `objectKey` is complete: finds the removed jobs, sends the events, advances the pointer (even when
   * events could not be delivered: the snapshot stands, and a rerun of this time finds the same previous snapshot).
   * Never throws.
   */
  async complete(objectKey: string): Promise<StatusEventsOutcome> {
    let outcome: StatusEventsOutcome = { sent: null, failed: null, counts: noChanges() };
    const comparison = this.comparison;
    if (comparison) {
      try {
        outcome = await this.deliver(comparison);
      } catch (error) {
        // Only the spool's file can fail here (the publisher and the removed pass report, not throw): the snapshot is
        // complete, so the events count failed, for the run's retry to send.
        const failed = comparison.spool.size + comparison.diff.pendingRemoved;
        logger.error(LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED, { ...logFields(this.owner), sent: 0, failed, error: errorDetails(error) });
        outcome = { sent: 0, failed, counts: comparison.diff.counts };
      }
    }
    await this.advance(objectKey);
    await this.dispose();
    return outcome;
  }

  /** Frees what the comparison holds (its spool file). */
  async dispose(): Promise<void> {
    const comparison = this.comparison;
    this.comparison = undefined;
    await comparison?.spool.dispose().catch(() => undefined);
  }

  private async deliver(comparison: Comparison): Promise<StatusEventsOutcome> {
    const { s3, bucket, scheduledTime, abortSignal } = this.settings;
    const { publisher, eventBusName } = this.settings.events!;
    const { diff, spool, previous } = comparison;
    const fields = { ...logFields(this.owner), eventBusName, previousKey: previous.key };
    if (diff.mayHaveRemoved) {
      try {
        let n = 0;
        for await (const lines of objectLines(s3, bucket, previous.key, { ifMatch: comparison.etag, abortSignal })) {
          for (const line of lines) {
            const detail = diff.removedLine(line, ++n);
            if (detail) await spool.add(detail);
          }
        }
      } catch (error) {
        // It was read a moment ago: this is transient (or the run stopped). The events count failed, so that the run
        // fails and its retry computes and sends them again, with the same ids.
        const failed = spool.size + diff.pendingRemoved;
        logger.error(LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED, { ...fields, sent: 0, failed, error: errorDetails(error) });
        return { sent: 0, failed, counts: diff.counts };
      }
    }
    const result = await publisher.publish(batchesOf(entries(spool, eventBusName, scheduledTime)), abortSignal);
    if (result.failed > 0) logger.error(LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED, { ...fields, ...summary(result) });
    return { sent: result.sent, failed: result.failed, counts: diff.counts };
  }

  private async advance(objectKey: string): Promise<void> {
    const { s3, bucket, prefix, scheduledTime } = this.settings;
    const next = advancePointer(this.pointer, this.owner, { scheduled_time: scheduledTime.toISOString(), key: objectKey });
    try {
      await writeStatePointer(s3, bucket, prefix, next, AbortSignal.timeout(POINTER_WRITE_TIMEOUT_MS));
    } catch (error) {
      logger.error(LOG_MESSAGE.STATE_POINTER_WRITE_FAILED, {
        ...logFields(this.owner),
        pointerKey: statePointerKey(prefix, this.owner),
        error: errorDetails(error),
      });
    }
  }
}

async function* entries(spool: EventSpool, eventBusName: string, scheduledTime: Date) {
  for await (const detail of spool.details()) yield statusEventEntry(detail, eventBusName, scheduledTime);
}

function summary(result: PublishResult) {
  return { sent: result.sent, failed: result.failed, errorCodes: result.errorCodes, ...(result.error ? { error: result.error } : {}) };
}

function logFields(owner: SnapshotOwner & { roleArn: string | undefined }) {
  return { collaborationId: owner.collaborationId, accountId: owner.accountId, region: owner.region, roleArn: owner.roleArn };
}
