/**
 * Collaboration ids, as the function's COLLABORATION_IDS, each source's collaborationIds and the stack's
 * collaborationIds give them. Each id is checked by {@link collaborationIdProblem}; every bad item is reported.
 */
import { UUID_PATTERN } from '../cleanroomsml/model-constants';
import { LIMITS } from '../commons/constants';

/** What to export from one source: listed collaborations, or every job the source can see (`*`). */
export type CollaborationSelection = { kind: 'listed'; collaborationIds: readonly string[] } | { kind: 'all' };

/**
 * A collaboration id as the API returns it (a lowercase UUID). The problem reads after the item
 * (`item 2 "x" is not a collaboration id ...`), or starts with `:` when it reads better after a colon; undefined: valid.
 */
export function collaborationIdProblem(id: string): string | undefined {
  if (id === '*') return ': * must stand alone, not in a list';
  if (id === '') return 'is empty (check for doubled or trailing commas)';
  if (/\s/.test(id)) return 'contains whitespace; separate ids with a comma only';
  if (!UUID_PATTERN.test(id) && UUID_PATTERN.test(id.toLowerCase())) return `must be lowercase, as the API returns it: ${id.toLowerCase()}`;
  if (!UUID_PATTERN.test(id)) return 'is not a collaboration id (a UUID such as 3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01)';
  return undefined;
}

/** How a problem names item `index` (0-based) of the list `where`: `COLLABORATION_IDS item 2 "x"`. */
function itemName(where: string, index: number, item: unknown): string {
  return `${where} item ${index + 1} ${JSON.stringify(item)}`;
}

/** The problem with item `index` (0-based) of the list `where`, naming the item: not a string, or not an id. */
export function collaborationItemProblem(item: unknown, index: number, where: string): string | undefined {
  const at = itemName(where, index, item);
  if (typeof item !== 'string') return `${at} is not a string`;
  const problem = collaborationIdProblem(item);
  if (problem === undefined) return undefined;
  return problem.startsWith(':') ? `${at}${problem}` : `${at} ${problem}`;
}

/** The problem of a list with no item. */
export function noCollaborationProblem(where: string): string {
  return `${where} lists no collaboration; list collaboration ids, or give * for every collaboration`;
}

/**
 * The function's form: collaboration ids (each checked by {@link collaborationItemProblem}, no repeats, at most
 * `LIMITS.MAX_COLLABORATIONS`), or `*` alone. `where` names the value in problems, e.g. `COLLABORATION_IDS`.
 */
export function parseCollaborationSelection(
  items: readonly unknown[] | '*',
  where: string,
  problems: string[],
): CollaborationSelection | undefined {
  if (items === '*') return { kind: 'all' };
  if (items.length === 1 && items[0] === '*') return { kind: 'all' };
  if (items.length === 0) {
    problems.push(noCollaborationProblem(where));
    return undefined;
  }
  if (items.length > LIMITS.MAX_COLLABORATIONS) {
    problems.push(
      `${where} lists ${items.length} collaborations; at most ${LIMITS.MAX_COLLABORATIONS} are supported per run (use * to export every collaboration)`,
    );
    return undefined;
  }
  const before = problems.length;
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const problem = collaborationItemProblem(item, index, where);
    if (problem !== undefined) problems.push(problem);
    else if (seen.has(item as string)) problems.push(`${itemName(where, index, item)} is listed twice`);
    else seen.add(item as string);
  });
  return problems.length === before ? { kind: 'listed', collaborationIds: [...seen] } : undefined;
}
