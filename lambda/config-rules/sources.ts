/**
 * The list of sources: where jobs are read. Each source is one Region, read with the function's own credentials or
 * through an IAM role (with an optional external id), and its collaborations (listed, or `*`).
 *
 * Pure and shared: the function's configuration (`EXPORT_SOURCES`) and the stack's (context `sources`) both call
 * {@link parseSourceList}, so a list the stack accepts is a list the function accepts. Every problem is collected,
 * each naming where it is and the value.
 */
import { LIMITS } from '../commons/constants';
import { describeValue } from '../commons/describe-value';
import { type CollaborationSelection, parseCollaborationSelection } from './collaboration-ids';

export interface SourceSpec {
  /** Region whose Clean Rooms ML endpoint is read, and signed for. */
  readonly region: string;
  /** Role to assume for this source; undefined: the function's own credentials. */
  readonly roleArn: string | undefined;
  /** `sts:ExternalId` given when assuming the role. */
  readonly externalId: string | undefined;
  readonly collaborations: CollaborationSelection;
}

/** The keys of one source object, as written in `EXPORT_SOURCES` and in context `sources`. */
export const SOURCE_KEYS = ['region', 'roleArn', 'externalId', 'collaborationIds'] as const;

/** A Region name such as `eu-west-1`, `us-gov-west-1` or `cn-north-1`. */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** An IAM role ARN; the account is the fifth field, the name at most 64 characters after an optional path. */
export const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
/** `sts:AssumeRole` ExternalId: 2 to 1224 characters of this alphabet. */
export const EXTERNAL_ID_PATTERN = /^[\w+=,.@:/-]{2,1224}$/;

/**
 * An `sts:ExternalId`: a source's externalId, and the reader role stack's externalId. The problem reads after the
 * value or after "it"; undefined: valid.
 */
export function externalIdProblem(value: unknown): string | undefined {
  if (typeof value === 'string' && EXTERNAL_ID_PATTERN.test(value)) return undefined;
  return 'must be 2 to 1224 letters, digits or the characters _ + = , . @ : / -';
}

/**
 * A JSON list of sources (text, or already parsed), e.g.
 * `[{"region":"eu-west-1","roleArn":"arn:aws:iam::444455556666:role/AudienceJobsReader","collaborationIds":"*"}]`.
 * `name` names the value in problems (`EXPORT_SOURCES`, `sources`).
 */
export function parseSourceList(value: unknown, name: string, problems: string[]): SourceSpec[] | undefined {
  let list: unknown = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch (error) {
      problems.push(
        `${name} is not valid JSON (${(error as Error).message}); expected a list such as [{"region":"eu-west-1","collaborationIds":"*"}]`,
      );
      return undefined;
    }
  }
  if (!Array.isArray(list)) {
    problems.push(
      `${name} ${describe(list)} is not a list; expected a JSON list of sources such as [{"region":"eu-west-1","collaborationIds":"*"}]`,
    );
    return undefined;
  }
  if (list.length === 0) {
    problems.push(`${name} is an empty list; give at least one source`);
    return undefined;
  }
  if (list.length > LIMITS.MAX_SOURCES) {
    problems.push(`${name} lists ${list.length} sources; at most ${LIMITS.MAX_SOURCES} are supported`);
    return undefined;
  }
  const before = problems.length;
  const sources = list.map((item, index) => parseSource(item, `${name}[${index}]`, problems));
  const firstOf = new Map<string, number>();
  sources.forEach((source, index) => {
    if (!source) return;
    const identity = `${source.region} ${source.roleArn ?? ''}`;
    const first = firstOf.get(identity);
    if (first === undefined) firstOf.set(identity, index);
    else {
      problems.push(
        `${name}[${index}] repeats the region ${source.region} and ${source.roleArn ? `role ${source.roleArn}` : "the function's own credentials"} of ${name}[${first}]; merge their collaborationIds into one source`,
      );
    }
  });
  return problems.length === before ? (sources as SourceSpec[]) : undefined;
}

function parseSource(item: unknown, where: string, problems: string[]): SourceSpec | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) {
    problems.push(`${where} ${describe(item)} is not an object with region and collaborationIds`);
    return undefined;
  }
  const before = problems.length;
  const record = item as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(SOURCE_KEYS as readonly string[]).includes(key))
      problems.push(`${where} has an unknown key ${JSON.stringify(key)}; the keys are ${SOURCE_KEYS.join(', ')}`);
  }
  const { region, roleArn, externalId, collaborationIds } = record;
  if (typeof region !== 'string' || !REGION_PATTERN.test(region)) {
    problems.push(`${where}.region ${describe(region)} is not a Region name such as eu-west-1`);
  }
  if (roleArn !== undefined && (typeof roleArn !== 'string' || !ROLE_ARN_PATTERN.test(roleArn))) {
    problems.push(`${where}.roleArn ${describe(roleArn)} is not an IAM role ARN such as arn:aws:iam::444455556666:role/AudienceJobsReader`);
  }
  if (externalId !== undefined) {
    const problem = externalIdProblem(externalId);
    if (problem !== undefined) {
      problems.push(`${where}.externalId ${describe(externalId)} ${problem}`);
    } else if (roleArn === undefined) {
      problems.push(`${where}.externalId is given without a roleArn; an external id is only used when assuming a role`);
    }
  }
  let collaborations: CollaborationSelection | undefined;
  if (collaborationIds === '*' || Array.isArray(collaborationIds)) {
    collaborations = parseCollaborationSelection(collaborationIds as unknown[] | '*', `${where}.collaborationIds`, problems);
  } else {
    problems.push(`${where}.collaborationIds ${describe(collaborationIds)} must be a list of collaboration ids, or "*"`);
  }
  if (problems.length !== before) return undefined;
  return {
    region: region as string,
    roleArn: roleArn as string | undefined,
    externalId: externalId as string | undefined,
    collaborations: collaborations!,
  };
}

/** The account id in a role ARN. */
export function roleAccountId(roleArn: string): string | undefined {
  return ROLE_ARN_PATTERN.exec(roleArn)?.[2];
}

function describe(value: unknown): string {
  return describeValue(value, { maxLength: 120, missing: '(missing)' });
}
