/**
 * The environment of the local invocation: the function's variables exactly as the synthesized template sets them
 * (only the bucket, a `Ref` to the stack's bucket, becomes the local bucket), the variables Lambda itself sets that
 * the code can observe, and the standard AWS variables that point the SDK at the local servers.
 */
import type { CfnTemplate } from '../deployable-bundle';
import { localAwsEnvironment } from '../local-aws-environment';

/** The local servers and the credentials both accept. */
export interface LocalTarget {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  cleanRoomsMlEndpoint: string;
  s3Endpoint: string;
  stsEndpoint: string;
  bucket: string;
  /** Folder of the deployed bundle: Lambda's LAMBDA_TASK_ROOT (/var/task), where files shipped with the code are. */
  taskRoot: string;
}

/** What the template says about the function, read once. */
export interface FunctionSettings {
  /** Variables of the function, with the bucket resolved to the local one. */
  variables: Record<string, string>;
  timeoutSeconds: number;
  memorySizeMb: number;
}

/** The function's settings from the template; the only token allowed in its variables is the snapshot bucket. */
export function functionSettings(template: CfnTemplate, functionLogicalId: string, bucket: string): FunctionSettings {
  const props = template.Resources[functionLogicalId]?.Properties;
  if (!props) throw new Error(`The template has no resource ${functionLogicalId}`);
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries((props.Environment?.Variables ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'string') variables[key] = value;
    else if (isBucketRef(template, value)) variables[key] = bucket;
    else throw new Error(`The function variable ${key} is ${JSON.stringify(value)}, which cannot be resolved locally`);
  }
  return { variables, timeoutSeconds: Number(props.Timeout), memorySizeMb: Number(props.MemorySize) };
}

/** The whole environment of the handler process (nothing is inherited from this process). */
export function lambdaEnvironment(settings: FunctionSettings, target: LocalTarget, functionName: string): Record<string, string> {
  return {
    ...settings.variables,
    // Set by Lambda in every execution environment.
    AWS_REGION: target.region,
    AWS_DEFAULT_REGION: target.region,
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memorySizeMb),
    LAMBDA_TASK_ROOT: target.taskRoot,
    TZ: ':UTC',
    // The execution role's credentials are the key pair both local servers accept; the same code, other endpoints.
    ...localAwsEnvironment({ cleanRoomsMl: target.cleanRoomsMlEndpoint, s3: target.s3Endpoint, sts: target.stsEndpoint }, target.region),
  };
}

function isBucketRef(template: CfnTemplate, value: unknown): boolean {
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  return typeof ref === 'string' && template.Resources[ref]?.Type === 'AWS::S3::Bucket';
}
