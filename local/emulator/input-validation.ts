/**
 * Input constraints of the two operations, checked against the project's copies of the model's constraints
 * (`model-constants.ts`; the contract test proves they equal the model). Messages follow the AWS format
 * "N validation error(s) detected: Value '…' at '<member>' failed to satisfy constraint: …", so they name the field.
 */
import {
  ARN_MAX_LENGTH,
  ARN_MIN_LENGTH,
  AUDIENCE_GENERATION_JOB_ARN_PATTERN,
  CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN,
  MAX_RESULTS_MAX,
  MAX_RESULTS_MIN,
  NEXT_TOKEN_MAX_LENGTH,
  NEXT_TOKEN_MIN_LENGTH,
  UUID_LENGTH,
  UUID_PATTERN,
} from '../../lambda/cleanroomsml/model-constants';
import { ServiceError } from './wire';

/** Input of ListAudienceGenerationJobs after validation. */
export interface ListInput {
  collaborationId?: string;
  configuredAudienceModelArn?: string;
  /** The model has no default; the service uses 100. */
  maxResults: number;
  nextToken?: string;
}

const DEFAULT_MAX_RESULTS = 100;

interface StringConstraint {
  minLength: number;
  maxLength: number;
  pattern?: RegExp;
}

const UUID_CONSTRAINT: StringConstraint = { minLength: UUID_LENGTH, maxLength: UUID_LENGTH, pattern: UUID_PATTERN };
const MODEL_ARN_CONSTRAINT: StringConstraint = {
  minLength: ARN_MIN_LENGTH,
  maxLength: ARN_MAX_LENGTH,
  pattern: CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN,
};
const JOB_ARN_CONSTRAINT: StringConstraint = {
  minLength: ARN_MIN_LENGTH,
  maxLength: ARN_MAX_LENGTH,
  pattern: AUDIENCE_GENERATION_JOB_ARN_PATTERN,
};
const NEXT_TOKEN_CONSTRAINT: StringConstraint = { minLength: NEXT_TOKEN_MIN_LENGTH, maxLength: NEXT_TOKEN_MAX_LENGTH };

/** Collects violations so that one answer names every bad member, as AWS does. */
class Violations {
  private readonly messages: string[] = [];

  add(member: string, value: string, constraint: string): void {
    const shown = value.length > 64 ? `${value.slice(0, 64)}...` : value;
    this.messages.push(`Value '${shown}' at '${member}' failed to satisfy constraint: Member must ${constraint}`);
  }

  checkString(member: string, value: string | undefined, constraint: StringConstraint): void {
    if (value === undefined) return;
    // Smithy lengths count Unicode code points.
    const length = [...value].length;
    if (length < constraint.minLength) {
      this.add(member, value, `have length greater than or equal to ${constraint.minLength}`);
    } else if (length > constraint.maxLength) {
      this.add(member, value, `have length less than or equal to ${constraint.maxLength}`);
    } else if (constraint.pattern && !constraint.pattern.test(value)) {
      this.add(member, value, `satisfy regular expression pattern: ${constraint.pattern.source}`);
    }
  }

  throwIfAny(): void {
    if (this.messages.length === 0) return;
    const count = this.messages.length;
    throw new ServiceError(
      'ValidationException',
      `${count} validation error${count === 1 ? '' : 's'} detected: ${this.messages.join('; ')}`,
    );
  }
}

/** The first value of a query parameter; a repeated parameter is read as AWS reads it, first one wins. */
function first(query: Record<string, string[]>, name: string): string | undefined {
  return query[name]?.[0];
}

/** Reads and validates the `httpQuery` members of ListAudienceGenerationJobs; other parameters are ignored. */
export function parseListInput(query: Record<string, string[]>): ListInput {
  const violations = new Violations();
  const collaborationId = first(query, 'collaborationId');
  const configuredAudienceModelArn = first(query, 'configuredAudienceModelArn');
  const nextToken = first(query, 'nextToken');
  const maxResultsText = first(query, 'maxResults');

  violations.checkString('collaborationId', collaborationId, UUID_CONSTRAINT);
  violations.checkString('configuredAudienceModelArn', configuredAudienceModelArn, MODEL_ARN_CONSTRAINT);
  violations.checkString('nextToken', nextToken, NEXT_TOKEN_CONSTRAINT);

  let maxResults = DEFAULT_MAX_RESULTS;
  if (maxResultsText !== undefined) {
    maxResults = Number(maxResultsText);
    if (!/^[+-]?\d+$/.test(maxResultsText.trim())) {
      violations.add('maxResults', maxResultsText, 'be an integer');
    } else if (maxResults < MAX_RESULTS_MIN) {
      violations.add('maxResults', maxResultsText, `have value greater than or equal to ${MAX_RESULTS_MIN}`);
    } else if (maxResults > MAX_RESULTS_MAX) {
      violations.add('maxResults', maxResultsText, `have value less than or equal to ${MAX_RESULTS_MAX}`);
    }
  }
  violations.throwIfAny();
  return { collaborationId, configuredAudienceModelArn, maxResults, nextToken };
}

/** Validates the decoded `audienceGenerationJobArn` label of GetAudienceGenerationJob. */
export function validateJobArn(audienceGenerationJobArn: string): void {
  const violations = new Violations();
  violations.checkString('audienceGenerationJobArn', audienceGenerationJobArn, JOB_ARN_CONSTRAINT);
  violations.throwIfAny();
}
