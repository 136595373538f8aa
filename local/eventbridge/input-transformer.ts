/**
 * A rule target's input transformer, rendered as EventBridge renders it (pure): the variables of `InputPathsMap`
 * are read from the event with EventBridge's JSONPath subset (dot notation, dashes, underscores, array indices,
 * wildcards), then put into `InputTemplate` where it says `<name>`. The rules, from the user guide ("Amazon
 * EventBridge input transformation") and the API reference (InputTransformer):
 *
 * - A template that is a JSON object or array (it starts with `{` or `[`): a placeholder in a value position is
 *   replaced by the value as JSON, a string value in quotes (`"state": <state>` → `"state": "RUNNING"`); a
 *   placeholder inside a string literal gets the bare text (`"<instance> is in <state>"`). The JSON passed to the
 *   target is minified.
 * - Any other template is text: every placeholder gets the bare text, nothing is quoted for it. A one-line
 *   template in quotes keeps its quotes (`"instance <instance> is in <state>"` → `"instance i-0123456789 is in
 *   RUNNING"`); a template of several lines, each one a quoted string, is delivered as those strings on lines of
 *   their own, without the quotes (the documented way to send multi-line text, e.g. to SNS email).
 * - EventBridge does not escape the values it puts in: a value with a quote in it can break the JSON.
 * - As bare text, an object or array value loses its inner quotes (`{"a":"b"}` → `{a:b}`).
 * - A path that is absent from the event defines no variable: its placeholder becomes nothing inside text, and
 *   `null` in a JSON value position (where nothing would be invalid JSON). A value that is present and null is
 *   `null` either way.
 * - Predefined variables: `aws.events.rule-arn`, `aws.events.rule-name`, `aws.events.event.ingestion-time`,
 *   `aws.events.event` (the event without `detail`) and `aws.events.event.json` (the whole event).
 */

/** As in CloudFormation (AWS::Events::Rule Target InputTransformer) and the API. */
export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

/** Values of the predefined variables. */
export interface RenderOptions {
  ruleArn?: string;
  ruleName?: string;
  /** ISO 8601; default the event's `time`. */
  ingestionTime?: string;
}

/** Placeholder names: what InputPathsMap keys may be, and the predefined `aws.events.…` names. */
const PLACEHOLDER = /<([\w.-]+)>/y;
const ABSENT = Symbol('absent');
/** A value read from the event, or ABSENT. */
type Value = unknown;

/** The message the target receives for this event. */
export function renderInputTransformer(transformer: InputTransformer, event: Record<string, unknown>, options: RenderOptions = {}): string {
  const variables = new Map<string, Value>();
  const { detail, ...withoutDetail } = event;
  void detail;
  variables.set('aws.events.rule-arn', options.ruleArn ?? ABSENT);
  variables.set('aws.events.rule-name', options.ruleName ?? ABSENT);
  variables.set('aws.events.event.ingestion-time', options.ingestionTime ?? (typeof event.time === 'string' ? event.time : ABSENT));
  variables.set('aws.events.event', withoutDetail);
  variables.set('aws.events.event.json', event);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {})) variables.set(name, readPath(event, path));

  const template = transformer.InputTemplate;
  const json = /^\s*[{[]/.test(template);
  const substituted = substitute(template, variables, json);
  if (json) {
    try {
      return JSON.stringify(JSON.parse(substituted));
    } catch {
      // Not valid JSON once filled in (an unescaped quote in a value): delivered as it is.
      return substituted;
    }
  }
  return multiLineText(substituted) ?? substituted;
}

/**
 * Reads a JSONPath of EventBridge's subset: `$`, `.name` (dashes, underscores, any character but `.` and `[`),
 * `[0]`, `[*]` and `.*`. A wildcard collects the matches into an array. Returns `ABSENT` where nothing is.
 */
export function readPath(root: unknown, path: string): Value {
  if (!path.startsWith('$')) throw new RangeError(`an InputPathsMap path starts with $: ${path}`);
  const segments: (string | number)[] = [];
  const grammar = /\.([^.[\]]+)|\[(\d+|\*)\]/y;
  let at = 1;
  while (at < path.length) {
    grammar.lastIndex = at;
    const match = grammar.exec(path);
    if (!match) throw new RangeError(`unsupported JSONPath syntax in ${path} at ${at}`);
    const [, name, index] = match;
    segments.push(name !== undefined ? name : index === '*' ? '*' : Number(index));
    at = grammar.lastIndex;
  }
  return walk(root, segments);
}

function walk(value: unknown, segments: readonly (string | number)[]): Value {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  if (head === '*') {
    const children = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [];
    const found = children.map((child) => walk(child, rest)).filter((v) => v !== ABSENT);
    return found.length > 0 ? found : ABSENT;
  }
  if (typeof head === 'number') return Array.isArray(value) && head < value.length ? walk(value[head], rest) : ABSENT;
  return isObject(value) && Object.prototype.hasOwnProperty.call(value, head) ? walk(value[head], rest) : ABSENT;
}

/** Fills the placeholders in, telling string literals of a JSON template from its value positions. */
function substitute(template: string, variables: ReadonlyMap<string, Value>, json: boolean): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length;) {
    const char = template[i];
    if (json && inString && char === '\\') {
      out += template.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (json && char === '"') {
      inString = !inString;
      out += char;
      i++;
      continue;
    }
    if (char === '<') {
      PLACEHOLDER.lastIndex = i;
      const match = PLACEHOLDER.exec(template);
      if (match && variables.has(match[1])) {
        const value = variables.get(match[1]);
        out += json && !inString ? asJsonValue(value) : asText(value);
        i = PLACEHOLDER.lastIndex;
        continue;
      }
    }
    out += char;
    i++;
  }
  return out;
}

/** In a JSON value position: strings quoted as they are (not escaped), the rest as JSON; absent is null. */
function asJsonValue(value: Value): string {
  if (value === ABSENT) return 'null';
  if (typeof value === 'string') return `"${value}"`;
  return JSON.stringify(value) ?? 'null';
}

/** As bare text: strings as they are, objects and arrays without their quotes; absent is nothing. */
function asText(value: Value): string {
  if (value === ABSENT) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value).replace(/"/g, '');
  return String(value);
}

/** Several lines, each a quoted string: the strings, one per line. Otherwise undefined. */
function multiLineText(text: string): string | undefined {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (lines.length < 2 || !lines.every((l) => l.length >= 2 && l.startsWith('"') && l.endsWith('"'))) return undefined;
  return lines.map(decodeLine).join('\n');
}

function decodeLine(line: string): string {
  try {
    const decoded: unknown = JSON.parse(line);
    if (typeof decoded === 'string') return decoded;
  } catch {
    // A value with a quote in it: strip the outer quotes and undo the template's own escapes.
  }
  return line.slice(1, -1).replace(/\\(["\\/])/g, '$1');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
