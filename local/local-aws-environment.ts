/**
 * The standard AWS variables that point the unchanged exporter at the local servers: the emulator for Clean Rooms
 * ML, the local STS, s3rver for S3 and the local EventBridge. Shared by the tests, `npm start` and the benchmark.
 */

/** s3rver accepts only its own key pair, so the emulator and STS are given the same one: one credential chain for all. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const LOCAL_REGION = 'us-east-1';
/** The account the local credentials belong to (what STS GetCallerIdentity answers for them). */
export const LOCAL_ACCOUNT_ID = '111122223333';

export interface LocalEndpoints {
  cleanRoomsMl: string;
  s3: string;
  sts: string;
  /**
   * The local EventBridge (AWS_ENDPOINT_URL_EVENTBRIDGE, which the SDK's EventBridge client honours). Optional for
   * callers that start no EventBridge; without it the variable is not set, and an exporter that sends status events
   * would reach for the real EventBridge.
   */
  eventBridge?: string;
}

export function localAwsEnvironment(endpoints: LocalEndpoints, region = LOCAL_REGION): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_CLEANROOMSML: endpoints.cleanRoomsMl,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_STS: endpoints.sts,
    ...(endpoints.eventBridge === undefined ? {} : { AWS_ENDPOINT_URL_EVENTBRIDGE: endpoints.eventBridge }),
    // s3rver stores aws-chunked bodies with their framing, and sends no checksums.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    AWS_EC2_METADATA_DISABLED: 'true',
    // Lambda runs Node.js 24; this machine may run an older Node.js that the SDK warns about.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
