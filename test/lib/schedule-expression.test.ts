import { parseScheduleExpression, ScheduleExpressionError } from '../../lib/schedule-expression';

const DAY = 1440;

describe('parseScheduleExpression: rate', () => {
  it.each([
    ['rate(1 minute)', 1],
    ['rate(10 minutes)', 10],
    ['rate(1 hour)', 60],
    ['rate(6 hours)', 360],
    ['rate(1 day)', DAY],
    ['rate(3 days)', 3 * DAY],
  ])('%s runs every %i minutes', (expression, minutes) => {
    expect(parseScheduleExpression(expression)).toEqual({
      kind: 'rate',
      expression,
      minIntervalMinutes: minutes,
      maxIntervalMinutes: minutes,
    });
  });

  it('trims surrounding blanks', () => {
    expect(parseScheduleExpression('  rate(1 hour) ').expression).toBe('rate(1 hour)');
  });

  it.each([
    ['rate(1 hours)', "write 'rate(1 hour)'"],
    ['rate(5 minute)', "write 'rate(5 minutes)'"],
    ['rate(0 minutes)', 'positive integer'],
    ['rate(1.5 hours)', 'expected'],
    ['rate(1 week)', 'expected'],
    ['rate(1hour)', 'expected'],
    ['at(2030-01-01T00:00:00)', 'one-time'],
    ['every hour', 'expected'],
  ])('rejects %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(ScheduleExpressionError);
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });

  it('names the error after its class, as every error of the project is named', () => {
    let thrown: unknown;
    try {
      parseScheduleExpression('every hour');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScheduleExpressionError);
    expect((thrown as Error).name).toBe('ScheduleExpressionError');
  });
});

describe('parseScheduleExpression: cron', () => {
  it.each([
    ['cron(0 * * * ? *)', 60, 60],
    ['cron(0/15 * * * ? *)', 15, 15],
    ['cron(*/20 * * * ? *)', 20, 20],
    ['cron(5,35 1-3 * * ? *)', 30, DAY - 150],
    ['cron(0 8 * * ? *)', DAY, DAY],
    ['cron(0 8 ? * MON-FRI *)', DAY, 3 * DAY], // Friday to Monday
    ['cron(0 8 ? * 2-6 *)', DAY, 3 * DAY],
    ['cron(30 6 ? * sun *)', 7 * DAY, 7 * DAY],
    ['cron(0 0 1,15 * ? *)', 14 * DAY, 17 * DAY], // Feb 15 -> Mar 1 (common year); Jan 15 -> Feb 1
    ['cron(0 0 L * ? *)', 28 * DAY, 31 * DAY],
    ['cron(0 12 ? * 6L *)', 28 * DAY, 35 * DAY], // last Friday of the month
    ['cron(0 12 ? * 2#1 *)', 28 * DAY, 35 * DAY], // first Monday of the month
    ['cron(0 9 15W * ? *)', 28 * DAY, 32 * DAY],
    ['cron(0 0 1 JAN-MAR ? *)', 28 * DAY, 306 * DAY],
  ])('%s: intervals from %i to %i minutes', (expression, min, max) => {
    const parsed = parseScheduleExpression(expression);
    expect(parsed.kind).toBe('cron');
    expect(parsed.minIntervalMinutes).toBe(min);
    expect(parsed.maxIntervalMinutes).toBe(max);
  });

  it('finds the leap-day gap of a February 29 schedule (4 years)', () => {
    expect(parseScheduleExpression('cron(0 0 29 2 ? *)').maxIntervalMinutes).toBe(1461 * DAY);
  });

  it.each([
    ['cron(0 * * * *)', '6 fields'],
    ['cron(0 0 * * * *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 0 ? * ? *)', "exactly one of day-of-month and day-of-week must be '?'"],
    ['cron(0 0 * * ? 2030)', "the year field must be '*'"],
    ['cron(60 0 * * ? *)', 'minutes value 60 is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'hours value 24 is out of range 0-23'],
    ['cron(0 0 32 * ? *)', 'day-of-month value 32 is out of range 1-31'],
    ['cron(0 0 ? * 8 *)', 'day-of-week value 8 is out of range 1-7'],
    ['cron(0 0 1 FOO ? *)', "invalid month value 'FOO'"],
    ['cron(0 22-2 * * ? *)', "hours range '22-2' runs backwards"],
    ['cron(0/0 * * * ? *)', "invalid step '0'"],
    ['cron(0,,5 * * * ? *)', 'empty item'],
    ['cron(0 0 30 2 ? *)', 'never matches'],
    ['cron(0 0 ? * 2#6 *)', "invalid occurrence '#6'"],
  ])('rejects %s', (expression, message) => {
    expect(() => parseScheduleExpression(expression)).toThrow(message);
  });
});
