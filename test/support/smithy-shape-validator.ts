/**
 * Checks a JSON value (as restJson1 puts it on the wire) against a shape of a Smithy model, recursively, and
 * lists every violation with its JSON path. An empty list means the value conforms.
 *
 * Covered: structure (required members, no unknown members), union (exactly one member), list, map, string
 * (length in code points, pattern), enum, blob, boolean, integer types and floats (range), timestamp (by
 * `timestampFormat`, restJson1's default being epoch-seconds), document. Traits are read from the member and
 * from its target, as Smithy applies both.
 */
import type { SmithyMember, SmithyModel, SmithyShape } from './smithy-model';

/** Shapes of the prelude that a model targets without defining them. */
const PRELUDE: Record<string, SmithyShape> = Object.fromEntries(
  [
    'String',
    'Boolean',
    'Integer',
    'Long',
    'Short',
    'Byte',
    'Float',
    'Double',
    'Timestamp',
    'Blob',
    'Document',
    'BigInteger',
    'BigDecimal',
  ].map((name) => [`smithy.api#${name}`, { type: name.toLowerCase() }]),
);
/** Unboxed primitives of Smithy 1.0 models. */
for (const name of ['Boolean', 'Integer', 'Long', 'Short', 'Byte', 'Float', 'Double']) {
  PRELUDE[`smithy.api#Primitive${name}`] = { type: name.toLowerCase() };
}

const INTEGER_BOUNDS: Record<string, [number, number]> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  biginteger: [-Infinity, Infinity],
};

