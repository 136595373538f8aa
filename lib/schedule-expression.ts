/**
 * Parses an EventBridge Scheduler recurring expression (`rate(...)` or `cron(...)`) and measures the longest
 * interval between two runs. The alarms are sized from that interval: "DELETE_FAILED over the schedule period",
 * "no successful export within 2 schedule periods".
 *
 * Pure functions, no CDK: unit-tested without a synth.
 *
 * Syntax: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 */

/** A recurring schedule, validated. */
export interface ParsedScheduleExpression {
  /** `rate` or `cron`. */
  readonly kind: 'rate' | 'cron';
  /** The expression, trimmed, exactly as EventBridge Scheduler receives it. */
  readonly expression: string;
  /** The shortest interval between two consecutive runs, in minutes. */
  readonly minIntervalMinutes: number;
  /** The longest interval between two consecutive runs, in minutes (the "schedule period" of the alarms). */
  readonly maxIntervalMinutes: number;
}

/** Thrown with a message that says what is wrong with the expression (without the key name). */
export class ScheduleExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleExpressionError';
  }
}

const RATE_PATTERN = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const RATE_UNIT_MINUTES: Record<string, number> = { minute: 1, hour: 60, day: 1440 };

/** Parses `rate(...)` or `cron(...)`; `at(...)` (one-time) is rejected because the exporter is recurring. */
export function parseScheduleExpression(input: string): ParsedScheduleExpression {
  const expression = input.trim();
  if (expression.startsWith('rate(')) return parseRate(expression);
  if (expression.startsWith('cron(')) return parseCron(expression);
  if (expression.startsWith('at(')) {
    throw new ScheduleExpressionError('a one-time at(...) schedule cannot drive a recurring exporter; use rate(...) or cron(...)');
  }
  throw new ScheduleExpressionError(
    "expected 'rate(<value> <unit>)' or 'cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)'",
  );
}

function parseRate(expression: string): ParsedScheduleExpression {
  const match = RATE_PATTERN.exec(expression);
  if (!match) {
    throw new ScheduleExpressionError("expected 'rate(<value> <unit>)' with unit minute(s), hour(s) or day(s), e.g. 'rate(1 hour)'");
  }
  const value = Number(match[1]);
  const unit = match[2];
  if (!Number.isSafeInteger(value) || value < 1) throw new ScheduleExpressionError('the rate value must be a positive integer');
  const singular = !unit.endsWith('s');
  if (value === 1 && !singular) throw new ScheduleExpressionError(`write 'rate(1 ${unit.slice(0, -1)})' (singular unit for 1)`);
  if (value !== 1 && singular) throw new ScheduleExpressionError(`write 'rate(${value} ${unit}s)' (plural unit for values other than 1)`);
  const minutes = value * RATE_UNIT_MINUTES[singular ? unit : unit.slice(0, -1)];
  return { kind: 'rate', expression, minIntervalMinutes: minutes, maxIntervalMinutes: minutes };
}

// ---------------------------------------------------------------------------------------------------------------
// cron

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted in place of numbers, mapped to their number (e.g. JAN = 1, SUN = 1). */
  readonly names?: readonly string[];
}

const MINUTES: FieldSpec = { label: 'minutes', min: 0, max: 59 };
const HOURS: FieldSpec = { label: 'hours', min: 0, max: 23 };
const DAY_OF_MONTH: FieldSpec = { label: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { label: 'month', min: 1, max: 12, names: MONTH_NAMES };
const DAY_OF_WEEK: FieldSpec = { label: 'day-of-week', min: 1, max: 7, names: DAY_NAMES };

/** A calendar day, with `dayOfWeek` in cron numbering (1 = Sunday ... 7 = Saturday). */
interface CalendarDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly dayOfWeek: number;
  readonly daysInMonth: number;
}

type DayMatcher = (d: CalendarDay) => boolean;

function parseValue(token: string, spec: FieldSpec): number {
  const upper = token.toUpperCase();
  const nameIndex = spec.names?.indexOf(upper) ?? -1;
  if (nameIndex >= 0) return nameIndex + 1;
  if (!/^\d+$/.test(token)) throw new ScheduleExpressionError(`invalid ${spec.label} value '${token}'`);
  const value = Number(token);
  if (value < spec.min || value > spec.max) {
    throw new ScheduleExpressionError(`${spec.label} value ${value} is out of range ${spec.min}-${spec.max}`);
  }
  return value;
}

