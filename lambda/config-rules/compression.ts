/** How the snapshots are written: gzip (`.ndjson.gz`) or not (`.ndjson`). The function's COMPRESSION, the stack's compression. */
const COMPRESSIONS = ['gzip', 'none'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** The problem with a compression value, case-sensitive (it reads after the value or after "it"); undefined: valid. */
export function compressionProblem(value: unknown): string | undefined {
  return (COMPRESSIONS as readonly unknown[]).includes(value) ? undefined : `must be ${COMPRESSIONS.join(' or ')}`;
}
