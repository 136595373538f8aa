import { loadExporterConfig } from '../../../lambda/export/config';
import { ConfigurationError } from '../../../lambda/config-rules/configuration-error';
import { parseSourceList, roleAccountId } from '../../../lambda/config-rules/sources';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const A = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const B = '7a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d';
const ROLE = 'arn:aws:iam::444455556666:role/AudienceJobsReader';

function problemsOf(value: unknown): string[] {
  const problems: string[] = [];
  expect(parseSourceList(value, 'EXPORT_SOURCES', problems)).toBeUndefined();
  return problems;
}

describe('parseSourceList', () => {
  it('reads the documented shape, as text or as a parsed list', () => {
    const list = [
      { region: 'eu-west-1', roleArn: ROLE, externalId: 'shared-secret-1', collaborationIds: [A, B] },
      { region: 'us-east-1', collaborationIds: '*' },
    ];
    const expected = [
      { region: 'eu-west-1', roleArn: ROLE, externalId: 'shared-secret-1', collaborations: { kind: 'listed', collaborationIds: [A, B] } },
      { region: 'us-east-1', roleArn: undefined, externalId: undefined, collaborations: { kind: 'all' } },
    ];
    for (const value of [list, JSON.stringify(list)]) {
      const problems: string[] = [];
      expect(parseSourceList(value, 'EXPORT_SOURCES', problems)).toEqual(expected);
      expect(problems).toEqual([]);
    }
  });

  it('accepts ["*"] as *, and the same role in two Regions', () => {
    const problems: string[] = [];
    const list = parseSourceList(
      [
        { region: 'eu-west-1', roleArn: ROLE, collaborationIds: ['*'] },
        { region: 'eu-central-1', roleArn: ROLE, collaborationIds: [A] },
      ],
      'sources',
      problems,
    );
    expect(problems).toEqual([]);
    expect(list?.map((s) => s.collaborations.kind)).toEqual(['all', 'listed']);
  });

  it.each([
    ['text that is not JSON', '[{region:', 'EXPORT_SOURCES is not valid JSON'],
    ['an object instead of a list', '{"region":"eu-west-1"}', 'EXPORT_SOURCES {"region":"eu-west-1"} is not a list'],
    ['an empty list', '[]', 'EXPORT_SOURCES is an empty list'],
    ['an item that is not an object', '["eu-west-1"]', 'EXPORT_SOURCES[0] "eu-west-1" is not an object'],
    ['a missing region', `[{"collaborationIds":"*"}]`, 'EXPORT_SOURCES[0].region (missing) is not a Region name'],
    ['a bad region', `[{"region":"EU-WEST-1","collaborationIds":"*"}]`, 'EXPORT_SOURCES[0].region "EU-WEST-1" is not a Region name'],
    [
      'a role that is not a role ARN',
      `[{"region":"eu-west-1","roleArn":"arn:aws:iam::4444:user/x","collaborationIds":"*"}]`,
      'EXPORT_SOURCES[0].roleArn "arn:aws:iam::4444:user/x" is not an IAM role ARN',
    ],
    [
      'an external id without a role',
      `[{"region":"eu-west-1","externalId":"abc","collaborationIds":"*"}]`,
      'EXPORT_SOURCES[0].externalId is given without a roleArn',
    ],
    [
      'a too short external id',
      `[{"region":"eu-west-1","roleArn":"${ROLE}","externalId":"a","collaborationIds":"*"}]`,
      'EXPORT_SOURCES[0].externalId "a" must be 2 to 1224',
    ],
    ['an unknown key', `[{"region":"eu-west-1","collaborationIds":"*","role":"x"}]`, 'EXPORT_SOURCES[0] has an unknown key "role"'],
    [
      'missing collaborationIds',
      `[{"region":"eu-west-1"}]`,
      'EXPORT_SOURCES[0].collaborationIds (missing) must be a list of collaboration ids, or "*"',
    ],
    ['a comma-separated string', `[{"region":"eu-west-1","collaborationIds":"${A},${B}"}]`, 'must be a list of collaboration ids, or "*"'],
    ['an empty id list', `[{"region":"eu-west-1","collaborationIds":[]}]`, 'EXPORT_SOURCES[0].collaborationIds lists no collaboration'],
    [
      'a bad id',
      `[{"region":"eu-west-1","collaborationIds":["nope"]}]`,
      'EXPORT_SOURCES[0].collaborationIds item 1 "nope" is not a collaboration id',
    ],
    [
      'an uppercase id',
      `[{"region":"eu-west-1","collaborationIds":["${A.toUpperCase()}"]}]`,
      `must be lowercase, as the API returns it: ${A}`,
    ],
    ['* in a list', `[{"region":"eu-west-1","collaborationIds":["${A}","*"]}]`, 'item 2 "*": * must stand alone'],
    ['a repeated id', `[{"region":"eu-west-1","collaborationIds":["${A}","${A}"]}]`, `item 2 "${A}" is listed twice`],
    [
      'the same region and role twice',
      `[{"region":"eu-west-1","roleArn":"${ROLE}","collaborationIds":["${A}"]},{"region":"eu-west-1","roleArn":"${ROLE}","collaborationIds":["${B}"]}]`,
      `EXPORT_SOURCES[1] repeats the region eu-west-1 and role ${ROLE} of EXPORT_SOURCES[0]`,
    ],
  ])('%s: one problem naming the place and the value', (_, value, expected) => {
    const problems = problemsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it('collects every problem of every source', () => {
    const problems = problemsOf([
      { region: 'nowhere', collaborationIds: '*' },
      { region: 'eu-west-1', roleArn: 'x', collaborationIds: ['bad'] },
    ]);
    expect(problems).toEqual([
      expect.stringContaining('EXPORT_SOURCES[0].region "nowhere"'),
      expect.stringContaining('EXPORT_SOURCES[1].roleArn "x"'),
      expect.stringContaining('EXPORT_SOURCES[1].collaborationIds item 1 "bad"'),
    ]);
  });

  it('roleAccountId reads the account of a role ARN', () => {
    expect(roleAccountId(ROLE)).toBe('444455556666');
    expect(roleAccountId('arn:aws-cn:iam::123456789012:role/path/to/Name')).toBe('123456789012');
  });
});

describe('loadExporterConfig: sources', () => {
  const BASE = { AWS_REGION: 'us-east-1', SNAPSHOT_BUCKET: 'snapshots-test' };
  const errorOf = (env: NodeJS.ProcessEnv): ConfigurationError => {
    try {
      loadExporterConfig(env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      return error as ConfigurationError;
    }
    throw new Error('expected a ConfigurationError');
  };

  it('COLLABORATION_IDS is one source: the function’s own credentials and Region', () => {
    const config = loadExporterConfig({ ...BASE, COLLABORATION_IDS: A });
    expect(config.sources).toEqual([
      { region: 'us-east-1', roleArn: undefined, externalId: undefined, collaborations: { kind: 'listed', collaborationIds: [A] } },
    ]);
    expect(config.sourcesConfigured).toBe(false);
  });

  it('EXPORT_SOURCES inline', () => {
    const config = loadExporterConfig({
      ...BASE,
      EXPORT_SOURCES: JSON.stringify([{ region: 'eu-west-1', roleArn: ROLE, collaborationIds: '*' }]),
    });
    expect(config.sources).toEqual([{ region: 'eu-west-1', roleArn: ROLE, externalId: undefined, collaborations: { kind: 'all' } }]);
    expect(config.sourcesConfigured).toBe(true);
    expect(config.region).toBe('us-east-1');
  });

  it('EXPORT_SOURCES_FILE, relative to LAMBDA_TASK_ROOT, and a file that cannot be read', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sources-'));
    try {
      writeFileSync(path.join(dir, 'export-sources.json'), JSON.stringify([{ region: 'eu-west-1', collaborationIds: [A] }]));
      const config = loadExporterConfig({ ...BASE, EXPORT_SOURCES_FILE: 'export-sources.json', LAMBDA_TASK_ROOT: dir });
      expect(config.sources[0].collaborations).toEqual({ kind: 'listed', collaborationIds: [A] });
      const error = errorOf({ ...BASE, EXPORT_SOURCES_FILE: 'missing.json', LAMBDA_TASK_ROOT: dir });
      expect(error.message).toContain(`EXPORT_SOURCES_FILE "missing.json" cannot be read (ENOENT: ${path.join(dir, 'missing.json')})`);
      writeFileSync(path.join(dir, 'bad.json'), '[{"region":"x","collaborationIds":"*"}]');
      expect(errorOf({ ...BASE, EXPORT_SOURCES_FILE: path.join(dir, 'bad.json') }).message).toContain(
        `EXPORT_SOURCES_FILE ${path.join(dir, 'bad.json')}[0].region "x"`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [{ EXPORT_SOURCES: '[]', COLLABORATION_IDS: A }, 'EXPORT_SOURCES and COLLABORATION_IDS are both set'],
    [{ EXPORT_SOURCES_FILE: 'x.json', COLLABORATION_IDS: '*' }, 'EXPORT_SOURCES_FILE and COLLABORATION_IDS are both set'],
    [{ EXPORT_SOURCES: '[]', EXPORT_SOURCES_FILE: 'x.json' }, 'EXPORT_SOURCES and EXPORT_SOURCES_FILE are both set'],
  ])('two forms at once are one clear error: %j', (env, expected) => {
    const error = errorOf({ ...BASE, ...env });
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain(expected);
  });

  it('no Region is a configuration problem, collected with the others', () => {
    const error = errorOf({ SNAPSHOT_BUCKET: 'snapshots-test', COLLABORATION_IDS: 'bad' });
    expect(error.problems).toEqual([
      expect.stringContaining('AWS_REGION is not set'),
      expect.stringContaining('COLLABORATION_IDS item 1 "bad"'),
    ]);
  });
});
