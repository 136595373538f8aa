import type { S3Client } from '@aws-sdk/client-s3';
import { errorDetails } from '../commons/error-details';
import { logger } from '../commons/logger';
import { LOG_MESSAGE } from '../commons/log-messages';
import type { SnapshotOwner } from '../snapshot/key-layout';
import type { SnapshotRecord } from '../snapshot/record-schema';
import { batchesOf } from './event-batches';
import type { EventPublisher, PublishResult } from './event-publisher';
import { EventSpool } from './event-spool';
import { CorruptObjectError, objectLines } from './object-lines';
import { probeDenied, readFailureOf } from './read-failure';
import { type ChangeCounts, InvalidSnapshotLineError, loadStatusTable, noChanges, SnapshotDiff } from './snapshot-diff';
import {
  advancePointer,
  notKept,
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
  /**
   * Undefined when STATUS_EVENTS is off: nothing is read, compared or sent, but each pointer is rewritten naming this
   * snapshot alone (truncated), so that turning events on compares with the latest snapshot.
   */
  events: { publisher: EventPublisher; eventBusName: string } | undefined;
  /** The run's signal (deadline, rejected credentials). */
  abortSignal: AbortSignal | undefined;
}

/** A collaboration's status events, once its snapshot is complete. */
export interface StatusEventsOutcome {
  /** Events accepted by EventBridge; null when there was nothing to compare with (events off, or no previous snapshot). */
  sent: number | null;
  /** Events that could not be delivered (1 when the comparison could not be made); null as `sent`. */
  failed: number | null;
  counts: ChangeCounts;
}

/** The comparison of one collaboration with its previous snapshot. */
interface Comparison {
  previous: PointerSnapshot;
  /** The previous object's ETag on the first pass: the second pass reads the same bytes or fails. */
  etag: string | undefined;
  diff: SnapshotDiff;
  spool: EventSpool;
}

type LogFields = Record<string, unknown>;
/** Nothing to compare with: one WARN when the snapshot completes, then the pointer advances. */
interface NothingToCompare {
  kind: 'nothing';
  message: string;
  fields: LogFields;
  /** The pointer was not valid: the advance starts it afresh, truncated. */
  historyUnknown: boolean;
}
/** The comparison could not be made: one ERROR, no event, one counted failed, the pointer left alone. */
interface NotCompared {
  kind: 'blocked';
  message: string;
  fields: LogFields;
}

/**
 * What the collaboration's status events do, decided by {@link CollaborationStatus.open} (an AccessDenied only once
 * the snapshot is complete, by a probe of it: see read-failure.ts).
 */
type Plan =
  /** Events off: nothing read or compared; the pointer is rewritten with this snapshot alone. */
  | { kind: 'off' }
  | { kind: 'compare'; comparison: Comparison }
  | NothingToCompare
  | NotCompared
  /** S3 answered AccessDenied: a missing key (then `ifMissing`) or reads refused (then not compared). */
  | { kind: 'denied'; ifMissing: NothingToCompare; fields: LogFields; error: unknown };

/** A comparison that could not be made counts as one failed event: how many there would have been is unknown. */
const NOT_COMPARED_FAILED = 1;

/**
 * The status events of one (source, collaboration) in a run. {@link open} before its records are written: reads the
 * state pointer and, with events on, the previous snapshot into a compact table. {@link observe} each record as it is
 * written. {@link complete} once the object is in S3: the `removed` pass over the previous snapshot, the events sent,
 * the pointer advanced, what happened logged. A collaboration that fails calls only {@link dispose}: it sends and logs
 * nothing and leaves its pointer alone.
 *
 * Nothing to compare with (no pointer, a pointer that is not valid, a previous snapshot that is gone or not lines):
 * one WARN, no events, the pointer advances. A comparison that cannot be made (a read failed, reads are denied, or a
 * rerun older than every entry of a truncated pointer): one ERROR, no events, the pointer left alone, one event counted
 * failed, so that the run fails and its retry compares again.
 */
export class CollaborationStatus {
  private disposed = false;

  private constructor(
    private readonly settings: StatusEventsSettings,
    private readonly owner: SnapshotOwner & { roleArn: string | undefined },
    /** The pointer as read (undefined when missing, not valid, or not read). */
    private readonly pointer: StatePointer | undefined,
    private plan: Plan,
  ) {}

