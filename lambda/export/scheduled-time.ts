import { describeValue } from '../commons/describe-value';
import { ConfigurationError } from '../config-rules/configuration-error';

/** Earliest accepted scheduled time: Clean Rooms ML did not exist before 2023. */
export const EARLIEST_SCHEDULED_TIME = new Date('2023-01-01T00:00:00Z');
/** How far ahead of the clock a scheduled time may be (clock skew, time zones); more is a mistake. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

const ISO_8601_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The run's scheduled time, truncated to the second (the key layout's resolution), from:
 * `{"scheduledTime": "..."}` as EventBridge Scheduler sends it; an EventBridge event's `time`; or an
 * empty event, which means now. Other fields are ignored.
 */
export function resolveScheduledTime(event: unknown, now: Date): Date {
  if (event === undefined || event === null) return truncateToSecond(now);
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new ConfigurationError([
      `The event must be a JSON object such as {"scheduledTime": "2026-11-28T09:00:00Z"}, got ${describe(event)}`,
    ]);
  }
  const record = event as Record<string, unknown>;
  if (record.scheduledTime !== undefined) return parseScheduledTime(record.scheduledTime, 'scheduledTime', now);
  if (record.time !== undefined) return parseScheduledTime(record.time, 'time', now);
  return truncateToSecond(now);
}

/** Parses and range-checks one ISO-8601 date-time with a zone (`Z` or `±hh:mm`). */
export function parseScheduledTime(value: unknown, field: string, now: Date): Date {
  if (typeof value !== 'string') {
    throw new ConfigurationError([`${field} must be an ISO-8601 date-time string such as 2026-11-28T09:00:00Z, got ${describe(value)}`]);
  }
  const match = ISO_8601_DATE_TIME.exec(value);
  const parsed = match ? new Date(value) : undefined;
  // Date accepts 2026-02-30 by rolling over; a round trip of the date part catches it.
  if (!match || !parsed || Number.isNaN(parsed.getTime()) || !isRealCalendarDate(match)) {
    throw new ConfigurationError([
      `${field} ${describe(value)} is not an ISO-8601 date-time with a time zone, such as 2026-11-28T09:00:00Z`,
    ]);
  }
  if (parsed < EARLIEST_SCHEDULED_TIME || parsed.getTime() > now.getTime() + MAX_FUTURE_MS) {
    throw new ConfigurationError([
      `${field} ${describe(value)} is out of range: it must lie between ${EARLIEST_SCHEDULED_TIME.toISOString()} and one day after now (${now.toISOString()})`,
    ]);
  }
  return truncateToSecond(parsed);
}

function isRealCalendarDate(match: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return (
    probe.getUTCFullYear() === year &&
    probe.getUTCMonth() === month - 1 &&
    probe.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}

function truncateToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function describe(value: unknown): string {
  return describeValue(value, { maxLength: 80 });
}
