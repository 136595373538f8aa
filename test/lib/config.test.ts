import {
  CONFIG_DEFAULTS,
  ConfigError,
  findMisspeltContextKeys,
  MAX_LISTED_COLLABORATIONS,
  parseStackConfig,
  PLACEHOLDER_COLLABORATION_ID,
} from '../../lib/config';

const A = '11111111-2222-4333-8444-555555555555';
const B = '00000000-0000-4000-8000-000000000002';

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
    });
    expect(CONFIG_DEFAULTS.SNAPSHOT_RETENTION_DAYS).toBe(400);
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
    });
  });

  it('treats blank optional values as absent', () => {
    const config = parseStackConfig(ctx({ collaborationIds: '*', alarmEmail: '', existingBucketName: ' ', schedule: '' }));
    expect(config.alarmEmail).toBeUndefined();
    expect(config.existingBucketName).toBeUndefined();
    expect(config.schedule).toBe('rate(1 hour)');
  });
});

describe('collaborationIds', () => {
  it.each([
    ['*', '*'],
    [' * ', '*'],
    [['*'], '*'],
    [A, [A]],
    [`${A},${B},${A}`, [B, A]], // sorted, deduplicated
    [[A, B], [B, A]], // a list in cdk.json
    [`["${A}","${B}"]`, [B, A]], // a JSON list passed with -c
  ])('%j gives %j', (value, expected) => {
    expect(parseStackConfig(ctx({ collaborationIds: value })).collaborationIds).toEqual(expected);
  });

  it.each([
    ['', 'empty item'],
    [`${A},`, 'empty item'],
    ['not-a-uuid', "'not-a-uuid' is not a collaboration UUID"],
    ['3F1C2A4E-8B7D-4C6E-9A2F-1B3C5D7E9F01', "write it in lower case: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01'"],
    [`*,${A}`, "'*' cannot be combined"],
    [42, 'expected a comma-separated string'],
    [[A, 7], 'every item must be a string'],
    ['[not json', 'not a JSON array'],
  ])('rejects %j', (value, reason) => {
    const error = errorOf({ collaborationIds: value });
    expect(error.key).toBe('collaborationIds');
    expect(error.message).toMatch(/^Invalid context value collaborationIds=/);
    expect(error.message).toContain(reason);
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
    ['configuredAudienceModelArn', 'arn:aws:cleanrooms-ml:us-east-1:123:configured-audience-model/x', 'expected arn:aws:cleanrooms-ml'],
    ['configuredAudienceModelArn', 'arn:aws:s3:::bucket', 'expected arn:aws:cleanrooms-ml'],
    ['snapshotPrefix', 'no-slash', "ending with '/'"],
    ['snapshotPrefix', '', "ending with '/'"],
    ['snapshotPrefix', '/abs/', "must not start with '/'"],
    ['snapshotPrefix', 'a//b/', 'no empty'],
    ['snapshotPrefix', 'jobs*/', 'path segments may use only'],
    ['snapshotPrefix', 'jobs/dt=2024-01-01/', "must not contain a 'dt=' segment"],
    ['compression', 'zip', "expected 'gzip' or 'none'"],
    ['compression', 'GZIP', "expected 'gzip' or 'none'"],
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
  ])('%s=%j', (key, value, reason) => {
    const error = errorOf({ collaborationIds: '*', [key]: value });
    expect(error.key).toBe(key);
    expect(error.value).toBe(value);
    const shown = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
    expect(error.message).toBe(`Invalid context value ${key}=${shown}: ${error.reason}`);
    expect(error.reason).toContain(reason);
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
