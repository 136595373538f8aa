/** Readable, valid collaboration ids for tests: `00000000-0000-4000-8000-0000000000NN`. */
export function collaborationId(n: number): string {
  return `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
}
