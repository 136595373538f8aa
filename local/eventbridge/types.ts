/** Public types of the local EventBridge. */

/**
 * An event as EventBridge delivers it to rules and targets: the envelope around the entry's detail. `time` is to the
 * second (`2026-11-28T09:00:00Z`), `account` and `region` are the sender's.
 */
export interface EventBridgeEvent {
  version: string;
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** One event the endpoint accepted (or, for `dropped`, accepted and discarded for want of its bus). */
export interface RecordedEvent {
  /** The `EventId` answered, also `event.id`. */
  eventId: string;
  /** The bus, by name (an `EventBusName` given as an ARN is resolved to its name). */
  eventBusName: string;
  eventBusArn: string;
  /** Sender's account (the signing identity's) and Region (the signature's). */
  accountId: string;
  region: string;
  source: string;
  detailType: string;
  /** The entry's Detail, parsed. */
  detail: Record<string, unknown>;
  resources: string[];
  /** The envelope's `time`: the entry's Time, else the time of receipt, to the second. */
  time: string;
  /** Whether the entry gave a Time. */
  timeGiven: boolean;
  receivedAt: Date;
  traceHeader?: string;
  /** The whole event as rules see it. */
  event: EventBridgeEvent;
}

/** One request as the endpoint received it, and how it answered. */
export interface EventBridgeRecordedRequest {
  method: string;
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** `X-Amz-Target`, e.g. `AWSEvents.PutEvents`. */
  target: string | undefined;
  /** The signing identity's account and the signature's Region, once verified. */
  accountId?: string;
  region?: string;
  /** Entries in the request, once parsed. */
  entries?: number;
  /** `FailedEntryCount` of a 200 answer. */
  failedEntryCount?: number;
  /** Undefined while pending. */
  status: number | undefined;
  /** `__type` of an error answer. */
  errorType?: string;
  /** The injected fault that shaped this answer, if any. */
  fault?: 'request' | 'entries';
}
