/**
 * Typed, validated configuration of the stack, read from CDK context (`cdk.json` or `-c key=value`).
 *
 * Pure: no CDK construct is created here, so every rule is unit-tested without a synth. The rules the function
 * applies too (bucket name, key prefix, compression, model ARN, collaboration ids, sources, external id, event bus,
 * status events) are the function's own, from lambda/config-rules/, so that a value the stack accepts is one the
 * function accepts. An invalid value throws a `ConfigError` whose message names the key, the value and every problem
 * found in it; `bin/app.ts` prints it and exits with status 1.
 */
import { DEFAULTS, LIMITS } from '../lambda/commons/constants';
import { describeValue } from '../lambda/commons/describe-value';
import { bucketNameProblem } from '../lambda/config-rules/bucket-name';
import { collaborationItemProblem, noCollaborationProblem } from '../lambda/config-rules/collaboration-ids';
import { type Compression, compressionProblem } from '../lambda/config-rules/compression';
import { ConfigurationError } from '../lambda/config-rules/configuration-error';
import { configuredAudienceModelArnProblem } from '../lambda/config-rules/configured-audience-model-arn';
import { eventBusNameProblem, isEventBusArn, statusEventsProblem } from '../lambda/config-rules/event-bus-name';
import { snapshotPrefixProblem } from '../lambda/config-rules/snapshot-prefix';
import { externalIdProblem, parseSourceList, ROLE_ARN_PATTERN, type SourceSpec } from '../lambda/config-rules/sources';
import { TimeZone } from 'aws-cdk-lib';
import { parseScheduleExpression, ScheduleExpressionError } from './schedule-expression';

/** Every IANA name aws-cdk-lib knows (it includes `Etc/UTC` and other names that `Intl` lists under aliases). */
const CDK_TIME_ZONE_NAMES: readonly string[] = Object.values(TimeZone)
  .filter((v): v is TimeZone => v instanceof TimeZone)
  .map((tz) => tz.timezoneName);

/** The context keys the exporter stack reads. */
export const CONTEXT_KEYS = {
  /** Where jobs are read: a JSON list of sources (see lambda/config-rules/sources.ts). Exclusive with collaborationIds. */
  SOURCES: 'sources',
  COLLABORATION_IDS: 'collaborationIds',
  SCHEDULE: 'schedule',
  SCHEDULE_TIME_ZONE: 'scheduleTimeZone',
  CONFIGURED_AUDIENCE_MODEL_ARN: 'configuredAudienceModelArn',
  SNAPSHOT_PREFIX: 'snapshotPrefix',
  COMPRESSION: 'compression',
  SNAPSHOT_RETENTION_DAYS: 'snapshotRetentionDays',
  ALARM_EMAIL: 'alarmEmail',
  EXISTING_BUCKET_NAME: 'existingBucketName',
  /** The EventBridge bus of the status-change events (and of the failed-job rule): `default` or the name of a bus. */
  EVENT_BUS_NAME: 'eventBusName',
  /** `on` or `off`: status-change events (and the failed-job rule, PutEvents and the previous-snapshot reads). */
  STATUS_EVENTS: 'statusEvents',
} as const;

/** The context keys the reader role stack (AudienceJobsReaderRole, deployed in member accounts) reads. */
export const READER_ROLE_CONTEXT_KEYS = {
  /** Name of the reader role; the same in every account, so that every source's roleArn differs only by account. */
  READER_ROLE_NAME: 'readerRoleName',
  /** The exporter function's role (output ExporterRoleArn of AudienceJobsExporter): the only principal trusted. */
  EXPORTER_ROLE_ARN: 'exporterRoleArn',
  /** Optional `sts:ExternalId` the exporter must give (the externalId of its sources). */
  EXTERNAL_ID: 'externalId',
} as const;

/** Defaults of the optional keys (the exporter's own defaults where it has one). */
export const CONFIG_DEFAULTS = {
  SCHEDULE: 'rate(1 hour)',
  SCHEDULE_TIME_ZONE: 'UTC',
  SNAPSHOT_PREFIX: DEFAULTS.SNAPSHOT_PREFIX,
  COMPRESSION: DEFAULTS.COMPRESSION,
  SNAPSHOT_RETENTION_DAYS: 400,
  EVENT_BUS_NAME: DEFAULTS.EVENT_BUS_NAME,
  STATUS_EVENTS: DEFAULTS.STATUS_EVENTS,
} as const;

