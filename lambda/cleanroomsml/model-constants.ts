/**
 * Constraints of the AWS Clean Rooms ML API (Smithy model `com.amazonaws.cleanroomsml`, version 2023-09-06)
 * that this project relies on. They live in our code so that the Lambda bundle never reads the model;
 * `test/lambda/cleanroomsml/model-contract.test.ts` proves that each one equals the official model.
 */

/** Signing name of the `aws.auth#sigv4` trait, and the ARN namespace. */
export const SIGNING_NAME = 'cleanrooms-ml';
/** Endpoint prefix of `https://cleanrooms-ml.{Region}.{dnsSuffix}` in the endpoint rule set. */
export const ENDPOINT_PREFIX = 'cleanrooms-ml';
/** `aws.api#service` sdkId, which names the `AWS_ENDPOINT_URL_<SDKID>` override. */
export const SDK_ID = 'CleanRoomsML';

export const LIST_AUDIENCE_GENERATION_JOBS_PATH = '/audience-generation-job';
export const GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX = '/audience-generation-job/';

/** `UUID` shape. */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const UUID_LENGTH = 36;

/** `AudienceGenerationJobArn` shape. */
export const AUDIENCE_GENERATION_JOB_ARN_PATTERN =
  /^arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:audience-generation-job\/[-a-zA-Z0-9_/.]+$/;
/** `ConfiguredAudienceModelArn` shape. */
export const CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN =
  /^arn:aws[-a-z]*:cleanrooms-ml:[-a-z0-9]+:[0-9]{12}:configured-audience-model\/[-a-zA-Z0-9_/.]+$/;
/** Both ARN shapes share these length bounds. */
export const ARN_MIN_LENGTH = 20;
export const ARN_MAX_LENGTH = 2048;

/** `AccountId` shape. */
export const ACCOUNT_ID_PATTERN = /^[0-9]{12}$/;

/** `NameString` shape. */
export const NAME_MIN_LENGTH = 1;
export const NAME_MAX_LENGTH = 63;
/** `ResourceDescription` shape. */
export const DESCRIPTION_MAX_LENGTH = 255;

/** `MaxResults` shape (range). */
export const MAX_RESULTS_MIN = 1;
export const MAX_RESULTS_MAX = 100;

/** `NextToken` shape (length). */
export const NEXT_TOKEN_MIN_LENGTH = 1;
export const NEXT_TOKEN_MAX_LENGTH = 10240;

/** `AudienceGenerationJobStatus` enum, in model order. */
export const AUDIENCE_GENERATION_JOB_STATUSES = [
  'CREATE_PENDING',
  'CREATE_IN_PROGRESS',
  'CREATE_FAILED',
  'ACTIVE',
  'DELETE_PENDING',
  'DELETE_IN_PROGRESS',
  'DELETE_FAILED',
] as const;
export type AudienceGenerationJobStatus = (typeof AUDIENCE_GENERATION_JOB_STATUSES)[number];

/** Statuses whose `statusDetails` the exporter fetches with GetAudienceGenerationJob. */
export const FAILED_STATUSES: readonly AudienceGenerationJobStatus[] = ['CREATE_FAILED', 'DELETE_FAILED'];

/** Error shapes of the service with their `smithy.api#httpError` codes. */
export const ERROR_HTTP_STATUS = {
  AccessDeniedException: 403,
  ConflictException: 409,
  InternalServiceException: 500,
  ResourceNotFoundException: 404,
  ServiceQuotaExceededException: 402,
  ThrottlingException: 429,
  ValidationException: 400,
} as const;
export type CleanRoomsMLErrorName = keyof typeof ERROR_HTTP_STATUS;
