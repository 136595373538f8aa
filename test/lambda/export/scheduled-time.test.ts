import { ConfigurationError } from '../../../lambda/config-rules/configuration-error';
import { EARLIEST_SCHEDULED_TIME, MAX_FUTURE_MS, resolveScheduledTime } from '../../../lambda/export/scheduled-time';

const NOW = new Date('2026-05-01T12:34:56.789Z');
const NOW_TO_THE_SECOND = '2026-05-01T12:34:56.000Z';

const resolve = (event: unknown) => resolveScheduledTime(event, NOW).toISOString();

/** The ConfigurationError this event raises; fails the test if there is none. */
function errorOf(event: unknown): ConfigurationError {
  try {
    resolveScheduledTime(event, NOW);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error(`expected a ConfigurationError for ${JSON.stringify(event)}`);
}

/** An EventBridge scheduled event, as a rule with a schedule delivers it. */
const eventBridgeEvent = (time: unknown) => ({
  version: '0',
  id: '89d1a02d-5ec7-412e-82f5-13505f849b41',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/audience-jobs-export'],
  detail: {},
});

describe('resolveScheduledTime', () => {
  describe('no time given: now, truncated to the second', () => {
    it.each([
      ['{}', {}],
      ['null', null],
      ['undefined', undefined],
      ['an object with unrelated fields only', { detail: {}, source: 'manual', foo: 'bar' }],
    ])('%s', (_, event) => {
      expect(resolve(event)).toBe(NOW_TO_THE_SECOND);
    });

    it('a clock exactly on the second stays as it is', () => {
      const now = new Date('2026-05-01T12:00:00.000Z');
      expect(resolveScheduledTime({}, now).toISOString()).toBe('2026-05-01T12:00:00.000Z');
    });
  });

  describe('{"scheduledTime": ...} as EventBridge Scheduler sends it', () => {
    it.each([
      ['UTC with Z', '2026-04-30T09:00:00Z', '2026-04-30T09:00:00.000Z'],
      ['a positive offset', '2026-04-30T11:00:00+02:00', '2026-04-30T09:00:00.000Z'],
      ['a negative offset with minutes', '2026-04-30T03:30:00-05:30', '2026-04-30T09:00:00.000Z'],
      ['an offset that moves the day', '2026-05-01T01:00:00+09:00', '2026-04-30T16:00:00.000Z'],
      ['-00:00', '2026-04-30T09:00:00-00:00', '2026-04-30T09:00:00.000Z'],
      ['milliseconds, truncated not rounded', '2026-04-30T09:00:00.999Z', '2026-04-30T09:00:00.000Z'],
      ['one fractional digit', '2026-04-30T09:00:07.5Z', '2026-04-30T09:00:07.000Z'],
      ['nine fractional digits', '2026-04-30T09:00:00.999999999Z', '2026-04-30T09:00:00.000Z'],
      ['fractions and an offset', '2026-04-30T10:00:00.123456+01:00', '2026-04-30T09:00:00.000Z'],
      ['lowercase t and z', '2026-04-30t09:00:00z', '2026-04-30T09:00:00.000Z'],
      ['a leap day', '2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ])('%s: %s', (_, scheduledTime, expected) => {
      expect(resolve({ scheduledTime })).toBe(expected);
    });

    it('ignores extra fields', () => {
      expect(resolve({ scheduledTime: '2026-04-30T09:00:00Z', runId: 7, detail: { a: 1 }, force: true })).toBe('2026-04-30T09:00:00.000Z');
    });

    it('wins over time, which is then not even checked', () => {
      expect(resolve({ scheduledTime: '2026-04-30T09:00:00Z', time: '2026-01-01T00:00:00Z' })).toBe('2026-04-30T09:00:00.000Z');
      expect(resolve({ scheduledTime: '2026-04-30T09:00:00Z', time: 'garbage' })).toBe('2026-04-30T09:00:00.000Z');
    });
  });

  describe('an EventBridge event', () => {
    it('uses its time', () => {
      expect(resolve(eventBridgeEvent('2026-05-01T09:00:00Z'))).toBe('2026-05-01T09:00:00.000Z');
    });

    it('rejects a bad time, naming the field and the value', () => {
      expect(errorOf(eventBridgeEvent('soon')).message).toBe(
        'time "soon" is not an ISO-8601 date-time with a time zone, such as 2026-11-28T09:00:00Z',
      );
      expect(errorOf(eventBridgeEvent(1714467600)).message).toContain(
        'time must be an ISO-8601 date-time string such as 2026-11-28T09:00:00Z, got 1714467600',
      );
    });
  });

  describe('range', () => {
    it('accepts the earliest time, 2023-01-01T00:00:00Z', () => {
      expect(resolve({ scheduledTime: '2023-01-01T00:00:00Z' })).toBe(EARLIEST_SCHEDULED_TIME.toISOString());
    });

    it('accepts exactly one day ahead of now', () => {
      const inADay = new Date(NOW.getTime() + MAX_FUTURE_MS).toISOString();
      expect(inADay).toBe('2026-05-02T12:34:56.789Z');
      expect(resolve({ scheduledTime: inADay })).toBe('2026-05-02T12:34:56.000Z');
    });

    it.each([
      ['just before 2023', '2022-12-31T23:59:59Z'],
      ['before 2023 once the offset is applied', '2023-01-01T00:30:00+01:00'],
      ['the epoch', '1970-01-01T00:00:00Z'],
      ['a millisecond more than a day ahead', '2026-05-02T12:34:56.790Z'],
      ['a week ahead', '2026-05-08T12:00:00Z'],
      ['the year 9999', '9999-12-31T23:59:59Z'],
    ])('rejects %s, naming the value', (_, scheduledTime) => {
      const { message } = errorOf({ scheduledTime });
      expect(message).toContain(`scheduledTime ${JSON.stringify(scheduledTime)} is out of range`);
      expect(message).toContain('2023-01-01T00:00:00.000Z');
      expect(message).toContain(NOW.toISOString());
    });
  });

  describe('not a date-time: ConfigurationError naming the value', () => {
    it.each([
      'yesterday',
      '',
      ' ',
      '2026-04-30',
      '2026-04-30T09:00:00',
      '2026-04-30 09:00:00Z',
      '2026-04-30T09:00Z',
      '2026-04-30T09:00:00+0200',
      '2026-04-30T09:00:00+02',
      '2026-04-30T09:00:00.Z',
      '2026-04-30T09:00:00.1234567890Z',
      ' 2026-04-30T09:00:00Z',
      '2026-04-30T09:00:00Z ',
      '2026-4-30T09:00:00Z',
      '+002026-04-30T09:00:00Z',
      '20260430T090000Z',
      'Thu, 30 Apr 2026 09:00:00 GMT',
      '2026-04-30T09:00:00+24:00',
      '2026-04-30T09:00:00+05:99',
    ])('%j', (scheduledTime) => {
      expect(errorOf({ scheduledTime }).message).toBe(
        `scheduledTime ${JSON.stringify(scheduledTime)} is not an ISO-8601 date-time with a time zone, such as 2026-11-28T09:00:00Z`,
      );
    });

    it.each([
      ['30 February', '2026-02-30T09:00:00Z'],
      ['29 February of a common year', '2025-02-29T09:00:00Z'],
      ['31 April', '2026-04-31T09:00:00Z'],
      ['month 13', '2026-13-01T09:00:00Z'],
      ['month 0', '2026-00-10T09:00:00Z'],
      ['day 0', '2026-04-00T09:00:00Z'],
      ['hour 24', '2026-04-30T24:00:00Z'],
      ['minute 60', '2026-04-30T09:60:00Z'],
      ['second 60', '2026-04-30T09:00:60Z'],
    ])('%s (%s)', (_, scheduledTime) => {
      expect(errorOf({ scheduledTime }).message).toBe(
        `scheduledTime ${JSON.stringify(scheduledTime)} is not an ISO-8601 date-time with a time zone, such as 2026-11-28T09:00:00Z`,
      );
    });

    it('shortens a huge value in the message', () => {
      const { message } = errorOf({ scheduledTime: 'x'.repeat(5_000) });
      expect(message).toContain(`scheduledTime "${'x'.repeat(40)}`);
      expect(message).toContain('...');
      expect(message.length).toBeLessThan(200);
    });
  });

  describe('not a string: ConfigurationError naming the value', () => {
    it.each([
      ['a number', 1777539600000, '1777539600000'],
      ['a boolean', true, 'true'],
      ['null', null, 'null'],
      ['an object', { iso: '2026-04-30T09:00:00Z' }, '{"iso":"2026-04-30T09:00:00Z"}'],
      ['an array', ['2026-04-30T09:00:00Z'], '["2026-04-30T09:00:00Z"]'],
    ])('%s', (_, scheduledTime, shown) => {
      expect(errorOf({ scheduledTime }).message).toBe(
        `scheduledTime must be an ISO-8601 date-time string such as 2026-11-28T09:00:00Z, got ${shown}`,
      );
    });
  });

  describe('an event that is not an object', () => {
    it.each([
      ['a string', '2026-04-30T09:00:00Z', '"2026-04-30T09:00:00Z"'],
      ['a number', 42, '42'],
      ['an array', [], '[]'],
      ['a boolean', false, 'false'],
    ])('%s', (_, event, shown) => {
      expect(errorOf(event).message).toBe(
        `The event must be a JSON object such as {"scheduledTime": "2026-11-28T09:00:00Z"}, got ${shown}`,
      );
    });
  });
});
