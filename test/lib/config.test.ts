import { ConfigurationError } from '../../lambda/config-rules/configuration-error';
import { eventBusNameProblem, statusEventsProblem } from '../../lambda/config-rules/event-bus-name';
import { ROLE_ARN_PATTERN } from '../../lambda/config-rules/sources';
import { loadExporterConfig } from '../../lambda/export/config';
import {
  CONFIG_DEFAULTS,
  ConfigError,
  CONTEXT_KEYS,
  findMisspeltContextKeys,
  MAX_LISTED_COLLABORATIONS,
  parseReaderRoleConfig,
  parseStackConfig,
  PLACEHOLDER_COLLABORATION_ID,
} from '../../lib/config';

const A = '11111111-2222-4333-8444-555555555555';
const B = '00000000-0000-4000-8000-000000000002';
/** An id with hex letters, to write in upper case. */
const HEX = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';

/** A getter over a plain object, like `app.node.tryGetContext`. */
const ctx = (values: Record<string, unknown>) => (key: string) => values[key];

function errorOf(values: Record<string, unknown>): ConfigError {
  try {
    parseStackConfig(ctx(values));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseStackConfig: defaults and placeholder', () => {
  it('with no context at all uses the placeholder collaboration and every default', () => {
    expect(parseStackConfig(ctx({}))).toEqual({
      collaborationIds: [PLACEHOLDER_COLLABORATION_ID],
      collaborationIdsPlaceholder: true,
      schedule: 'rate(1 hour)',
      scheduleTimeZone: 'UTC',
      schedulePeriodMinutes: 60,
      configuredAudienceModelArn: undefined,
      snapshotPrefix: 'audience-generation-jobs/',
      compression: 'gzip',
      snapshotRetentionDays: 400,
      alarmEmail: undefined,
      existingBucketName: undefined,
      eventBusName: 'default',
      statusEvents: true,
    });
    expect(CONFIG_DEFAULTS.EVENT_BUS_NAME).toBe('default');
    expect(CONFIG_DEFAULTS.STATUS_EVENTS).toBe('on');
  });

  it('reads every key, from -c strings', () => {
    const config = parseStackConfig(
      ctx({
        collaborationIds: `${B}, ${A}`,
        schedule: 'cron(0 6 ? * MON-FRI *)',
        scheduleTimeZone: 'Europe/Paris',
        configuredAudienceModelArn: 'arn:aws:cleanrooms-ml:eu-west-1:123456789012:configured-audience-model/abc-123',
        snapshotPrefix: 'exports/cleanrooms/',
        compression: 'none',
        snapshotRetentionDays: '30',
        alarmEmail: 'ops@example.com',
        existingBucketName: 'my-existing.bucket-1',
        eventBusName: 'audience-jobs.events_1',
        statusEvents: 'off',
      }),
    );
    expect(config).toEqual({
      collaborationIds: [B, A].sort(),
      collaborationIdsPlaceholder: false,
      schedule: 'cron(0 6 ? * MON-FRI *)',
      scheduleTimeZone: 'Europe/Paris',
      schedulePeriodMinutes: 3 * 1440,
      configuredAudienceModelArn: 'arn:aws:cleanrooms-ml:eu-west-1:123456789012:configured-audience-model/abc-123',
      snapshotPrefix: 'exports/cleanrooms/',
      compression: 'none',
      snapshotRetentionDays: 30,
      alarmEmail: 'ops@example.com',
      existingBucketName: 'my-existing.bucket-1',
      eventBusName: 'audience-jobs.events_1',
      statusEvents: false,
    });
  });

  it('treats blank optional values as absent', () => {
    const config = parseStackConfig(
      ctx({ collaborationIds: '*', alarmEmail: '', existingBucketName: ' ', schedule: '', eventBusName: ' ', statusEvents: '' }),
    );
    expect(config.alarmEmail).toBeUndefined();
    expect(config.existingBucketName).toBeUndefined();
    expect(config.schedule).toBe('rate(1 hour)');
    expect(config.eventBusName).toBe('default');
    expect(config.statusEvents).toBe(true);
  });

  it('statusEvents on and off, trimmed; eventBusName trimmed', () => {
    expect(parseStackConfig(ctx({ collaborationIds: '*', statusEvents: ' on ' })).statusEvents).toBe(true);
    expect(parseStackConfig(ctx({ collaborationIds: '*', statusEvents: 'off' })).statusEvents).toBe(false);
    expect(parseStackConfig(ctx({ collaborationIds: '*', eventBusName: ' my-bus ' })).eventBusName).toBe('my-bus');
  });
});

