/** The README and docs/ are checked against the code they describe, so the docs cannot drift. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ENV, DEFAULTS, METRIC } from '../../lambda/commons/constants';
import { SNAPSHOT_COLUMNS } from '../../lambda/snapshot/record-schema';
import { COLLABORATION_IDS_HINT, CONTEXT_KEYS, parseStackConfig, READER_ROLE_CONTEXT_KEYS } from '../../lib/config';
import { namedQueries, TABLE_NAME } from '../../lib/constructs/athena-analytics';
import { glueDatabaseName, STACK_NAME } from '../../lib/audience-jobs-exporter-stack';

const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(resolve(ROOT, file), 'utf8');
const README = read('README.md');
const DOCS = readdirSync(resolve(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
const doc = (name: string) => read(`docs/${name}`);

/** Rows of the first Markdown table after `heading`, as arrays of trimmed cells. */
function tableAfter(text: string, heading: string): string[][] {
  const start = text.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = text.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((c) => c.trim()),
    );
  }
  return rows;
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '');
/** Markdown wraps lines; compare text with runs of whitespace as one space. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('README', () => {
  test('is the front door: at most 15 KB', () => {
    expect(Buffer.byteLength(README)).toBeLessThanOrEqual(15 * 1024);
  });

  test('the record schema table is the record schema, in order', () => {
    const rows = tableAfter(README, '<!-- record-schema:start -->');
    expect(rows.map(([name, type, meaning]) => ({ name: unquote(name), glueType: unquote(type), description: meaning }))).toEqual(
      SNAPSHOT_COLUMNS.map((c) => ({ name: c.name, glueType: c.glueType, description: c.description })),
    );
  });

  test('the quick start is exactly the two commands CI and a newcomer run', () => {
    const quickStart = README.slice(README.indexOf('## Quick start'), README.indexOf('## Architecture'));
    expect(quickStart).toContain('npm ci && npm start');
    expect(quickStart).toContain('npm test ');
    const ci = read('.ci/run');
    expect(ci).toMatch(/^npm ci$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  test.each([
    ['README.md', README],
    ['docs/deploy.md', doc('deploy.md')],
  ])('the CDK context table of %s lists exactly the context keys the exporter stack reads', (_, text) => {
    const rows = tableAfter(text, '## Configuration (CDK context)');
    expect(rows.map(([key]) => unquote(key)).sort()).toEqual(Object.values(CONTEXT_KEYS).sort());
  });
});

describe('docs/', () => {
  test('the environment table lists exactly the variables the exporter reads, with their defaults', () => {
    const rows = tableAfter(doc('deploy.md'), '## Exporter configuration (environment)');
    const documented = new Map(rows.map(([name, def]) => [unquote(name), def]));
    expect([...documented.keys()].sort()).toEqual(Object.values(ENV).sort());
    expect(documented.get(ENV.SNAPSHOT_PREFIX)).toBe(`\`${DEFAULTS.SNAPSHOT_PREFIX}\``);
    expect(documented.get(ENV.COMPRESSION)).toBe(`\`${DEFAULTS.COMPRESSION}\``);
    expect(documented.get(ENV.MAX_CONCURRENCY)).toBe(`\`${DEFAULTS.MAX_CONCURRENCY}\``);
    expect(documented.get(ENV.MAX_ATTEMPTS)).toBe(`\`${DEFAULTS.MAX_ATTEMPTS}\``);
    expect(documented.get(ENV.REQUEST_TIMEOUT_MS)).toBe(`\`${DEFAULTS.REQUEST_TIMEOUT_MS}\``);
    expect(documented.get(ENV.METRICS_NAMESPACE)).toBe(`\`${DEFAULTS.METRICS_NAMESPACE}\``);
    expect(documented.get(ENV.SERVICE_NAME)).toBe(`\`${DEFAULTS.SERVICE_NAME}\``);
  });

  test('the reader role table lists exactly the keys the reader role stack reads', () => {
    const rows = tableAfter(doc('deploy.md'), '| key (reader role stack) |');
    expect(rows.map(([key]) => unquote(key)).sort()).toEqual(Object.values(READER_ROLE_CONTEXT_KEYS).sort());
  });

  test.each([{ compression: 'zip' }, { schedule: 'rate(5 minutes)' }])(
    'the example error for %j is the one the synth prints',
    (context) => {
      let message = '';
      try {
        parseStackConfig((key) => (context as Record<string, unknown>)[key]);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^Invalid context value /);
      expect(doc('deploy.md')).toContain(`\n${message}\n`);
    },
  );

  test('the placeholder warning is quoted as the stack prints it', () => {
    const warning = `collaborationIds is not set: the stack uses the placeholder collaboration and its schedule is DISABLED. To deploy, ${COLLABORATION_IDS_HINT}.`;
    expect(flat(doc('deploy.md'))).toContain(flat(warning));
  });

  test('the runbook has one heading per alarm, and the metrics table lists every metric', () => {
    const runbook = doc('runbook.md');
    for (const alarm of [
      'DeleteFailedJobs',
      'FailedCollaborations',
      'NoSuccessfulExport',
      'FunctionErrors',
      'SchedulerDeadLetters',
      'FailedInvocations',
    ]) {
      expect(runbook).toMatch(new RegExp(`^## ${alarm}$`, 'm'));
    }
    const metrics = tableAfter(runbook, '## Metrics').map(([name]) => unquote(name));
    expect(metrics.sort()).toEqual(Object.values(METRIC).sort());
  });

  test('the runbook quotes the DELETE_FAILED named query exactly, for the default hourly schedule', () => {
    const query = namedQueries(glueDatabaseName(STACK_NAME), TABLE_NAME, 60).deleteFailed.query.trim();
    expect(doc('runbook.md')).toContain(`\`\`\`sql\n${query}\n\`\`\``);
  });

  test('the Athena doc names every named query', () => {
    const names = tableAfter(doc('athena.md'), '## Named queries').map(([name]) => name);
    expect(names.sort()).toEqual(
      Object.values(namedQueries('d', 't', 60))
        .map((q) => q.name)
        .sort(),
    );
  });

  test('the deploy and development docs count the named queries right', () => {
    const count = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight'][Object.keys(namedQueries('d', 't', 60)).length];
    expect(doc('deploy.md')).toContain(`has ${count} named queries`);
    expect(doc('development.md')).toContain(`named queries (all ${count})`);
  });

  test('every relative link of the README and docs/ resolves, anchors included', () => {
    const anchorsOf = (text: string) =>
      new Set(
        [...text.matchAll(/^#+ (.+)$/gm)].map((m) =>
          m[1]
            .toLowerCase()
            .replace(/[^\w\s-]/g, '')
            .trim()
            .replace(/\s/g, '-'),
        ),
      );
    const files: Array<[string, string]> = [['README.md', README], ...DOCS.map((d): [string, string] => [`docs/${d}`, doc(d)])];
    let checked = 0;
    for (const [file, text] of files) {
      for (const [, target] of text.matchAll(/\]\((?!https?:)([^)\s]+)\)/g)) {
        const [path, anchor] = target.split('#');
        const resolved = path ? resolve(ROOT, dirname(file), path) : resolve(ROOT, file);
        expect(existsSync(resolved)).toBe(true);
        if (anchor) expect([file, target, anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)]).toEqual([file, target, true]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});
