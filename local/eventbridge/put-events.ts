/**
 * PutEvents as the EventBridge front end checks it, without any I/O: the body parsed (awsJson1_1: `Time` is epoch
 * seconds), the request-level limits (1 to 10 entries, less than 256 KB in all, sized as AWS sizes an entry), then each
 * entry on its own (Source, DetailType and Detail required, Detail a JSON object), as AWS reports those per entry.
 */

/** At most this many entries per PutEvents request (API reference, PutEventsRequest.Entries). */
export const MAX_ENTRIES = 10;
/**
 * The entries of one request together "must be less than 256KB" (user guide, "Calculating PutEvents event entry
 * size"): a total of exactly this many bytes is refused.
 */
export const MAX_REQUEST_BYTES = 256 * 1024;
/** `Time`, when given, counts as 14 bytes whatever its value. */
export const TIME_BYTES = 14;

/** One entry as the SDK serializes it (awsJson1_1 member names). */
export interface PutEventsRequestEntry {
  /** Epoch seconds (awsJson1_1 timestamps), possibly fractional. */
  Time?: number;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export interface PutEventsRequest {
  Entries: PutEventsRequestEntry[];
  EndpointId?: string;
}

/** A whole-request error, answered as awsJson1_1 does: `{"__type": …, "message": …}` with this HTTP status. */
export class EventBridgeError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = errorType;
  }
}

/** The size AWS gives an entry: 14 bytes for Time, plus the UTF-8 bytes of Source, DetailType, Detail and each resource. */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined || entry.Time === null ? 0 : TIME_BYTES;
  for (const text of [entry.Source, entry.DetailType, entry.Detail]) if (typeof text === 'string') size += Buffer.byteLength(text, 'utf8');
  for (const resource of entry.Resources ?? []) if (typeof resource === 'string') size += Buffer.byteLength(resource, 'utf8');
  return size;
}

/** Parses and checks the request as a whole; throws `EventBridgeError` (SerializationException, ValidationException). */
export function parsePutEventsRequest(body: string): PutEventsRequest {
  let parsed: unknown;
  try {
    parsed = body.trim() === '' ? {} : JSON.parse(body);
  } catch {
    throw new EventBridgeError('SerializationException', 'Start of structure or map found where not expected.');
  }
  if (!isObject(parsed)) throw new EventBridgeError('SerializationException', 'Start of structure or map found where not expected.');
  const entries = parsed.Entries;
  if (entries === undefined || entries === null) {
    throw validation("Value null at 'entries' failed to satisfy constraint: Member must not be null");
  }
  if (!Array.isArray(entries) || !entries.every(isObject)) {
    throw new EventBridgeError('SerializationException', 'Entries must be a list of PutEventsRequestEntry structures.');
  }
  for (const entry of entries) checkMemberTypes(entry);
  if (entries.length < 1) {
    throw validation("Value '[]' at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (entries.length > MAX_ENTRIES) {
    throw validation(
      `Value '[${entries.length} entries]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENTRIES}`,
    );
  }
  const typed = entries as PutEventsRequestEntry[];
  const total = typed.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total >= MAX_REQUEST_BYTES)
    throw new EventBridgeError('ValidationException', 'Total size of the entries in the request is over the limit.');
  return { Entries: typed, EndpointId: typeof parsed.EndpointId === 'string' ? parsed.EndpointId : undefined };
}

/** What one entry is worth on its own: its parsed detail, or the per-entry error AWS answers. */
export type EntryCheck =
  { ok: true; detail: Record<string, unknown> } | { ok: false; errorCode: 'InvalidArgument' | 'MalformedDetail'; errorMessage: string };

/** The per-entry checks: Source, DetailType, Detail present and non-empty; Detail a JSON object. */
export function checkEntry(entry: PutEventsRequestEntry): EntryCheck {
  for (const member of ['Source', 'DetailType', 'Detail'] as const) {
    const value = entry[member];
    if (value === undefined || value === null || value === '') {
      return {
        ok: false,
        errorCode: 'InvalidArgument',
        errorMessage: `Parameter ${member} is not valid. Reason: ${member} is a required argument.`,
      };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail!);
  } catch {
    return { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (!isObject(detail)) return { ok: false, errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  return { ok: true, detail };
}

/** The event's `time`: the entry's Time, else the time of receipt; to the second, as EventBridge writes it. */
export function eventTime(entry: PutEventsRequestEntry, receivedAt: Date): string {
  const ms = typeof entry.Time === 'number' ? Math.floor(entry.Time) * 1000 : receivedAt.getTime();
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A wrongly typed member is a serialization error, as for any awsJson1_1 service. */
function checkMemberTypes(entry: Record<string, unknown>): void {
  for (const member of ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader']) {
    const value = entry[member];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new EventBridgeError('SerializationException', `${member} must be a string.`);
    }
  }
  const time = entry.Time;
  if (time !== undefined && time !== null && (typeof time !== 'number' || !Number.isFinite(time))) {
    throw new EventBridgeError('SerializationException', 'Time must be a timestamp in epoch seconds.');
  }
  const resources = entry.Resources;
  if (resources !== undefined && resources !== null && (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string'))) {
    throw new EventBridgeError('SerializationException', 'Resources must be a list of strings.');
  }
}

function validation(constraint: string): EventBridgeError {
  return new EventBridgeError('ValidationException', `1 validation error detected: ${constraint}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
