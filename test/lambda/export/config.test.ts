import fc from 'fast-check';
import { loadExporterConfig, type ExporterConfig } from '../../../lambda/export/config';
import { ConfigurationError } from '../../../lambda/config-rules/configuration-error';

const A = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const B = '00000000-0000-4000-8000-000000000002';
const C = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d';
const MODEL_ARN = 'arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/0b0b0b0b-1111-4222-8333-444455556666';

/** The smallest valid environment. */
const VALID = { COLLABORATION_IDS: A, SNAPSHOT_BUCKET: 'my-snapshots', AWS_REGION: 'us-east-1' };

/** The one source that COLLABORATION_IDS describes. */
const ownSource = (collaborations: ExporterConfig['sources'][number]['collaborations']) => [
  { region: 'us-east-1', roleArn: undefined, externalId: undefined, collaborations },
];
const collaborationsOf = (config: ExporterConfig) => config.sources[0].collaborations;

/** `n` distinct lowercase UUIDs. */
const uuids = (n: number): string[] => Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`);

/** The ConfigurationError that this environment raises; fails the test if there is none. */
function configurationErrorOf(env: NodeJS.ProcessEnv): ConfigurationError {
  try {
    loadExporterConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).name).toBe('ConfigurationError');
    return error as ConfigurationError;
  }
  throw new Error(`expected a ConfigurationError for ${JSON.stringify(env)}`);
}

/** Removes a variable from a copy of the valid environment. */
function without(name: keyof typeof VALID): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...VALID };
  delete env[name];
  return env;
}

describe('loadExporterConfig', () => {
  describe('defaults and valid input', () => {
    it('fills the defaults: prefix, gzip, concurrency 4, 10 attempts, 30 s timeout, no model filter', () => {
      expect(loadExporterConfig(VALID)).toEqual<ExporterConfig>({
        sources: ownSource({ kind: 'listed', collaborationIds: [A] }),
        sourcesConfigured: false,
        region: 'us-east-1',
        bucket: 'my-snapshots',
        prefix: 'audience-generation-jobs/',
        configuredAudienceModelArn: undefined,
        compression: 'gzip',
        maxConcurrency: 4,
        maxAttempts: 10,
        requestTimeoutMs: 30_000,
        statusEvents: true,
        eventBusName: 'default',
      });
    });

    it('treats empty optional variables as unset', () => {
      const config = loadExporterConfig({
        ...VALID,
        CONFIGURED_AUDIENCE_MODEL_ARN: '',
        COMPRESSION: '',
        MAX_CONCURRENCY: '',
        CLEANROOMSML_MAX_ATTEMPTS: '',
        CLEANROOMSML_REQUEST_TIMEOUT_MS: '',
      });
      expect(config).toMatchObject({
        configuredAudienceModelArn: undefined,
        compression: 'gzip',
        maxConcurrency: 4,
        maxAttempts: 10,
        requestTimeoutMs: 30_000,
      });
    });

    it('* selects every collaboration', () => {
      expect(collaborationsOf(loadExporterConfig({ ...VALID, COLLABORATION_IDS: '*' }))).toEqual({ kind: 'all' });
    });

    it('a list keeps its order', () => {
      expect(collaborationsOf(loadExporterConfig({ ...VALID, COLLABORATION_IDS: `${C},${A},${B}` }))).toEqual({
        kind: 'listed',
        collaborationIds: [C, A, B],
      });
    });

    it('accepts 500 collaborations, the limit', () => {
      const ids = uuids(500);
      expect(collaborationsOf(loadExporterConfig({ ...VALID, COLLABORATION_IDS: ids.join(',') }))).toEqual({
        kind: 'listed',
        collaborationIds: ids,
      });
    });

    it('reads every optional variable', () => {
      expect(
        loadExporterConfig({
          ...VALID,
          SNAPSHOT_PREFIX: 'exports/cleanrooms-ml/',
          CONFIGURED_AUDIENCE_MODEL_ARN: MODEL_ARN,
          COMPRESSION: 'none',
          MAX_CONCURRENCY: '64',
          CLEANROOMSML_MAX_ATTEMPTS: '20',
          CLEANROOMSML_REQUEST_TIMEOUT_MS: '100',
        }),
      ).toEqual<ExporterConfig>({
        sources: ownSource({ kind: 'listed', collaborationIds: [A] }),
        sourcesConfigured: false,
        region: 'us-east-1',
        bucket: 'my-snapshots',
        prefix: 'exports/cleanrooms-ml/',
        configuredAudienceModelArn: MODEL_ARN,
        compression: 'none',
        maxConcurrency: 64,
        maxAttempts: 20,
        requestTimeoutMs: 100,
        statusEvents: true,
        eventBusName: 'default',
      });
    });

    it.each(['', 'a/', 'x/y/z/', 'a_.=-/', 'dt/', 'year=2026/'])('accepts the prefix %j', (prefix) => {
      expect(loadExporterConfig({ ...VALID, SNAPSHOT_PREFIX: prefix }).prefix).toBe(prefix);
    });

    it.each(['abc', 'a'.repeat(63), 'my.bucket-1', 'snapshots-111122223333-eu-west-1', '1bucket'])('accepts the bucket %j', (bucket) => {
      expect(loadExporterConfig({ ...VALID, SNAPSHOT_BUCKET: bucket }).bucket).toBe(bucket);
    });

    it.each([
      ['MAX_CONCURRENCY', '1', 'maxConcurrency', 1],
      ['MAX_CONCURRENCY', '64', 'maxConcurrency', 64],
      ['CLEANROOMSML_MAX_ATTEMPTS', '1', 'maxAttempts', 1],
      ['CLEANROOMSML_REQUEST_TIMEOUT_MS', '300000', 'requestTimeoutMs', 300_000],
    ] as const)('accepts %s=%s', (name, value, key, expected) => {
      expect(loadExporterConfig({ ...VALID, [name]: value })[key]).toBe(expected);
    });

    it('property: any list of distinct lowercase UUIDs joined by commas parses back to the same list', () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.uuid(), { minLength: 1, maxLength: 500 }), (ids) => {
          expect(ids.every((id) => id === id.toLowerCase())).toBe(true);
          expect(collaborationsOf(loadExporterConfig({ ...VALID, COLLABORATION_IDS: ids.join(',') }))).toEqual({
            kind: 'listed',
            collaborationIds: ids,
          });
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('COLLABORATION_IDS', () => {
    it('missing: names the variable', () => {
      expect(configurationErrorOf(without('COLLABORATION_IDS')).message).toMatch(/^COLLABORATION_IDS is required/);
    });

    it('empty: names the variable', () => {
      expect(configurationErrorOf({ ...VALID, COLLABORATION_IDS: '' }).message).toMatch(/^COLLABORATION_IDS is required/);
    });

    it.each([
      ['a malformed UUID', 'not-a-uuid', 'COLLABORATION_IDS item 1 "not-a-uuid" is not a collaboration id'],
      ['a UUID one character short', A.slice(0, -1), `COLLABORATION_IDS item 1 "${A.slice(0, -1)}" is not a collaboration id`],
      ['a UUID with a non-hex digit', A.replace('f', 'g'), `COLLABORATION_IDS item 1 "${A.replace('f', 'g')}" is not a collaboration id`],
      ['a UUID without hyphens', A.replace(/-/g, ''), `COLLABORATION_IDS item 1 "${A.replace(/-/g, '')}" is not a collaboration id`],
      [
        'an uppercase UUID',
        A.toUpperCase(),
        `COLLABORATION_IDS item 1 "${A.toUpperCase()}" must be lowercase, as the API returns it: ${A}`,
      ],
      ['an uppercase UUID in a list', `${B},${C.toUpperCase()}`, `COLLABORATION_IDS item 2 "${C.toUpperCase()}" must be lowercase`],
      ['a space after a comma', `${A}, ${B}`, `COLLABORATION_IDS item 2 " ${B}" contains whitespace`],
      ['a trailing newline', `${A}\n`, `COLLABORATION_IDS item 1 ${JSON.stringify(`${A}\n`)} contains whitespace`],
      ['a blank value', ' ', 'COLLABORATION_IDS item 1 " " contains whitespace'],
      ['a tab between ids', `${A}\t,${B}`, `COLLABORATION_IDS item 1 ${JSON.stringify(`${A}\t`)} contains whitespace`],
      ['a doubled comma', `${A},,${B}`, 'COLLABORATION_IDS item 2 "" is empty'],
      ['a trailing comma', `${A},`, 'COLLABORATION_IDS item 2 "" is empty'],
      ['a leading comma', `,${A}`, 'COLLABORATION_IDS item 1 "" is empty'],
      ['a lone comma', ',', 'COLLABORATION_IDS item 1 "" is empty'],
      ['a duplicate', `${A},${B},${A}`, `COLLABORATION_IDS item 3 "${A}" is listed twice`],
      ['* inside a list', `${A},*`, 'COLLABORATION_IDS item 2 "*": * must stand alone, not in a list'],
      ['* with a trailing comma', '*,', 'COLLABORATION_IDS item 1 "*": * must stand alone'],
    ])('%s: names the variable and the item', (_, value, expected) => {
      expect(configurationErrorOf({ ...VALID, COLLABORATION_IDS: value }).message).toContain(expected);
    });

    it('reports every bad item, not just the first', () => {
      const error = configurationErrorOf({ ...VALID, COLLABORATION_IDS: `${A},,bad,${A}` });
      expect(error.problems).toEqual([
        expect.stringContaining('item 2 "" is empty'),
        expect.stringContaining('item 3 "bad" is not a collaboration id'),
        expect.stringContaining(`item 4 "${A}" is listed twice`),
      ]);
      expect(error.message).toMatch(/^Invalid configuration: /);
    });

    it.each([501, 1000])('%i ids: names the variable and the count', (count) => {
      const error = configurationErrorOf({ ...VALID, COLLABORATION_IDS: uuids(count).join(',') });
      expect(error.message).toContain(`COLLABORATION_IDS lists ${count} collaborations; at most 500 are supported per run`);
      // One problem, not one per id; and the message stays readable.
      expect(error.problems).toHaveLength(1);
      expect(error.message.length).toBeLessThan(300);
    });
  });

  describe('SNAPSHOT_BUCKET', () => {
    it('missing: names the variable', () => {
      expect(configurationErrorOf(without('SNAPSHOT_BUCKET')).message).toMatch(/^SNAPSHOT_BUCKET is required/);
    });

    it('empty: names the variable', () => {
      expect(configurationErrorOf({ ...VALID, SNAPSHOT_BUCKET: '' }).message).toMatch(/^SNAPSHOT_BUCKET is required/);
    });

    it.each([
      ['uppercase', 'My-Snapshots', 'may contain only lowercase letters'],
      ['an underscore', 'my_snapshots', 'may contain only lowercase letters'],
      ['two adjacent dots', 'my..snapshots', 'must not contain two adjacent dots'],
      ['IP-shaped', '192.168.1.1', 'must not be formatted as an IP address'],
      ['too short', 'ab', 'must be 3 to 63 characters long'],
      ['too long', 'a'.repeat(64), 'must be 3 to 63 characters long'],
      ['a leading hyphen', '-snapshots', 'must begin and end with a letter or digit'],
      ['a trailing dot', 'snapshots.', 'must begin and end with a letter or digit'],
      ['a reserved prefix', 'xn--snapshots', 'reserves'],
      ['a reserved suffix', 'snapshots-s3alias', 'reserves'],
    ])('%s: names the variable and the value', (_, bucket, reason) => {
      const { message } = configurationErrorOf({ ...VALID, SNAPSHOT_BUCKET: bucket });
      expect(message).toContain(`SNAPSHOT_BUCKET ${JSON.stringify(bucket)} is not a valid bucket name: it `);
      expect(message).toContain(reason);
    });
  });

  describe('SNAPSHOT_PREFIX', () => {
    it.each([
      ['a leading /', '/snapshots/', 'must not start with /'],
      ['a lone /', '/', 'must not start with /'],
      ['a .. segment', 'a/../b/', 'must not contain empty, . or .. path segments'],
      ['only ..', '../', 'must not contain empty, . or .. path segments'],
      ['a . segment', './snapshots/', 'must not contain empty, . or .. path segments'],
      ['an empty segment', 'a//b/', 'must not contain empty, . or .. path segments'],
      ['no trailing /', 'snapshots', 'must end with /'],
      ['a space', 'my snapshots/', 'may contain only letters'],
      ['a backslash', 'a\\b/', 'may contain only letters'],
      ['an IAM wildcard *', 'jobs*/', 'may contain only letters, digits, / and the characters _ . = -'],
      ['an IAM wildcard ?', 'jobs?/', 'may contain only letters'],
      ["! ' ( )", "it's(1)!/", 'may contain only letters'],
      ['a dt= segment', 'jobs/dt=2026-01-01/', 'must not contain a dt= segment: the exporter adds dt=YYYY-MM-DD/ itself'],
      ['more than 512 characters', `${'a'.repeat(512)}/`, 'must be at most 512 characters'],
    ])('%s: names the variable and the value', (_, prefix, reason) => {
      const { message } = configurationErrorOf({ ...VALID, SNAPSHOT_PREFIX: prefix });
      expect(message).toContain(`SNAPSHOT_PREFIX ${JSON.stringify(prefix).slice(0, 60)}`);
      expect(message).toContain(reason);
    });
  });

  describe('COMPRESSION', () => {
    it.each(['zip', 'GZIP', 'gz', 'None', 'brotli'])('%j: names the variable and the value', (value) => {
      expect(configurationErrorOf({ ...VALID, COMPRESSION: value }).message).toBe(
        `COMPRESSION ${JSON.stringify(value)} must be gzip or none`,
      );
    });
  });

  describe('integers', () => {
    it.each(['0', '-1', '1.5', 'abc', '65', ' 4', '1e1', '0x10', '99999999999999999999'])(
      'MAX_CONCURRENCY %j: names the variable and the value',
      (value) => {
        expect(configurationErrorOf({ ...VALID, MAX_CONCURRENCY: value }).message).toBe(
          `MAX_CONCURRENCY ${JSON.stringify(value)} must be an integer from 1 to 64`,
        );
      },
    );

    it.each(['0', '21', 'ten'])('CLEANROOMSML_MAX_ATTEMPTS %j: names the variable and the value', (value) => {
      expect(configurationErrorOf({ ...VALID, CLEANROOMSML_MAX_ATTEMPTS: value }).message).toBe(
        `CLEANROOMSML_MAX_ATTEMPTS ${JSON.stringify(value)} must be an integer from 1 to 20`,
      );
    });

    it.each(['99', '300001', '30s'])('CLEANROOMSML_REQUEST_TIMEOUT_MS %j: names the variable and the value', (value) => {
      expect(configurationErrorOf({ ...VALID, CLEANROOMSML_REQUEST_TIMEOUT_MS: value }).message).toBe(
        `CLEANROOMSML_REQUEST_TIMEOUT_MS ${JSON.stringify(value)} must be an integer from 100 to 300000`,
      );
    });
  });

  describe('CONFIGURED_AUDIENCE_MODEL_ARN', () => {
    it.each([
      ['not an ARN', 'not-an-arn'],
      ['a job ARN', 'arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/0b0b0b0b-1111-4222-8333-444455556666'],
      ['another service', 'arn:aws:cleanrooms:us-east-1:111122223333:configured-audience-model/abc'],
      ['an 11-digit account', 'arn:aws:cleanrooms-ml:us-east-1:11112222333:configured-audience-model/abc'],
      ['no resource id', 'arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/'],
      ['a space in the id', 'arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/a b'],
      ['longer than 2048 characters', `${MODEL_ARN}/${'x'.repeat(2048)}`],
    ])('%s: names the variable and the value', (_, arn) => {
      const { message } = configurationErrorOf({ ...VALID, CONFIGURED_AUDIENCE_MODEL_ARN: arn });
      expect(message).toContain(`CONFIGURED_AUDIENCE_MODEL_ARN ${JSON.stringify(arn)} is not a configured audience model ARN`);
    });
  });

  it('collects every problem into one error', () => {
    const error = configurationErrorOf({
      AWS_REGION: 'us-east-1',
      SNAPSHOT_BUCKET: 'Bad_Bucket',
      COMPRESSION: 'zip',
      MAX_CONCURRENCY: '0',
      SNAPSHOT_PREFIX: '/x/',
    });
    expect(error.problems).toHaveLength(5);
    expect(error.message).toMatch(/^Invalid configuration: /);
    for (const name of [
      'COLLABORATION_IDS',
      'SNAPSHOT_BUCKET "Bad_Bucket"',
      'COMPRESSION "zip"',
      'MAX_CONCURRENCY "0"',
      'SNAPSHOT_PREFIX "/x/"',
    ]) {
      expect(error.message).toContain(name);
    }
  });
});
