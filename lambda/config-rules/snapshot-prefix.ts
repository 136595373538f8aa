/** Longest key prefix accepted: it leaves room for `dt=YYYY-MM-DD/` and the object name within S3's 1,024-byte keys. */
export const MAX_SNAPSHOT_PREFIX_LENGTH = 512;

/**
 * The key prefix of every object the exporter writes: the function's SNAPSHOT_PREFIX and the stack's snapshotPrefix.
 * Path segments of letters, digits, `.`, `_`, `-` and `=`, each followed by `/`. The prefix is also the IAM resource
 * scope of the writes (`bucket/prefix*`) and the Athena table location, hence the strict alphabet: no `*` or `?` (IAM
 * wildcards), no `!`, `'`, `(`, `)`, `$` or spaces, no empty, `.` or `..` segment; and no `dt=` segment, because the
 * exporter adds `dt=YYYY-MM-DD/` itself and Athena projects that one partition.
 *
 * The empty prefix (the bucket's root) passes this rule: the function may write there (e.g. the CLI into a bucket of
 * its own). The stack refuses it on top of this rule (see lib/config.ts).
 *
 * The problem reads after "it" (`... is not a valid key prefix: it must end with /`); undefined: valid.
 */
export function snapshotPrefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (prefix.startsWith('/')) return 'must not start with /';
  if (!prefix.endsWith('/')) return 'must end with /';
  if (prefix.length > MAX_SNAPSHOT_PREFIX_LENGTH) return `must be at most ${MAX_SNAPSHOT_PREFIX_LENGTH} characters`;
  if (!/^[A-Za-z0-9._=/-]+$/.test(prefix)) return 'may contain only letters, digits, / and the characters _ . = -';
  const segments = prefix.slice(0, -1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'must not contain empty, . or .. path segments';
  if (segments.some((s) => s.startsWith('dt='))) return 'must not contain a dt= segment: the exporter adds dt=YYYY-MM-DD/ itself';
  return undefined;
}
