/** The README's reference tables are checked against the code they describe, so the docs cannot drift. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENV, DEFAULTS } from '../../lambda/commons/constants';
import { SNAPSHOT_COLUMNS } from '../../lambda/snapshot/record-schema';
import { CONTEXT_KEYS } from '../../lib/config';

const README = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');

/** Rows of the first Markdown table after `heading`, as arrays of trimmed cells. */
function tableAfter(heading: string): string[][] {
  const start = README.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const lines = README.slice(start).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(' | ').map((c) => c.trim()));
  }
  return rows;
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

test('the record schema table is the record schema, in order', () => {
  const rows = tableAfter('<!-- record-schema:start -->');
  expect(rows.map(([name, type, meaning]) => ({ name: unquote(name!), glueType: unquote(type!), description: meaning }))).toEqual(
    SNAPSHOT_COLUMNS.map((c) => ({ name: c.name, glueType: c.glueType, description: c.description })),
  );
});

test('the environment table lists exactly the variables the exporter reads, with their defaults', () => {
  const rows = tableAfter('## Exporter configuration (environment)');
  const documented = new Map(rows.map(([name, def]) => [unquote(name!), def!]));
  expect([...documented.keys()].sort()).toEqual(Object.values(ENV).sort());
  expect(documented.get(ENV.SNAPSHOT_PREFIX)).toBe(`\`${DEFAULTS.SNAPSHOT_PREFIX}\``);
  expect(documented.get(ENV.COMPRESSION)).toBe(`\`${DEFAULTS.COMPRESSION}\``);
  expect(documented.get(ENV.MAX_CONCURRENCY)).toBe(`\`${DEFAULTS.MAX_CONCURRENCY}\``);
  expect(documented.get(ENV.MAX_ATTEMPTS)).toBe(`\`${DEFAULTS.MAX_ATTEMPTS}\``);
  expect(documented.get(ENV.REQUEST_TIMEOUT_MS)).toBe(`\`${DEFAULTS.REQUEST_TIMEOUT_MS}\``);
  expect(documented.get(ENV.METRICS_NAMESPACE)).toBe(`\`${DEFAULTS.METRICS_NAMESPACE}\``);
  expect(documented.get(ENV.SERVICE_NAME)).toBe(`\`${DEFAULTS.SERVICE_NAME}\``);
});

test('the CDK context table lists exactly the context keys the app reads', () => {
  const rows = tableAfter('### Configuration (CDK context)');
  expect(rows.map(([key]) => unquote(key!)).sort()).toEqual(Object.values(CONTEXT_KEYS).sort());
});

test('the quick start is exactly the two commands CI and a newcomer run', () => {
  const quickStart = README.slice(README.indexOf('## Quick start'), README.indexOf('## Architecture'));
  expect(quickStart).toContain('npm ci && npm start');
  expect(quickStart).toContain('npm test ');
  const ci = readFileSync(resolve(__dirname, '../../.ci/run'), 'utf8');
  expect(ci).toMatch(/^npm ci$/m);
  expect(ci).toMatch(/^npm test$/m);
});
