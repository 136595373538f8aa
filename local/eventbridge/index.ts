/** Local Amazon EventBridge: a PutEvents endpoint, an event-pattern matcher and an input-transformer renderer. */
export {
  DEFAULT_BUS,
  EVENTS_SIGNING_NAME,
  EventBridgeEmulator,
  PUT_EVENTS_TARGET,
  type EventBridgeCounts,
  type EventBridgeEmulatorOptions,
} from './event-bridge-emulator';
export { EventBridgeFaults, type AlwaysFailure, type RetryableEntryErrorCode } from './faults';
export { matchesEventPattern, type EventPattern } from './event-pattern';
export { renderInputTransformer, type InputTransformer, type RenderOptions } from './input-transformer';
export { entrySize, MAX_ENTRIES, MAX_REQUEST_BYTES, TIME_BYTES, type PutEventsRequestEntry } from './put-events';
export type { EventBridgeEvent, EventBridgeRecordedRequest, RecordedEvent } from './types';