describe('collaborationIds', () => {
  it.each([
    ['*', '*'],
    [' * ', '*'],
    [['*'], '*'],
    [A, [A]],
    [`${A},${B},${A}`, [B, A]], // sorted, deduplicated
    [
      [A, B],
      [B, A],
    ], // a list in cdk.json
    [`["${A}","${B}"]`, [B, A]], // a JSON list passed with -c
  ])('%j gives %j', (value, expected) => {
    expect(parseStackConfig(ctx({ collaborationIds: value })).collaborationIds).toEqual(expected);
  });

  it.each([
    ['', 'collaborationIds item 1 "" is empty'],
    [`${A},`, 'collaborationIds item 2 "" is empty'],
    [[], 'collaborationIds lists no collaboration'],
    ['not-a-uuid', 'collaborationIds item 1 "not-a-uuid" is not a collaboration id'],
    ['3F1C2A4E-8B7D-4C6E-9A2F-1B3C5D7E9F01', 'must be lowercase, as the API returns it: 3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01'],
    [`*,${A}`, 'collaborationIds item 1 "*": * must stand alone, not in a list'],
    [42, 'expected a comma-separated string'],
    [[A, 7], 'collaborationIds item 2 7 is not a string'],
    ['[not json', 'not a JSON array'],
  ])('rejects %j', (value, reason) => {
    const error = errorOf({ collaborationIds: value });
    expect(error.key).toBe('collaborationIds');
    expect(error.message).toMatch(/^Invalid context value collaborationIds=/);
    expect(error.message).toContain(reason);
  });

  it('reports every bad item, in one ConfigError that is a ConfigurationError listing them', () => {
    const error = errorOf({ collaborationIds: `${A},,bad,${HEX.toUpperCase()}, ${B} ` });
    expect(error.problems).toEqual([
      'collaborationIds item 2 "" is empty (check for doubled or trailing commas)',
      'collaborationIds item 3 "bad" is not a collaboration id (a UUID such as 3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01)',
      `collaborationIds item 4 "${HEX.toUpperCase()}" must be lowercase, as the API returns it: ${HEX}`,
    ]);
    expect(error.reason).toBe(error.problems.join('; '));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.name).toBe('ConfigError');
  });

  it(`accepts ${MAX_LISTED_COLLABORATIONS} ids and rejects one more (Lambda's 4 KB environment)`, () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    expect(parseStackConfig(ctx({ collaborationIds: ids(MAX_LISTED_COLLABORATIONS).join(',') })).collaborationIds).toHaveLength(
      MAX_LISTED_COLLABORATIONS,
    );
    expect(errorOf({ collaborationIds: ids(MAX_LISTED_COLLABORATIONS + 1).join(',') }).reason).toContain("use '*'");
  });
});

