/**
 * EventBridge event patterns, evaluated locally: pure, for showing which events a rule of the stack matches. The
 * subset covered is what content filtering documents for the usual rules:
 * - a field's list of values matches if the event's value equals any of them (strings, numbers, booleans, null);
 *   an event value that is an array matches if any of its elements does;
 * - a nested object matches nested fields (the event's value must be an object, or an array of objects of which
 *   one matches);
 * - every field of the pattern must match (AND), a field absent from the event matches nothing but `exists: false`;
 * - the operators `prefix`, `suffix`, `anything-but` (a value, a list, or `{prefix}`/`{suffix}`), `exists`,
 *   `equals-ignore-case` and `numeric`. Anything else throws `UnsupportedPatternError` rather than guess.
 */

export type PatternLeaf = string | number | boolean | null | Record<string, unknown>;
export interface EventPattern {
  [field: string]: PatternLeaf[] | EventPattern;
}

export class UnsupportedPatternError extends Error {
  override name = 'UnsupportedPatternError';
}

/** Whether `event` (the whole envelope: source, detail-type, detail, …) matches `pattern`. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  if (!isPlainObject(pattern)) throw new UnsupportedPatternError('An event pattern must be a JSON object.');
  return matchObject(pattern, event);
}

function matchObject(pattern: EventPattern, value: unknown): boolean {
  if (Array.isArray(value)) return value.some((element) => matchObject(pattern, element));
  if (!isPlainObject(value)) return false;
  return Object.entries(pattern).every(([field, rule]) => {
    if (field === '$or') throw new UnsupportedPatternError('$or is not evaluated locally.');
    return matchField(rule, value[field]);
  });
}

function matchField(rule: PatternLeaf[] | EventPattern, value: unknown): boolean {
  if (Array.isArray(rule)) return matchList(rule, value);
  if (isPlainObject(rule)) return value !== undefined && matchObject(rule, value);
  throw new UnsupportedPatternError(`A pattern field must be a list of values or an object, got ${JSON.stringify(rule)}.`);
}

function matchList(list: PatternLeaf[], value: unknown): boolean {
  if (value === undefined) return list.some((m) => isPlainObject(m) && m.exists === false);
  // Exists and the other operators look at leaves only; an object value matches no leaf.
  const candidates = Array.isArray(value) ? value : [value];
  return candidates.some((candidate) => !isPlainObject(candidate) && list.some((m) => matchLeaf(m, candidate)));
}

function matchLeaf(rule: PatternLeaf, value: unknown): boolean {
  if (!isPlainObject(rule)) return value === rule;
  const keys = Object.keys(rule);
  if (keys.length !== 1) throw new UnsupportedPatternError(`An operator object has exactly one key, got ${JSON.stringify(rule)}.`);
  const [operator] = keys as [string];
  const operand = rule[operator];
  switch (operator) {
    case 'exists':
      return operand === true;
    case 'prefix':
      return typeof value === 'string' && matchAffix(operand, value, (v, a) => v.startsWith(a));
    case 'suffix':
      return typeof value === 'string' && matchAffix(operand, value, (v, a) => v.endsWith(a));
    case 'equals-ignore-case':
      return typeof value === 'string' && typeof operand === 'string' && value.toLowerCase() === operand.toLowerCase();
    case 'anything-but':
      return matchAnythingBut(operand, value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(operand, value);
    default:
      throw new UnsupportedPatternError(`The event-pattern operator "${operator}" is not evaluated locally.`);
  }
}

function matchAffix(operand: unknown, value: string, test: (value: string, affix: string) => boolean): boolean {
  if (typeof operand === 'string') return test(value, operand);
  if (isPlainObject(operand) && typeof operand['equals-ignore-case'] === 'string') {
    return test(value.toLowerCase(), operand['equals-ignore-case'].toLowerCase());
  }
  throw new UnsupportedPatternError(`Unsupported prefix/suffix operand ${JSON.stringify(operand)}.`);
}

function matchAnythingBut(operand: unknown, value: unknown): boolean {
  if (Array.isArray(operand)) return !operand.includes(value);
  if (isPlainObject(operand)) {
    if (typeof operand.prefix === 'string') return typeof value === 'string' && !value.startsWith(operand.prefix);
    if (typeof operand.suffix === 'string') return typeof value === 'string' && !value.endsWith(operand.suffix);
    throw new UnsupportedPatternError(`Unsupported anything-but operand ${JSON.stringify(operand)}.`);
  }
  return value !== operand;
}

const COMPARISONS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function matchNumeric(operand: unknown, value: number): boolean {
  if (!Array.isArray(operand) || operand.length % 2 !== 0)
    throw new UnsupportedPatternError(`Unsupported numeric operand ${JSON.stringify(operand)}.`);
  for (let i = 0; i < operand.length; i += 2) {
    const compare = COMPARISONS[String(operand[i])];
    const bound: unknown = operand[i + 1];
    if (!compare || typeof bound !== 'number') throw new UnsupportedPatternError(`Unsupported numeric operand ${JSON.stringify(operand)}.`);
    if (!compare(value, bound)) return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