/**
 * Used when `collaborationIds` is absent, so that `cdk synth` works from a fresh clone with no context at all.
 * A stack synthesized with it has its schedule DISABLED and carries a warning: deploying it runs nothing.
 */
export const PLACEHOLDER_COLLABORATION_ID = '00000000-0000-0000-0000-000000000000';

/** Bounds on the interval between two runs (see README "Configuration"). */
export const SCHEDULE_LIMITS = {
  /**
   * Shortest interval between runs, in minutes: the function timeout (10 minutes), so that a run which uses its
   * whole timeout still ends before the next tick.
   */
  MIN_INTERVAL_MINUTES: 10,
  /**
   * Longest interval between runs, in minutes (3.5 days): the heartbeat alarm looks at 2 intervals, and
   * CloudWatch caps an alarm's evaluation range at 7 days.
   */
  MAX_INTERVAL_MINUTES: 5040,
} as const;

export const MAX_SNAPSHOT_RETENTION_DAYS = 36_500;

/**
 * Collaboration ids travel in the COLLABORATION_IDS variable (37 characters each with the comma). Lambda caps all
 * variables together at 4 KB; 80 ids (2,959 characters) leave about 1 KB for the others.
 */
export const MAX_LISTED_COLLABORATIONS = 80;

export interface ExporterStackConfig {
  /**
   * The sources (Region, optional role and external id, collaborations), in the order given; set when the context
   * key `sources` is given, and then `collaborationIds` is undefined.
   */
  readonly sources?: readonly SourceSpec[];
  /**
   * Without `sources`: collaboration UUIDs to export (sorted, deduplicated), or `'*'` for every job the account can
   * list, read with the function's own credentials in the stack's Region. Undefined when `sources` is given.
   */
  readonly collaborationIds?: readonly string[] | '*';
  /** True when neither `sources` nor `collaborationIds` was given and the placeholder is used; the schedule is then disabled. */
  readonly collaborationIdsPlaceholder: boolean;
  /** EventBridge Scheduler expression, `rate(...)` or `cron(...)`. */
  readonly schedule: string;
  /** IANA time zone of the schedule. */
  readonly scheduleTimeZone: string;
  /** Longest interval between two runs, in minutes: the "schedule period" of the alarms. */
  readonly schedulePeriodMinutes: number;
  /** Optional ConfiguredAudienceModelArn filter passed to the exporter. */
  readonly configuredAudienceModelArn?: string;
  /** Key prefix of every object the exporter writes; non-empty and ends with `/`. */
  readonly snapshotPrefix: string;
  /** Compression of the snapshots. */
  readonly compression: Compression;
  /** Days after which snapshots (current versions) expire. */
  readonly snapshotRetentionDays: number;
  /** Optional email address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Optional existing bucket that receives the snapshots; when set, the stack creates no snapshot bucket. */
  readonly existingBucketName?: string;
  /**
   * Name of the EventBridge bus, in the stack's account and Region, that receives the status-change events and holds
   * the failed-job rule: `default` (the account's default bus) or the name of an existing bus.
   */
  readonly eventBusName: string;
  /** Status-change events on (the default) or off: off, no rule, no events:PutEvents and no s3:GetObject. */
  readonly statusEvents: boolean;
}

/**
 * An invalid context value: the configuration error of the stack, one per bad key. Its problems are every problem of
 * that one value; the message names the key and the value, then the problems.
 */
export class ConfigError extends ConfigurationError {
  override readonly name = 'ConfigError';
  /** What is wrong and what is expected: the problems, joined by `; `. */
  readonly reason: string;

  constructor(
    /** The context key at fault. */
    readonly key: string,
    /** The value as given. */
    readonly value: unknown,
    /** What is wrong and what is expected: one problem, or every problem found in the value. */
    problems: string | readonly string[],
  ) {
    const list = typeof problems === 'string' ? [problems] : problems;
    const reason = list.join('; ');
    super(list, `Invalid context value ${key}=${describe(value)}: ${reason}`);
    this.reason = reason;
  }
}

/** Longest value a ConfigError message quotes in full; the reason still names the exact item at fault. */
const MAX_SHOWN_VALUE_LENGTH = 400;

/**
 * The value as the message shows it: strings in single quotes (as after `-c key=`), others as JSON; a long value (a
 * big sources list) is cut.
 */
function describe(value: unknown): string {
  return describeValue(value, { maxLength: MAX_SHOWN_VALUE_LENGTH, quote: (text) => `'${text}'` });
}

