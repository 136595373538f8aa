/**
 * A value read back from DuckDB, a template or a JSON log line or event, as text: a string as it is, another scalar
 * (null and undefined included) as String writes it, an object or a list as JSON.
 */
export function text(value: unknown): string {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}