describe('every invalid value fails with one message naming the key and the value', () => {
  it.each([
    ['schedule', 'rate(5 minutes)', 'the minimum is 10 minutes'],
    ['schedule', 'rate(1 hours)', "write 'rate(1 hour)'"],
    ['schedule', 'cron(0 0 ? * MON *)', 'the maximum is 5040 minutes'],
    ['schedule', 'at(2030-01-01T00:00:00)', 'one-time'],
    ['schedule', 'hourly', "expected 'rate(<value> <unit>)'"],
    ['schedule', 60, 'expected a string'],
    ['scheduleTimeZone', 'Mars/Olympus', 'not an IANA time zone'],
    ['scheduleTimeZone', 'europe/paris', "did you mean 'Europe/Paris'"],
    ['scheduleTimeZone', 'utc', "did you mean 'UTC'"],
    [
      'configuredAudienceModelArn',
      'arn:aws:cleanrooms-ml:us-east-1:123:configured-audience-model/x',
      'expected arn:aws:cleanrooms-ml:<region>:<12-digit account>:configured-audience-model/<id>',
    ],
    [
      'configuredAudienceModelArn',
      'arn:aws:s3:::bucket',
      'expected arn:aws:cleanrooms-ml:<region>:<12-digit account>:configured-audience-model/<id>',
    ],
    ['snapshotPrefix', 'no-slash', 'not a valid key prefix: it must end with /'],
    ['snapshotPrefix', '', "must be a non-empty key prefix ending with '/'"],
    ['snapshotPrefix', ' ', "must be a non-empty key prefix ending with '/'"],
    ['snapshotPrefix', '/abs/', 'must not start with /'],
    ['snapshotPrefix', 'a//b/', 'must not contain empty, . or .. path segments'],
    ['snapshotPrefix', 'a/../b/', 'must not contain empty, . or .. path segments'],
    ['snapshotPrefix', 'jobs*/', 'may contain only letters, digits, / and the characters _ . = -'],
    ['snapshotPrefix', 'jobs?/', 'may contain only letters'],
    ['snapshotPrefix', "it's(1)!/", 'may contain only letters'],
    ['snapshotPrefix', 'jobs/dt=2024-01-01/', 'must not contain a dt= segment: the exporter adds dt=YYYY-MM-DD/ itself'],
    ['snapshotPrefix', `${'a'.repeat(512)}/`, 'must be at most 512 characters'],
    ['compression', 'zip', 'must be gzip or none'],
    ['compression', 'GZIP', 'must be gzip or none'],
    ['snapshotRetentionDays', '0', 'between 1 and'],
    ['snapshotRetentionDays', '12.5', 'whole number of days'],
    ['snapshotRetentionDays', 'forever', 'whole number of days'],
    ['snapshotRetentionDays', -3, 'whole number of days'],
    ['alarmEmail', 'ops.example.com', 'expected one email address'],
    ['alarmEmail', 'a@b.com,c@d.com', 'expected one email address'],
    ['existingBucketName', 'My_Bucket', 'not a valid S3 bucket name'],
    ['existingBucketName', 'arn:aws:s3:::bucket', 'not a valid S3 bucket name'],
    ['existingBucketName', 's3://bucket', 'not a valid S3 bucket name'],
    ['existingBucketName', 'ab', '3 to 63 characters'],
    [
      'eventBusName',
      'arn:aws:events:eu-west-1:111122223333:event-bus/my-bus',
      "expected the name of an event bus of this stack's account and Region, not an ARN",
    ],
    ['eventBusName', 'my bus', 'not a valid event bus name: it must be 1 to 256 letters, digits or the characters . - _ /'],
    ['eventBusName', 'bus*', 'not a valid event bus name: it must be 1 to 256 letters'],
    ['eventBusName', 'b'.repeat(257), 'not a valid event bus name: it must be 1 to 256 letters'],
    ['eventBusName', 7, 'expected the name of an event bus'],
    ['statusEvents', 'yes', 'must be on or off'],
    ['statusEvents', 'ON', 'must be on or off'],
    ['statusEvents', true, 'must be on or off'],
  ])('%s=%j', (key, value, reason) => {
    const error = errorOf({ collaborationIds: '*', [key]: value });
    expect(error.key).toBe(key);
    expect(error.value).toBe(value);
    const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
    // A long value is cut in the message (the reason says what is wrong); the error keeps it whole.
    expect(error.message).toBe(`Invalid context value ${key}=${shown.length > 400 ? `${shown.slice(0, 397)}...` : shown}: ${error.reason}`);
    expect(error.reason).toContain(reason);
  });
});

