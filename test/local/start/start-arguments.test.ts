/** The command line of `npm start`: the scenario as `--scenario <name>` or as the positional argument. */
import { parseStartArguments } from '../../../local/start/start-arguments';
import { SCENARIO_NAMES } from '../../../local/start/scenarios';

const DATA_DIR = '/tmp/start-data';

/** Parses as main.ts does, with what commander prints captured. */
function parse(...args: string[]) {
  let out = '';
  let err = '';
  const parsed = parseStartArguments(['node', 'main.ts', ...args], DATA_DIR, {
    writeOut: (text) => (out += text),
    writeErr: (text) => (err += text),
  });
  return { parsed, out, err };
}

describe('npm start arguments', () => {
  it('no argument: the default scenario, the default data folder', () => {
    expect(parse().parsed).toEqual({ run: { scenario: 'delete-failed', dataDir: DATA_DIR } });
  });

  it.each(SCENARIO_NAMES.map((name) => [name]))('%s, as --scenario or as the positional argument', (name) => {
    expect(parse('--scenario', name).parsed).toEqual({ run: { scenario: name, dataDir: DATA_DIR } });
    expect(parse(name).parsed).toEqual({ run: { scenario: name, dataDir: DATA_DIR } });
    expect(parse(name, '--data-dir', '/elsewhere').parsed).toEqual({ run: { scenario: name, dataDir: '/elsewhere' } });
  });

  it('the same scenario both ways is fine; two different ones are one error naming both', () => {
    expect(parse('healthy', '--scenario', 'healthy').parsed).toEqual({ run: { scenario: 'healthy', dataDir: DATA_DIR } });
    const twice = parse('healthy', '--scenario', 'throttled');
    expect(twice.parsed).toEqual({ exitCode: 1 });
    expect(twice.err).toContain("error: two scenarios given: 'healthy' and --scenario 'throttled'; give one");
  });

  it.each([
    ['positional', ['status-chnages']],
    ['--scenario', ['--scenario', 'status-chnages']],
  ])('an unknown scenario (%s): exit 1, one error naming it and the scenarios there are', (_how, args) => {
    const { parsed, err } = parse(...args);
    expect(parsed).toEqual({ exitCode: 1 });
    const [first] = err.split('\n');
    expect(first).toMatch(/^error: .*'status-chnages'.* is invalid/);
    expect(first).toContain(SCENARIO_NAMES.join(', '));
    expect(err.match(/^error: /gm)).toHaveLength(1);
  });

  it('more than one positional argument: a usage error', () => {
    const { parsed, err } = parse('healthy', 'throttled');
    expect(parsed).toEqual({ exitCode: 1 });
    expect(err).toContain('too many arguments');
  });

  it('--help: exit 0, the usage with the positional scenario, and every scenario', () => {
    const { parsed, out } = parse('--help');
    expect(parsed).toEqual({ exitCode: 0 });
    expect(out).toContain('Usage: npm start -- [options] [scenario]');
    for (const name of SCENARIO_NAMES) expect(out).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
  });
});