/** Reads one context key; `undefined` when absent. Typically `(key) => app.node.tryGetContext(key)`. */
export type ContextGetter = (key: string) => unknown;

/** A context value counts as absent when it is undefined, null or an empty/blank string. */
function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * `collaborationIds`: a comma-separated string (`-c collaborationIds=a,b`), a list (cdk.json), the JSON text of a list,
 * or `'*'`. Items are trimmed, then each is checked by the function's rule; every bad item is reported. The ids are
 * deduplicated and sorted (the function's environment is then the same for the same set).
 */
export function parseCollaborationIds(value: unknown): readonly string[] | '*' {
  const key = CONTEXT_KEYS.COLLABORATION_IDS;
  const ids = contextList(key, value, "expected a comma-separated string of collaboration UUIDs, a list of them, or '*'").map((item) =>
    typeof item === 'string' ? item.trim() : item,
  );
  if (ids.length === 1 && ids[0] === '*') return '*';
  if (ids.length === 0) throw new ConfigError(key, value, noCollaborationProblem(key));
  const problems = ids.map((id, index) => collaborationItemProblem(id, index, key)).filter((p) => p !== undefined);
  if (problems.length > 0) throw new ConfigError(key, value, problems);
  const unique = [...new Set(ids as string[])].sort();
  const max = Math.min(LIMITS.MAX_COLLABORATIONS, MAX_LISTED_COLLABORATIONS);
  if (unique.length > max) {
    throw new ConfigError(
      key,
      value,
      `lists ${unique.length} collaborations; at most ${max} fit in the function's environment (Lambda allows 4 KB of variables in all); use '*' to export every collaboration`,
    );
  }
  return unique;
}

/** A context list: a list (cdk.json), the JSON text of one, or comma-separated text (`-c key=a,b`). */
function contextList(key: string, value: unknown, expected: string): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string') throw new ConfigError(key, value, expected);
  const text = value.trim();
  if (!text.startsWith('[')) return text.split(',');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) throw new ConfigError(key, value, 'starts with [ but is not a JSON array of strings');
  return parsed;
}

/**
 * The context key `sources`: a list in cdk.json, or its JSON text with `-c sources='[...]'`. Validated by the rules
 * the function applies to EXPORT_SOURCES (lambda/config-rules/sources.ts), so a list the stack accepts is one the function
 * accepts; every problem is in the reason.
 */
export function parseSources(value: unknown): readonly SourceSpec[] {
  const key = CONTEXT_KEYS.SOURCES;
  const problems: string[] = [];
  const sources = parseSourceList(value, key, problems);
  if (sources === undefined || problems.length > 0) {
    throw new ConfigError(key, value, problems.length > 0 ? problems : 'not a list of sources');
  }
  return sources;
}

/** `{ expression, periodMinutes }`, or a `ConfigError` naming `schedule`. */
export function parseSchedule(value: unknown): { expression: string; periodMinutes: number } {
  const key = CONTEXT_KEYS.SCHEDULE;
  if (typeof value !== 'string') throw new ConfigError(key, value, 'expected a string such as rate(1 hour)');
  let parsed;
  try {
    parsed = parseScheduleExpression(value);
  } catch (err) {
    if (err instanceof ScheduleExpressionError) throw new ConfigError(key, value, err.message);
    throw err;
  }
  if (parsed.minIntervalMinutes < SCHEDULE_LIMITS.MIN_INTERVAL_MINUTES) {
    throw new ConfigError(
      key,
      value,
      `runs ${parsed.minIntervalMinutes} minute(s) apart; the minimum is ${SCHEDULE_LIMITS.MIN_INTERVAL_MINUTES} minutes (the function timeout), so that runs never pile up`,
    );
  }
  if (parsed.maxIntervalMinutes > SCHEDULE_LIMITS.MAX_INTERVAL_MINUTES) {
    throw new ConfigError(
      key,
      value,
      `leaves up to ${parsed.maxIntervalMinutes} minutes between runs; the maximum is ${SCHEDULE_LIMITS.MAX_INTERVAL_MINUTES} minutes (3.5 days), because the heartbeat alarm spans 2 intervals and CloudWatch alarms span at most 7 days`,
    );
  }
  return { expression: parsed.expression, periodMinutes: parsed.maxIntervalMinutes };
}