describe('the rules the function applies too are the same rules (lambda/config-rules/)', () => {
  const FUNCTION_ENV = { COLLABORATION_IDS: A, SNAPSHOT_BUCKET: 'my-snapshots', AWS_REGION: 'us-east-1' };
  /** The function's error for this environment (over the valid one); undefined: accepted. */
  function functionErrorOf(env: Record<string, string>): ConfigurationError | undefined {
    try {
      loadExporterConfig({ ...FUNCTION_ENV, ...env });
      return undefined;
    } catch (error) {
      if (error instanceof ConfigurationError) return error;
      throw error;
    }
  }
  /** The stack's error for this context (over collaborationIds '*'); undefined: accepted. */
  function stackErrorOf(values: Record<string, unknown>): ConfigError | undefined {
    try {
      parseStackConfig(ctx({ collaborationIds: '*', ...values }));
      return undefined;
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
  }

  it.each([
    'audience-generation-jobs/',
    'a/b_c.d=e-f/',
    'dt/',
    'jobs*/',
    'jobs?/',
    "a!_.*'()=-/",
    'a b/',
    'a$/',
    '/abs/',
    'no-slash',
    'a//b/',
    './a/',
    'a/../b/',
    'jobs/dt=2024-01-01/',
    `${'a'.repeat(512)}/`,
  ])('snapshot prefix %j: the function and the stack agree, with one message', (prefix) => {
    const after = (text: string | undefined, marker: string) => text?.split(marker)[1];
    const fromFunction = after(functionErrorOf({ SNAPSHOT_PREFIX: prefix })?.message, ' is not a valid key prefix: it ');
    const fromStack = after(stackErrorOf({ snapshotPrefix: prefix })?.reason, 'not a valid key prefix: it ');
    expect(fromStack).toBe(fromFunction);
  });

  it('only the stack refuses the empty prefix: it would scope IAM, Athena and the lifecycle rule to the whole bucket', () => {
    expect(functionErrorOf({ SNAPSHOT_PREFIX: '' })).toBeUndefined();
    expect(stackErrorOf({ snapshotPrefix: '' })?.reason).toContain('must be a non-empty key prefix');
  });

  it.each(['zip', 'GZIP'])('compression %j: one message', (value) => {
    expect(functionErrorOf({ COMPRESSION: value })?.message).toBe(`COMPRESSION "${value}" must be gzip or none`);
    expect(stackErrorOf({ compression: value })?.reason).toBe('must be gzip or none');
  });

  it('configured audience model ARN: one message', () => {
    const arn = 'arn:aws:s3:::bucket';
    const reason = stackErrorOf({ configuredAudienceModelArn: arn })?.reason;
    expect(reason).toBe('expected arn:aws:cleanrooms-ml:<region>:<12-digit account>:configured-audience-model/<id>');
    expect(functionErrorOf({ CONFIGURED_AUDIENCE_MODEL_ARN: arn })?.message).toBe(
      `CONFIGURED_AUDIENCE_MODEL_ARN "${arn}" is not a configured audience model ARN: ${reason}`,
    );
  });

  it("event bus and status events: the stack uses the function's rules (lambda/config-rules/event-bus-name.ts)", () => {
    for (const name of ['my bus', 'bus*', 'b'.repeat(257)]) {
      expect(stackErrorOf({ eventBusName: name })?.reason).toBe(`not a valid event bus name: it ${eventBusNameProblem(name)}`);
    }
    expect(eventBusNameProblem('default')).toBeUndefined();
    // The function accepts a bus ARN (PutEvents does); the stack wants a name of its own account and Region.
    const arn = 'arn:aws:events:eu-west-1:111122223333:event-bus/my-bus';
    expect(eventBusNameProblem(arn)).toBeUndefined();
    expect(eventBusNameProblem('arn:aws:events:eu-west-1:111122223333:rule/my-rule')).toContain('must be an event bus ARN');
    expect(stackErrorOf({ eventBusName: arn })?.reason).toContain('not an ARN');
    for (const value of ['yes', 'ON', 'true']) expect(stackErrorOf({ statusEvents: value })?.reason).toBe(statusEventsProblem(value));
    expect(statusEventsProblem('on')).toBeUndefined();
    expect(statusEventsProblem('off')).toBeUndefined();
  });

  it('collaboration ids: the same problem for the same bad item', () => {
    const ids = `${A},${HEX.toUpperCase()},nope`;
    expect(stackErrorOf({ collaborationIds: ids })?.problems).toEqual(
      functionErrorOf({ COLLABORATION_IDS: ids })?.problems.map((p) => p.replace(/^COLLABORATION_IDS/, 'collaborationIds')),
    );
  });
});

describe('findMisspeltContextKeys', () => {
  it('flags near misses of our keys and leaves other context alone', () => {
    expect(
      findMisspeltContextKeys([
        'collaborationId',
        'CollaborationIds',
        'snapshotprefix',
        'alarmEmails',
        'collaborationIds',
        '@aws-cdk/core:target-partitions',
        'cli-telemetry',
        'aws:cdk:enable-path-metadata',
        'myOwnKey',
      ]),
    ).toEqual([
      { key: 'collaborationId', didYouMean: 'collaborationIds' },
      { key: 'CollaborationIds', didYouMean: 'collaborationIds' },
      { key: 'snapshotprefix', didYouMean: 'snapshotPrefix' },
      { key: 'alarmEmails', didYouMean: 'alarmEmail' },
    ]);
  });
});

describe('sources', () => {
  const ROLE = 'arn:aws:iam::444455556666:role/AudienceJobsReader';
  const OTHER_ROLE = 'arn:aws:iam::777788889999:role/readers/AudienceJobsReader';
  const list = [
    { region: 'eu-west-1', roleArn: ROLE, externalId: 'exporter-7f3a', collaborationIds: '*' },
    { region: 'us-east-1', collaborationIds: [A, B] },
    { region: 'eu-west-1', roleArn: OTHER_ROLE, collaborationIds: [B] },
  ];
  const specs = [
    { region: 'eu-west-1', roleArn: ROLE, externalId: 'exporter-7f3a', collaborations: { kind: 'all' } },
    { region: 'us-east-1', roleArn: undefined, externalId: undefined, collaborations: { kind: 'listed', collaborationIds: [A, B] } },
    { region: 'eu-west-1', roleArn: OTHER_ROLE, externalId: undefined, collaborations: { kind: 'listed', collaborationIds: [B] } },
  ];

  it('reads a JSON list from cdk.json, and the same list as JSON text from -c sources=...', () => {
    for (const value of [list, JSON.stringify(list)]) {
      const config = parseStackConfig(ctx({ sources: value }));
      expect(config.sources).toEqual(specs);
      expect(config.collaborationIds).toBeUndefined();
      expect(config.collaborationIdsPlaceholder).toBe(false);
    }
  });

  it('without sources the existing keys work as before, and the config carries no sources', () => {
    expect(parseStackConfig(ctx({ collaborationIds: A })).sources).toBeUndefined();
    expect(parseStackConfig(ctx({})).sources).toBeUndefined();
    expect(parseStackConfig(ctx({})).collaborationIdsPlaceholder).toBe(true);
  });

  it('sources and collaborationIds together: one ConfigError, before any other key is read', () => {
    const read: string[] = [];
    let error: unknown;
    try {
      parseStackConfig((key) => {
        read.push(key);
        return { sources: 'not even json', collaborationIds: A, compression: 'zip' }[key];
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe('sources');
    expect((error as ConfigError).value).toBe('not even json');
    expect((error as ConfigError).message).toBe(
      `Invalid context value sources='not even json': cannot be combined with collaborationIds='${A}': give either sources (each source lists its own collaborationIds) or collaborationIds (the function's own account and Region), not both`,
    );
    expect(read).toEqual(['sources', 'collaborationIds']);
  });

  it.each([
    [
      'a bad region',
      [{ region: 'EU-WEST-1', collaborationIds: '*' }],
      'sources[0].region "EU-WEST-1" is not a Region name such as eu-west-1',
    ],
    ['a missing region', [{ collaborationIds: '*' }], 'sources[0].region (missing) is not a Region name'],
    [
      'a bad role ARN',
      [{ region: 'eu-west-1', roleArn: 'arn:aws:iam::4444:role/x', collaborationIds: '*' }],
      'sources[0].roleArn "arn:aws:iam::4444:role/x" is not an IAM role ARN',
    ],
    [
      'a user ARN',
      [{ region: 'eu-west-1', roleArn: 'arn:aws:iam::444455556666:user/x', collaborationIds: '*' }],
      'sources[0].roleArn "arn:aws:iam::444455556666:user/x" is not an IAM role ARN',
    ],
    [
      'an unknown key',
      [{ region: 'eu-west-1', collaborationId: [A], collaborationIds: '*' }],
      'sources[0] has an unknown key "collaborationId"; the keys are region, roleArn, externalId, collaborationIds',
    ],
    [
      'an externalId without a role',
      [{ region: 'eu-west-1', externalId: 'abc-123', collaborationIds: '*' }],
      'sources[0].externalId is given without a roleArn',
    ],
    [
      'a bad externalId',
      [{ region: 'eu-west-1', roleArn: 'arn:aws:iam::444455556666:role/r', externalId: 'has space', collaborationIds: '*' }],
      'sources[0].externalId "has space" must be 2 to 1224',
    ],
    [
      'an upper-case collaboration id',
      [{ region: 'eu-west-1', collaborationIds: ['3F1C2A4E-8B7D-4C6E-9A2F-1B3C5D7E9F01'] }],
      'must be lowercase, as the API returns it: 3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01',
    ],
    ['no collaborationIds', [{ region: 'eu-west-1' }], 'sources[0].collaborationIds (missing) must be a list of collaboration ids, or "*"'],
    [
      'a repeated source',
      [
        { region: 'eu-west-1', collaborationIds: [A] },
        { region: 'eu-west-1', collaborationIds: [B] },
      ],
      'sources[1] repeats the region eu-west-1',
    ],
    ['an empty list', [], 'sources is an empty list'],
    ['not a list', { region: 'eu-west-1', collaborationIds: '*' }, 'is not a list'],
    ['invalid JSON text', '[{"region":', 'sources is not valid JSON'],
  ])('rejects %s, naming the value', (_name, value, problem) => {
    const error = errorOf({ sources: value });
    expect(error.key).toBe('sources');
    expect(error.value).toEqual(value);
    const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
    expect(error.message).toBe(`Invalid context value sources=${shown}: ${error.reason}`);
    expect(error.reason).toContain(problem);
  });

  it('lists every problem of every source in the reason', () => {
    const error = errorOf({
      sources: [
        { region: 'nowhere', collaborationIds: '*' },
        { region: 'eu-west-1', roleArn: 'role', externalId: 'x', collaborationIds: ['nope'] },
      ],
    });
    expect(error.reason.split('; ')).toEqual([
      expect.stringContaining('sources[0].region "nowhere"'),
      expect.stringContaining('sources[1].roleArn "role"'),
      expect.stringContaining('sources[1].externalId "x"'),
      expect.stringContaining('sources[1].collaborationIds item 1 "nope" is not a collaboration id'),
    ]);
  });

  it('the misspelling detector knows sources and the reader role keys', () => {
    expect(
      findMisspeltContextKeys(['source', 'Sources', 'sources', 'exporterRoleARN', 'externalID', 'readerRoleNames', 'readerRoleName']),
    ).toEqual([
      { key: 'source', didYouMean: 'sources' },
      { key: 'Sources', didYouMean: 'sources' },
      { key: 'exporterRoleARN', didYouMean: 'exporterRoleArn' },
      { key: 'externalID', didYouMean: 'externalId' },
      { key: 'readerRoleNames', didYouMean: 'readerRoleName' },
    ]);
  });

  it('the misspelling detector knows eventBusName and statusEvents', () => {
    expect(
      findMisspeltContextKeys(['eventbusname', 'eventBusNames', 'statusEvent', 'StatusEvents', 'eventBusName', 'statusEvents']),
    ).toEqual([
      { key: 'eventbusname', didYouMean: 'eventBusName' },
      { key: 'eventBusNames', didYouMean: 'eventBusName' },
      { key: 'statusEvent', didYouMean: 'statusEvents' },
      { key: 'StatusEvents', didYouMean: 'statusEvents' },
    ]);
    expect(CONTEXT_KEYS.EVENT_BUS_NAME).toBe('eventBusName');
    expect(CONTEXT_KEYS.STATUS_EVENTS).toBe('statusEvents');
  });
});

describe('parseReaderRoleConfig', () => {
  const EXPORTER = 'arn:aws:iam::111122223333:role/AudienceJobsExporter-ExporterRole9B408E7C-AbCdEf123456';

  function readerErrorOf(values: Record<string, unknown>): ConfigError {
    try {
      parseReaderRoleConfig(ctx(values));
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('defaults: the role AudienceJobsReader, no exporter role (placeholder), no external id', () => {
    expect(parseReaderRoleConfig(ctx({}))).toEqual({ roleName: 'AudienceJobsReader', exporterRoleArn: undefined, externalId: undefined });
  });

  it('reads every key', () => {
    expect(
      parseReaderRoleConfig(ctx({ readerRoleName: 'CleanRoomsJobsReader', exporterRoleArn: EXPORTER, externalId: 'exporter-7f3a' })),
    ).toEqual({
      roleName: 'CleanRoomsJobsReader',
      exporterRoleArn: EXPORTER,
      externalId: 'exporter-7f3a',
    });
  });

  it.each([
    ['readerRoleName', 'has space', 'expected an IAM role name'],
    ['readerRoleName', 'path/Name', 'no path'],
    ['readerRoleName', 'x'.repeat(65), 'expected an IAM role name'],
    ['readerRoleName', 7, 'expected an IAM role name'],
    ['exporterRoleArn', 'arn:aws:iam::111122223333:user/me', 'expected the IAM role ARN of the exporter function'],
    ['exporterRoleArn', '111122223333', 'expected the IAM role ARN of the exporter function'],
    ['exporterRoleArn', 'arn:aws:iam::1111:role/x', 'ExporterRoleArn output'],
    ['externalId', 'x', 'must be 2 to 1224'],
    ['externalId', 'with space', 'must be 2 to 1224'],
    ['externalId', 'x'.repeat(1225), 'must be 2 to 1224'],
  ])('%s=%j', (key, value, reason) => {
    const error = readerErrorOf({ [key]: value });
    expect(error.key).toBe(key);
    expect(error.value).toBe(value);
    const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
    // A long value is cut in the message (the reason says what is wrong); the error keeps it whole.
    expect(error.message).toBe(`Invalid context value ${key}=${shown.length > 400 ? `${shown.slice(0, 397)}...` : shown}: ${error.reason}`);
    expect(error.reason).toContain(reason);
  });

  it('accepts the role ARN and external id patterns the exporter accepts (lambda/config-rules/sources.ts)', () => {
    expect(ROLE_ARN_PATTERN.test(EXPORTER)).toBe(true);
    expect(parseReaderRoleConfig(ctx({ exporterRoleArn: 'arn:aws-cn:iam::111122223333:role/service-role/x' })).exporterRoleArn).toBe(
      'arn:aws-cn:iam::111122223333:role/service-role/x',
    );
    expect(parseReaderRoleConfig(ctx({ externalId: 'a=b,c.d@e:f/g-h_i+j' })).externalId).toBe('a=b,c.d@e:f/g-h_i+j');
  });
});
