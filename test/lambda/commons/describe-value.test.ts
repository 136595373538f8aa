import { describeValue } from '../../../lambda/commons/describe-value';

describe('describeValue', () => {
  it.each<[string, unknown, string]>([
    ['a string, as JSON', 'eu-west-1', '"eu-west-1"'],
    ['a string with a quote', 'a"b', '"a\\"b"'],
    ['a number', 42, '42'],
    ['null', null, 'null'],
    ['an object', { region: 'x' }, '{"region":"x"}'],
    ['undefined', undefined, 'undefined'],
    ['a function', function named() {}, 'function named() {}'],
    ['a symbol', Symbol('s'), 'Symbol(s)'],
    ['a BigInt (JSON throws)', 10n, '[object BigInt]'],
    ['an object whose toJSON gives nothing', { toJSON: () => undefined }, '[object Object]'],
  ])('%s', (_what, value, shown) => {
    expect(describeValue(value, { maxLength: 100 })).toBe(shown);
  });

  it('a cycle is shown by its tag, not a TypeError', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(describeValue(cycle, { maxLength: 100 })).toBe('[object Object]');
  });

  it('quotes strings and reads undefined as told', () => {
    expect(describeValue('zip', { maxLength: 100, quote: (t) => `'${t}'` })).toBe("'zip'");
    expect(describeValue(undefined, { maxLength: 100, missing: '(missing)' })).toBe('(missing)');
  });

  it('cuts a long value to maxLength, ending in ...', () => {
    const shown = describeValue('x'.repeat(500), { maxLength: 80 });
    expect(shown).toHaveLength(80);
    expect(shown).toBe(`"${'x'.repeat(76)}...`);
    expect(describeValue('x'.repeat(78), { maxLength: 80 })).toBe(`"${'x'.repeat(78)}"`);
  });
});