  /** Never throws: what could not be read is decided on and reported by {@link complete}. */
  static async open(settings: StatusEventsSettings, owner: SnapshotOwner & { roleArn: string | undefined }): Promise<CollaborationStatus> {
    // Events off: the pointer is not read (the function may not), only rewritten.
    if (!settings.events) return new CollaborationStatus(settings, owner, undefined, { kind: 'off' });
    const { s3, bucket, prefix, scheduledTime, abortSignal } = settings;
    const read = await readStatePointer(s3, bucket, prefix, owner, abortSignal);
    const fields = { ...logFields(owner), pointerKey: statePointerKey(prefix, owner), scheduledTime: scheduledTime.toISOString() };
    const noPointer = (error?: unknown): NothingToCompare => ({
      kind: 'nothing',
      message: LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT,
      fields: { ...fields, reason: 'no_pointer', ...(error ? { error: errorDetails(error) } : {}) },
      historyUnknown: false,
    });
    const make = (plan: Plan, pointer?: StatePointer) => new CollaborationStatus(settings, owner, pointer, plan);
    switch (read.state) {
      case 'missing':
        return make(noPointer());
      case 'denied':
        return make({ kind: 'denied', ifMissing: noPointer(read.error), fields, error: read.error });
      case 'invalid':
        return make({
          kind: 'nothing',
          message: LOG_MESSAGE.STATE_POINTER_UNREADABLE,
          fields: { ...fields, error: errorDetails(read.error) },
          historyUnknown: true,
        });
      case 'failed':
        return make(notCompared({ ...fields, reason: 'pointer_read_failed', error: errorDetails(read.error) }));
    }
    const pointer = read.value;
    const previous = previousSnapshot(pointer, scheduledTime);
    if (!previous) {
      const oldest = notKept(pointer, scheduledTime);
      if (oldest) {
        return make(
          {
            kind: 'blocked',
            message: LOG_MESSAGE.PREVIOUS_SNAPSHOT_NOT_KEPT,
            fields: { ...fields, oldestKeptTime: oldest.scheduled_time },
          },
          pointer,
        );
      }
      const plan: NothingToCompare = {
        kind: 'nothing',
        message: LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT,
        fields: { ...fields, reason: 'no_earlier_snapshot' },
        historyUnknown: false,
      };
      return make(plan, pointer);
    }
    const previousFields = { ...fields, previousKey: previous.key };
    let etag: string | undefined;
    try {
      const table = await loadStatusTable(objectLines(s3, bucket, previous.key, { abortSignal, onETag: (e) => (etag = e) }));
      const diff = new SnapshotDiff(table, {
        owner,
        snapshotTime: scheduledTime.toISOString(),
        previousSnapshotTime: previous.scheduled_time,
      });
      return make({ kind: 'compare', comparison: { previous, etag, diff, spool: new EventSpool() } }, pointer);
    } catch (error) {
      const nothing = (message: string, extra: LogFields = {}): NothingToCompare => ({
        kind: 'nothing',
        message,
        fields: { ...previousFields, ...extra },
        historyUnknown: false,
      });
      // The object itself is bad: reading it again gives the same.
      if (error instanceof CorruptObjectError || error instanceof InvalidSnapshotLineError) {
        return make(nothing(LOG_MESSAGE.PREVIOUS_SNAPSHOT_UNREADABLE, { error: errorDetails(error) }), pointer);
      }
      const failure = readFailureOf(error);
      if (failure === 'missing') return make(nothing(LOG_MESSAGE.PREVIOUS_SNAPSHOT_MISSING), pointer);
      if (failure === 'denied') {
        const ifMissing = nothing(LOG_MESSAGE.PREVIOUS_SNAPSHOT_MISSING, { error: errorDetails(error) });
        return make({ kind: 'denied', ifMissing, fields: previousFields, error }, pointer);
      }
      return make(notCompared({ ...previousFields, reason: 'previous_read_failed', error: errorDetails(error) }), pointer);
    }
  }

  /** Jobs in the previous snapshot being compared with; 0 when there is none. */
  get previousJobCount(): number {
    return this.plan.kind === 'compare' ? this.plan.comparison.diff.previousJobCount : 0;
  }

  /** Records of the current snapshot, as they are written. */
  async observe(records: readonly SnapshotRecord[]): Promise<void> {
    if (this.plan.kind !== 'compare') return;
    const { comparison } = this.plan;
    for (const record of records) {
      const detail = comparison.diff.observe(record);
      if (detail) await comparison.spool.add(detail);
    }
  }

