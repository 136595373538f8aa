/**
 * Faults the local EventBridge injects, programmable at runtime:
 * - whole requests that fail (`failRequests`: a 5xx answer, nothing recorded as accepted),
 * - entries that fail on their own inside a 200 answer (`failEntries`: `FailedEntryCount` and a per-entry
 *   `ErrorCode`, as PutEvents reports partial failures),
 * - either of them for every request until `reset()` (`failAlways`).
 *
 * A request that fails its signature or validation takes no fault. A failed request takes no entry fault.
 */
import type { ServerErrorStatus } from '../emulator/faults';

/** The per-entry error codes the API reference lists as retryable. */
export type RetryableEntryErrorCode = 'InternalFailure' | 'ThrottlingException';

export interface EntryFault {
  errorCode: RetryableEntryErrorCode;
  errorMessage: string;
}

const ENTRY_MESSAGES: Record<RetryableEntryErrorCode, string> = {
  InternalFailure: 'Internal Service Failure',
  ThrottlingException: 'Rate exceeded.',
};

export type AlwaysFailure = { errorCode?: RetryableEntryErrorCode } | { status: ServerErrorStatus };

export class EventBridgeFaults {
  private entryFaults: RetryableEntryErrorCode[] = [];
  private requestFaults: ServerErrorStatus[] = [];
  private always: { entry: RetryableEntryErrorCode } | { status: ServerErrorStatus } | undefined;

  /** The next `count` entries that would be accepted fail individually (default InternalFailure). */
  failEntries(count: number, options: { errorCode?: RetryableEntryErrorCode } = {}): this {
    assertCount(count);
    for (let i = 0; i < count; i++) this.entryFaults.push(options.errorCode ?? 'InternalFailure');
    return this;
  }

  /** The next `count` valid, signed requests fail as a whole with this status (default 500 InternalException). */
  failRequests(count: number, status: ServerErrorStatus = 500): this {
    assertCount(count);
    for (let i = 0; i < count; i++) this.requestFaults.push(status);
    return this;
  }

  /** Until `reset()`: every entry fails (`{ errorCode }`, default InternalFailure), or every request (`{ status }`). */
  failAlways(options: AlwaysFailure = {}): this {
    this.always = 'status' in options ? { status: options.status } : { entry: options.errorCode ?? 'InternalFailure' };
    return this;
  }

  /** Forgets every programmed fault. */
  reset(): this {
    this.entryFaults = [];
    this.requestFaults = [];
    this.always = undefined;
    return this;
  }

  /** @internal The status a request fails with, if it must fail; consumes a counted fault. */
  takeRequestFault(): ServerErrorStatus | undefined {
    if (this.always && 'status' in this.always) return this.always.status;
    return this.requestFaults.shift();
  }

  /** @internal The error an entry that would be accepted fails with, if any; consumes a counted fault. */
  takeEntryFault(): EntryFault | undefined {
    const code = this.always && 'entry' in this.always ? this.always.entry : this.entryFaults.shift();
    return code === undefined ? undefined : { errorCode: code, errorMessage: ENTRY_MESSAGES[code] };
  }
}

function assertCount(count: number): void {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
}
