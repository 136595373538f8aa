import { ARN_MAX_LENGTH, ARN_MIN_LENGTH, CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN } from '../cleanroomsml/model-constants';

/**
 * The optional ConfiguredAudienceModelArn filter: the function's CONFIGURED_AUDIENCE_MODEL_ARN and the stack's
 * configuredAudienceModelArn, by the model's length bounds and pattern. The problem says what is expected
 * (`... is not a configured audience model ARN: expected arn:aws:cleanrooms-ml:...`); undefined: valid.
 */
export function configuredAudienceModelArnProblem(arn: string): string | undefined {
  if (arn.length >= ARN_MIN_LENGTH && arn.length <= ARN_MAX_LENGTH && CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN.test(arn)) return undefined;
  return 'expected arn:aws:cleanrooms-ml:<region>:<12-digit account>:configured-audience-model/<id>';
}