/** Accepts IANA names exactly as spelled in the tz database (e.g. `UTC`, `Europe/Paris`, `America/New_York`). */
export function parseTimeZone(value: unknown): string {
  const key = CONTEXT_KEYS.SCHEDULE_TIME_ZONE;
  if (typeof value !== 'string') throw new ConfigError(key, value, 'expected an IANA time zone name such as UTC or Europe/Paris');
  const zone = value.trim();
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    throw new ConfigError(key, value, 'not an IANA time zone name such as UTC or Europe/Paris');
  }
  // Intl accepts any letter case; EventBridge Scheduler does not.
  const canonical = [...Intl.supportedValuesOf('timeZone'), ...CDK_TIME_ZONE_NAMES, 'UTC'];
  const sameLetters = canonical.find((name) => name.toLowerCase() === zone.toLowerCase());
  if (sameLetters !== undefined && sameLetters !== zone) {
    throw new ConfigError(key, value, `time zone names are case-sensitive; did you mean '${sameLetters}'?`);
  }
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone) || resolved.length === 0) {
    throw new ConfigError(key, value, 'not an IANA time zone name such as UTC or Europe/Paris');
  }
  return zone;
}

export function parseConfiguredAudienceModelArn(value: unknown): string | undefined {
  const key = CONTEXT_KEYS.CONFIGURED_AUDIENCE_MODEL_ARN;
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw new ConfigError(key, value, 'expected a configured audience model ARN');
  const arn = value.trim();
  const problem = configuredAudienceModelArnProblem(arn);
  if (problem) throw new ConfigError(key, value, problem);
  return arn;
}

/**
 * A key prefix by the function's rule (lambda/config-rules/snapshot-prefix.ts), and non-empty: the stack scopes the
 * function's writes to `bucket/prefix*`, points the Athena table at it and expires what is under it, so an empty
 * prefix would hand the whole bucket (perhaps an existing one, shared) to each of them.
 */
export function parseSnapshotPrefix(value: unknown): string {
  const key = CONTEXT_KEYS.SNAPSHOT_PREFIX;
  if (typeof value !== 'string') throw new ConfigError(key, value, "expected a key prefix ending with '/', e.g. audience-generation-jobs/");
  const prefix = value.trim();
  if (prefix === '') throw new ConfigError(key, value, "must be a non-empty key prefix ending with '/', e.g. audience-generation-jobs/");
  const problem = snapshotPrefixProblem(prefix);
  if (problem) throw new ConfigError(key, value, `not a valid key prefix: it ${problem}`);
  return prefix;
}

export function parseCompression(value: unknown): Compression {
  const problem = compressionProblem(value);
  if (problem) throw new ConfigError(CONTEXT_KEYS.COMPRESSION, value, problem);
  return value as Compression;
}

export function parseRetentionDays(value: unknown): number {
  const key = CONTEXT_KEYS.SNAPSHOT_RETENTION_DAYS;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^\d+$/.test(text)) throw new ConfigError(key, value, 'expected a whole number of days, e.g. 400');
  const days = Number(text);
  if (days < 1 || days > MAX_SNAPSHOT_RETENTION_DAYS) {
    throw new ConfigError(key, value, `expected between 1 and ${MAX_SNAPSHOT_RETENTION_DAYS} days`);
  }
  return days;
}