/** RFC 3339 `date-time`, as Smithy's `date-time` format requires. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** RFC 7231 IMF-fixdate, Smithy's `http-date`. */
const HTTP_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export class SmithyShapeValidator {
  private readonly patterns = new Map<string, RegExp>();

  constructor(private readonly model: SmithyModel) {}

  /** Every violation of `value` against shape `shapeId`; empty when it conforms. */
  validate(shapeId: string, value: unknown, path = '$'): string[] {
    const violations: string[] = [];
    this.check({ target: shapeId }, value, path, violations);
    return violations;
  }

  /**
   * Smithy patterns are ECMA 262 regular expressions, matched anywhere unless anchored. The `u` flag makes
   * escapes such as `\uD800` denote code points; a pattern the flag rejects is compiled without it.
   */
  regExpOf(pattern: string): RegExp {
    let regExp = this.patterns.get(pattern);
    if (!regExp) {
      try {
        regExp = new RegExp(pattern, 'u');
      } catch {
        regExp = new RegExp(pattern);
      }
      this.patterns.set(pattern, regExp);
    }
    return regExp;
  }

  private shapeOf(target: string): SmithyShape {
    const shape = this.model.shapes[target] ?? PRELUDE[target];
    if (!shape) throw new Error(`unknown shape ${target}`);
    return shape;
  }

  private check(member: SmithyMember, value: unknown, path: string, violations: string[]): void {
    const shape = this.shapeOf(member.target);
    // Member traits refine (and override) the target's.
    const traits = { ...shape.traits, ...member.traits };
    const fail = (message: string): void => {
      violations.push(`${path}: ${message}`);
    };

    if (value === null || value === undefined) {
      fail(`expected ${shape.type}, got ${value}`);
      return;
    }
    switch (shape.type) {
      case 'structure':
      case 'union':
        return this.checkAggregate(shape, value, path, violations);
      case 'list':
      case 'set':
        if (!Array.isArray(value)) return fail(`expected a list, got ${typeof value}`);
        checkLength(traits, value.length, fail);
        value.forEach((item, i) => this.check(shape.member!, item, `${path}[${i}]`, violations));
        return;
      case 'map': {
        if (!isObject(value)) return fail(`expected a map, got ${typeName(value)}`);
        const entries = Object.entries(value);
        checkLength(traits, entries.length, fail);
        for (const [key, item] of entries) {
          this.check(shape.key!, key, `${path}{key ${JSON.stringify(key)}}`, violations);
          this.check(shape.value!, item, `${path}[${JSON.stringify(key)}]`, violations);
        }
        return;
      }
      case 'string':
        if (typeof value !== 'string') return fail(`expected a string, got ${typeName(value)}`);
        checkLength(traits, [...value].length, fail);
        this.checkPattern(traits, value, fail);
        return;
      case 'enum': {
        const allowed = Object.entries(shape.members ?? {}).map(([name, m]) => (m.traits?.['smithy.api#enumValue'] as string) ?? name);
        if (typeof value !== 'string' || !allowed.includes(value)) fail(`${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
        return;
      }
      case 'intEnum': {
        const allowed = Object.values(shape.members ?? {}).map((m) => m.traits?.['smithy.api#enumValue']);
        if (!allowed.includes(value)) fail(`${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
        return;
      }
      case 'blob':
        if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return fail('expected a base64 string');
        checkLength(traits, Buffer.from(value, 'base64').length, fail);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') fail(`expected a boolean, got ${typeName(value)}`);
        return;
      case 'byte':
      case 'short':
      case 'integer':
      case 'long':
      case 'biginteger': {
        const [min, max] = INTEGER_BOUNDS[shape.type];
        if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
          return fail(`expected ${shape.type}, got ${JSON.stringify(value)}`);
        }
        checkRange(traits, value, fail);
        return;
      }
      case 'float':
      case 'double':
      case 'bigdecimal':
        // JSON carries NaN and infinities as strings.
        if (typeof value === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(value)) return;
        if (typeof value !== 'number') return fail(`expected ${shape.type}, got ${typeName(value)}`);
        checkRange(traits, value, fail);
        return;
      case 'timestamp':
        return checkTimestamp((traits['smithy.api#timestampFormat'] as string | undefined) ?? 'epoch-seconds', value, fail);
      case 'document':
        return;
      default:
        fail(`cannot validate shape type ${shape.type}`);
    }
  }

  private checkAggregate(shape: SmithyShape, value: unknown, path: string, violations: string[]): void {
    if (!isObject(value)) {
      violations.push(`${path}: expected a ${shape.type}, got ${typeName(value)}`);
      return;
    }
    const members = shape.members ?? {};
    for (const name of Object.keys(value)) {
      if (!(name in members)) violations.push(`${path}.${name}: not a member of the ${shape.type}`);
    }
    const present = Object.keys(members).filter((name) => value[name] !== undefined);
    if (shape.type === 'union' && present.length !== 1) {
      violations.push(`${path}: a union needs exactly one member, got ${present.length}`);
    }
    for (const [name, member] of Object.entries(members)) {
      if (value[name] === undefined) {
        if (member.traits?.['smithy.api#required'] !== undefined) violations.push(`${path}.${name}: required member missing`);
        continue;
      }
      this.check(member, value[name], `${path}.${name}`, violations);
    }
  }

  private checkPattern(traits: Record<string, unknown>, value: string, fail: (message: string) => void): void {
    const pattern = traits['smithy.api#pattern'] as string | undefined;
    if (pattern !== undefined && !this.regExpOf(pattern).test(value)) fail(`${JSON.stringify(value)} does not match ${pattern}`);
  }
}

function checkLength(traits: Record<string, unknown>, length: number, fail: (message: string) => void): void {
  const bounds = traits['smithy.api#length'] as { min?: number; max?: number } | undefined;
  if (bounds?.min !== undefined && length < bounds.min) fail(`length ${length} is below the minimum ${bounds.min}`);
  if (bounds?.max !== undefined && length > bounds.max) fail(`length ${length} is above the maximum ${bounds.max}`);
}

function checkRange(traits: Record<string, unknown>, value: number, fail: (message: string) => void): void {
  const range = traits['smithy.api#range'] as { min?: number; max?: number } | undefined;
  if (range?.min !== undefined && value < range.min) fail(`${value} is below the minimum ${range.min}`);
  if (range?.max !== undefined && value > range.max) fail(`${value} is above the maximum ${range.max}`);
}

function checkTimestamp(format: string, value: unknown, fail: (message: string) => void): void {
  if (format === 'epoch-seconds') {
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`expected epoch seconds, got ${JSON.stringify(value)}`);
  } else if (format === 'date-time') {
    if (typeof value !== 'string' || !DATE_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      fail(`expected an RFC 3339 date-time, got ${JSON.stringify(value)}`);
    }
  } else if (format === 'http-date') {
    if (typeof value !== 'string' || !HTTP_DATE.test(value)) fail(`expected an RFC 7231 http-date, got ${JSON.stringify(value)}`);
  } else {
    fail(`unknown timestampFormat ${format}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
}