/** Parses `*`, `a`, `a-b`, `a/s`, `*\/s`, `a-b/s` and comma lists of them into the set of matching values. */
function parseNumericField(field: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    if (item === '') throw new ScheduleExpressionError(`empty item in the ${spec.label} field '${field}'`);
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) throw new ScheduleExpressionError(`invalid ${spec.label} item '${item}'`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) {
        throw new ScheduleExpressionError(`invalid step '${stepText}' in the ${spec.label} field`);
      }
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === '*') {
      from = spec.min;
      to = spec.max;
    } else if (range.includes('-')) {
      const [a, b, more] = range.split('-');
      if (more !== undefined || a === '' || b === '') throw new ScheduleExpressionError(`invalid ${spec.label} range '${range}'`);
      from = parseValue(a, spec);
      to = parseValue(b, spec);
      if (from > to) {
        throw new ScheduleExpressionError(
          `${spec.label} range '${range}' runs backwards; write it as a list, e.g. '${a}-${spec.max},${spec.min}-${b}'`,
        );
      }
    } else {
      from = parseValue(range, spec);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

function nearestWeekday(target: number, d: CalendarDay): number {
  // Day of week of `target` in the same month, from the known day of week of `d.day`.
  const dow = (((d.dayOfWeek - 1 + (target - d.day)) % 7) + 7) % 7; // 0 = Sunday
  if (dow === 6) return target === 1 ? target + 2 : target - 1; // Saturday
  if (dow === 0) return target === d.daysInMonth ? target - 2 : target + 1; // Sunday
  return target;
}

function parseDayOfMonth(field: string): DayMatcher {
  if (field === 'L') return (d) => d.day === d.daysInMonth;
  if (field === 'LW') return (d) => d.day === nearestWeekday(d.daysInMonth, d);
  const weekday = /^(\d+)W$/.exec(field);
  if (weekday) {
    const target = parseValue(weekday[1], DAY_OF_MONTH);
    return (d) => target <= d.daysInMonth && d.day === nearestWeekday(target, d);
  }
  const days = parseNumericField(field, DAY_OF_MONTH);
  return (d) => days.has(d.day);
}

function parseDayOfWeek(field: string): DayMatcher {
  if (field === 'L') return (d) => d.dayOfWeek === 7;
  const last = /^([A-Za-z]+|\d+)L$/.exec(field);
  if (last) {
    const dow = parseValue(last[1], DAY_OF_WEEK);
    return (d) => d.dayOfWeek === dow && d.day + 7 > d.daysInMonth;
  }
  const nth = /^([A-Za-z]+|\d+)#(\d+)$/.exec(field);
  if (nth) {
    const dow = parseValue(nth[1], DAY_OF_WEEK);
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new ScheduleExpressionError(`invalid occurrence '#${nth[2]}' in the day-of-week field (1-5)`);
    return (d) => d.dayOfWeek === dow && Math.ceil(d.day / 7) === n;
  }
  const days = parseNumericField(field, DAY_OF_WEEK);
  return (d) => days.has(d.dayOfWeek);
}

/** Simulated span: 28 years repeat every weekday/leap-year combination of the Gregorian calendar (2100 aside). */
const SIMULATION_START = Date.UTC(2026, 0, 1);
const SIMULATION_DAYS = 28 * 366;
const MINUTES_PER_DAY = 1440;

function parseCron(expression: string): ParsedScheduleExpression {
  const inner = /^cron\((.*)\)$/.exec(expression)?.[1];
  const fields = inner?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) {
    throw new ScheduleExpressionError(
      'a cron expression has 6 fields: cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)',
    );
  }
  const [minField, hourField, domField, monthField, dowField, yearField] = fields;
  if ((domField === '?') === (dowField === '?')) {
    throw new ScheduleExpressionError("exactly one of day-of-month and day-of-week must be '?'");
  }
  if (yearField !== '*') {
    throw new ScheduleExpressionError("the year field must be '*': the exporter runs on every year");
  }
  const minutes = [...parseNumericField(minField, MINUTES)].sort((a, b) => a - b);
  const hours = [...parseNumericField(hourField, HOURS)].sort((a, b) => a - b);
  const months = parseNumericField(monthField, MONTH);
  const dayMatches: DayMatcher = domField === '?' ? parseDayOfWeek(dowField) : parseDayOfMonth(domField);

  // Fire times within one day, in minutes after midnight (wall-clock time of the schedule's time zone).
  const timesOfDay = hours.flatMap((h) => minutes.map((m) => h * 60 + m));
  let intraDayMin = Infinity;
  let intraDayMax = 0;
  for (let i = 1; i < timesOfDay.length; i++) {
    intraDayMin = Math.min(intraDayMin, timesOfDay[i] - timesOfDay[i - 1]);
    intraDayMax = Math.max(intraDayMax, timesOfDay[i] - timesOfDay[i - 1]);
  }
  const first = timesOfDay[0];
  const last = timesOfDay[timesOfDay.length - 1];

  let previousLast: number | undefined;
  let runDays = 0;
  let minInterval = intraDayMin;
  let maxInterval = 0;
  for (let i = 0; i < SIMULATION_DAYS; i++) {
    const date = new Date(SIMULATION_START + i * 86_400_000);
    const month = date.getUTCMonth() + 1;
    if (!months.has(month)) continue;
    const year = date.getUTCFullYear();
    const day: CalendarDay = {
      year,
      month,
      day: date.getUTCDate(),
      dayOfWeek: date.getUTCDay() + 1,
      daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
    };
    if (!dayMatches(day)) continue;
    runDays++;
    const dayStart = i * MINUTES_PER_DAY;
    if (previousLast !== undefined) {
      const gap = dayStart + first - previousLast;
      minInterval = Math.min(minInterval, gap);
      maxInterval = Math.max(maxInterval, gap);
    }
    if (timesOfDay.length > 1) maxInterval = Math.max(maxInterval, intraDayMax);
    previousLast = dayStart + last;
  }
  if (runDays === 0 || (runDays === 1 && timesOfDay.length === 1)) {
    throw new ScheduleExpressionError('the expression never matches a date (check day-of-month against month)');
  }
  return { kind: 'cron', expression, minIntervalMinutes: minInterval, maxIntervalMinutes: maxInterval };
}