  /** NDJSON lines of the current snapshot, as they are written (a `*` collaboration's lines from its spill file). */
  async observeLines(text: string): Promise<void> {
    if (this.plan.kind !== 'compare') return;
    const { comparison } = this.plan;
    let n = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const detail = comparison.diff.observeLine(line, ++n);
      if (detail) await comparison.spool.add(detail);
    }
  }

  /**
   * The object `objectKey` is complete: finds the removed jobs, sends the events, advances the pointer (even when
   * events could not be delivered: the snapshot stands, and a rerun of this time finds the same previous snapshot);
   * or reports why there was nothing to compare, or why the comparison could not be made (then the pointer is left
   * alone). Never throws.
   */
  async complete(objectKey: string): Promise<StatusEventsOutcome> {
    try {
      let plan = this.plan;
      if (plan.kind === 'denied') plan = await this.probe(plan, objectKey);
      switch (plan.kind) {
        case 'off':
          await this.advance(objectKey, true);
          return { sent: null, failed: null, counts: noChanges() };
        case 'nothing':
          logger.warn(plan.message, plan.fields);
          await this.advance(objectKey, plan.historyUnknown);
          return { sent: null, failed: null, counts: noChanges() };
        case 'blocked':
          logger.error(plan.message, plan.fields);
          return { sent: 0, failed: NOT_COMPARED_FAILED, counts: noChanges() };
      }
      const { comparison } = plan;
      let outcome: StatusEventsOutcome & { compared: boolean };
      try {
        outcome = await this.deliver(comparison);
      } catch (error) {
        // Only the spool's file can fail here (the publisher and the removed pass report, not throw): the snapshot is
        // compared, so the events count failed, for the run's retry to send.
        const failed = comparison.spool.size + comparison.diff.pendingRemoved;
        logger.error(LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED, { ...logFields(this.owner), sent: 0, failed, error: errorDetails(error) });
        outcome = { sent: 0, failed, counts: comparison.diff.counts, compared: true };
      }
      if (outcome.compared) await this.advance(objectKey, false);
      return { sent: outcome.sent, failed: outcome.failed, counts: outcome.counts };
    } finally {
      await this.dispose();
    }
  }

  /** Frees what the comparison holds (its spool file). */
  async dispose(): Promise<void> {
    if (this.plan.kind !== 'compare' || this.disposed) return;
    this.disposed = true;
    await this.plan.comparison.spool.dispose().catch(() => undefined);
  }

  /** After an AccessDenied: a missing key if the function can read the snapshot it has just written. */
  private async probe(plan: Extract<Plan, { kind: 'denied' }>, objectKey: string): Promise<NothingToCompare | NotCompared> {
    const probe = await probeDenied(this.settings.s3, this.settings.bucket, objectKey);
    if (probe.verdict === 'missing') return plan.ifMissing;
    return notCompared({
      ...plan.fields,
      reason: probe.verdict === 'denied' ? 'reads_denied' : plan.fields.previousKey ? 'previous_read_failed' : 'pointer_read_failed',
      error: errorDetails(plan.error),
      probeKey: objectKey,
      probeError: errorDetails(probe.error),
    });
  }

  /** `compared` false when the removed pass failed: then nothing was sent and the pointer is left alone. */
  private async deliver(comparison: Comparison): Promise<StatusEventsOutcome & { compared: boolean }> {
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
        // It was read a moment ago: this is transient (or the run stopped). Nothing is sent and the events count failed
        // (at least the jobs not listed again), so that the run fails and its retry compares and sends them, same ids.
        const failed = spool.size + diff.pendingRemoved;
        logger.error(LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED, { ...fields, sent: 0, failed, error: errorDetails(error) });
        return { sent: 0, failed, counts: diff.counts, compared: false };
      }
    }
    const result = await publisher.publish(batchesOf(entries(spool, eventBusName, scheduledTime)), abortSignal);
    if (result.failed > 0) logger.error(LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED, { ...fields, ...summary(result) });
    return { sent: result.sent, failed: result.failed, counts: diff.counts, compared: true };
  }

  private async advance(objectKey: string, historyUnknown: boolean): Promise<void> {
    const { s3, bucket, prefix, scheduledTime } = this.settings;
    const entry = { scheduled_time: scheduledTime.toISOString(), key: objectKey };
    const next = advancePointer(this.pointer, this.owner, entry, { historyUnknown });
    try {
      await writeStatePointer(s3, bucket, prefix, next);
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

function notCompared(fields: LogFields): NotCompared {
  return { kind: 'blocked', message: LOG_MESSAGE.STATUS_EVENTS_NOT_COMPARED, fields };
}

function logFields(owner: SnapshotOwner & { roleArn: string | undefined }) {
  return { collaborationId: owner.collaborationId, accountId: owner.accountId, region: owner.region, roleArn: owner.roleArn };
}