export function parseAlarmEmail(value: unknown): string | undefined {
  const key = CONTEXT_KEYS.ALARM_EMAIL;
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw new ConfigError(key, value, 'expected an email address');
  const email = value.trim();
  if (
    email.length > 254 ||
    !/^[^\s@,;<>()"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(email)
  ) {
    throw new ConfigError(key, value, 'expected one email address such as ops@example.com');
  }
  return email;
}

/** A bucket name by the function's rule (S3 general purpose bucket naming rules). */
export function parseExistingBucketName(value: unknown): string | undefined {
  const key = CONTEXT_KEYS.EXISTING_BUCKET_NAME;
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string') throw new ConfigError(key, value, 'expected an S3 bucket name');
  const name = value.trim();
  const problem = bucketNameProblem(name);
  if (problem) throw new ConfigError(key, value, `not a valid S3 bucket name: it ${problem}; give the bucket name, not its ARN or URL`);
  return name;
}

/**
 * `eventBusName`: the name of a bus of the stack's own account and Region, by the function's rule
 * (lambda/config-rules/event-bus-name.ts). The function also accepts an ARN, but the stack creates its rule on the bus
 * and scopes events:PutEvents to it, so it takes a name: a bus of another account or Region is refused.
 */
export function parseEventBusName(value: unknown): string {
  const key = CONTEXT_KEYS.EVENT_BUS_NAME;
  if (isAbsent(value)) return CONFIG_DEFAULTS.EVENT_BUS_NAME;
  if (typeof value !== 'string') throw new ConfigError(key, value, 'expected the name of an event bus, e.g. default');
  const name = value.trim();
  if (isEventBusArn(name)) {
    throw new ConfigError(
      key,
      value,
      "expected the name of an event bus of this stack's account and Region, not an ARN: the stack creates its failed-job rule on that bus (e.g. default, or my-bus)",
    );
  }
  const problem = eventBusNameProblem(name);
  if (problem) throw new ConfigError(key, value, `not a valid event bus name: it ${problem}`);
  return name;
}

/** `statusEvents`: `on` or `off`, by the function's rule for STATUS_EVENTS (lambda/config-rules/event-bus-name.ts). */
export function parseStatusEvents(value: unknown): boolean {
  const key = CONTEXT_KEYS.STATUS_EVENTS;
  if (isAbsent(value)) return CONFIG_DEFAULTS.STATUS_EVENTS === 'on';
  const text = typeof value === 'string' ? value.trim() : value;
  const problem = statusEventsProblem(text);
  if (problem) throw new ConfigError(key, value, problem);
  return text === 'on';
}

/**
 * Reads and validates every key of the exporter stack. Absent optional keys take their defaults. `sources` and
 * `collaborationIds` are exclusive (checked first); when neither is given the placeholder is selected (schedule
 * disabled); a present but invalid one is an error.
 */
export function parseStackConfig(getContext: ContextGetter): ExporterStackConfig {
  const rawSources = getContext(CONTEXT_KEYS.SOURCES);
  const rawIds = getContext(CONTEXT_KEYS.COLLABORATION_IDS);
  const given = (value: unknown) => value !== undefined && value !== null;
  if (given(rawSources) && given(rawIds)) {
    throw new ConfigError(
      CONTEXT_KEYS.SOURCES,
      rawSources,
      `cannot be combined with collaborationIds=${describe(rawIds)}: give either sources (each source lists its own collaborationIds) or collaborationIds (the function's own account and Region), not both`,
    );
  }
  const sources = given(rawSources) ? parseSources(rawSources) : undefined;
  const placeholder = sources === undefined && !given(rawIds);
  const collaborationIds = sources !== undefined ? undefined : placeholder ? [PLACEHOLDER_COLLABORATION_ID] : parseCollaborationIds(rawIds);

  const rawSchedule = getContext(CONTEXT_KEYS.SCHEDULE);
  const schedule = parseSchedule(isAbsent(rawSchedule) ? CONFIG_DEFAULTS.SCHEDULE : rawSchedule);
  const rawZone = getContext(CONTEXT_KEYS.SCHEDULE_TIME_ZONE);
  const scheduleTimeZone = parseTimeZone(isAbsent(rawZone) ? CONFIG_DEFAULTS.SCHEDULE_TIME_ZONE : rawZone);
  const rawPrefix = getContext(CONTEXT_KEYS.SNAPSHOT_PREFIX);
  const rawCompression = getContext(CONTEXT_KEYS.COMPRESSION);
  const rawRetention = getContext(CONTEXT_KEYS.SNAPSHOT_RETENTION_DAYS);

  return {
    ...(sources !== undefined ? { sources } : {}),
    collaborationIds,
    collaborationIdsPlaceholder: placeholder,
    schedule: schedule.expression,
    scheduleTimeZone,
    schedulePeriodMinutes: schedule.periodMinutes,
    configuredAudienceModelArn: parseConfiguredAudienceModelArn(getContext(CONTEXT_KEYS.CONFIGURED_AUDIENCE_MODEL_ARN)),
    snapshotPrefix: parseSnapshotPrefix(rawPrefix === undefined || rawPrefix === null ? CONFIG_DEFAULTS.SNAPSHOT_PREFIX : rawPrefix),
    compression: parseCompression(isAbsent(rawCompression) ? CONFIG_DEFAULTS.COMPRESSION : rawCompression),
    snapshotRetentionDays: parseRetentionDays(isAbsent(rawRetention) ? CONFIG_DEFAULTS.SNAPSHOT_RETENTION_DAYS : rawRetention),
    alarmEmail: parseAlarmEmail(getContext(CONTEXT_KEYS.ALARM_EMAIL)),
    existingBucketName: parseExistingBucketName(getContext(CONTEXT_KEYS.EXISTING_BUCKET_NAME)),
    eventBusName: parseEventBusName(getContext(CONTEXT_KEYS.EVENT_BUS_NAME)),
    statusEvents: parseStatusEvents(getContext(CONTEXT_KEYS.STATUS_EVENTS)),
  };
}

/** The `-c` flags that select real collaborations; quoted in the placeholder warning and the README. */
export const COLLABORATION_IDS_HINT =
  'pass -c collaborationIds=<uuid>[,<uuid>...] (or -c collaborationIds=\'*\' for every collaboration), or -c sources=\'[{"region":"<region>","roleArn":"<reader role ARN>","collaborationIds":"*"}]\' to read other accounts or Regions';

/** Default name of the reader role: the same in every member account, so that its ARN differs only by account. */
export const DEFAULT_READER_ROLE_NAME = 'AudienceJobsReader';
/** IAM role names: 1 to 64 of letters, digits and `+=,.@_-` (no path). */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

export interface ReaderRoleStackConfig {
  /** Name of the reader role (no path). */
  readonly roleName: string;
  /** The exporter's role ARN, the principal trusted; undefined: the role trusts no one (placeholder, warned). */
  readonly exporterRoleArn?: string;
  /** `sts:ExternalId` the trust requires, if any. */
  readonly externalId?: string;
}

/** The `-c` flags of the reader role stack; quoted in its placeholder warning. */
export const EXPORTER_ROLE_ARN_HINT =
  'pass -c exporterRoleArn=<the ExporterRoleArn output of the AudienceJobsExporter stack> (and -c externalId=<id> if the sources give one)';

export function parseReaderRoleName(value: unknown): string {
  const key = READER_ROLE_CONTEXT_KEYS.READER_ROLE_NAME;
  if (isAbsent(value)) return DEFAULT_READER_ROLE_NAME;
  if (typeof value !== 'string' || !ROLE_NAME_PATTERN.test(value.trim())) {
    throw new ConfigError(
      key,
      value,
      `expected an IAM role name (1 to 64 letters, digits or + = , . @ _ -, no path) such as ${DEFAULT_READER_ROLE_NAME}`,
    );
  }
  return value.trim();
}

export function parseExporterRoleArn(value: unknown): string | undefined {
  const key = READER_ROLE_CONTEXT_KEYS.EXPORTER_ROLE_ARN;
  if (isAbsent(value)) return undefined;
  if (typeof value !== 'string' || !ROLE_ARN_PATTERN.test(value.trim())) {
    throw new ConfigError(
      key,
      value,
      'expected the IAM role ARN of the exporter function (the ExporterRoleArn output of AudienceJobsExporter), such as arn:aws:iam::111122223333:role/AudienceJobsExporter-ExporterRole-AbCdEf',
    );
  }
  return value.trim();
}

export function parseExternalId(value: unknown): string | undefined {
  const key = READER_ROLE_CONTEXT_KEYS.EXTERNAL_ID;
  if (isAbsent(value)) return undefined;
  const problem = externalIdProblem(value);
  if (problem) throw new ConfigError(key, value, `${problem} (the externalId of the sources that use this role)`);
  return value as string;
}

/** Reads and validates the reader role stack's keys. Absent `exporterRoleArn` selects the placeholder trust. */
export function parseReaderRoleConfig(getContext: ContextGetter): ReaderRoleStackConfig {
  return {
    roleName: parseReaderRoleName(getContext(READER_ROLE_CONTEXT_KEYS.READER_ROLE_NAME)),
    exporterRoleArn: parseExporterRoleArn(getContext(READER_ROLE_CONTEXT_KEYS.EXPORTER_ROLE_ARN)),
    externalId: parseExternalId(getContext(READER_ROLE_CONTEXT_KEYS.EXTERNAL_ID)),
  };
}

/**
 * Context keys that look like a misspelling of one of ours (`collaborationId`, `SnapshotPrefix`, `source`, ...), of
 * either stack. A typo would
 * otherwise be ignored silently: a misspelt `collaborationIds` would even select the placeholder.
 */
export function findMisspeltContextKeys(keys: readonly string[]): { key: string; didYouMean: string }[] {
  const ours: string[] = [...Object.values(CONTEXT_KEYS), ...Object.values(READER_ROLE_CONTEXT_KEYS)];
  const found: { key: string; didYouMean: string }[] = [];
  for (const key of keys) {
    if (ours.includes(key)) continue;
    const match = ours.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k.toLowerCase(), key.toLowerCase()) <= 2);
    if (match !== undefined) found.push({ key, didYouMean: match });
  }
  return found;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
