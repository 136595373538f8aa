/** How an error message quotes a value: the one rule of the configuration checks, the event check and the CDK app. */
export interface DescribeValueOptions {
  /** Longest text shown; a longer one is cut and ends in `...` (the message still names the item at fault). */
  maxLength: number;
  /** How a string is quoted. Default: as JSON (`"x"`). */
  quote?: (text: string) => string;
  /** What `undefined` reads as. Default: `undefined`. */
  missing?: string;
}

/**
 * `value` as an error message shows it: a string quoted, anything else as JSON; where JSON has no text (a function, a
 * symbol, a cycle, a BigInt) its own tag, so that the message never says "undefined" for a value that was there.
 */
export function describeValue(value: unknown, options: DescribeValueOptions): string {
  const { maxLength, quote = JSON.stringify, missing = 'undefined' } = options;
  const text = value === undefined ? missing : typeof value === 'string' ? quote(value) : jsonOrTag(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
}

function jsonOrTag(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
  } catch {
    // a cycle or a BigInt: the tag below
  }
  return typeof value === 'function' || typeof value === 'symbol' ? value.toString() : Object.prototype.toString.call(value);
}
