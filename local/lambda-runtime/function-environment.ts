/**
 * The environment of a local invocation: the function's variables exactly as the synthesized template sets them
 * (only the bucket, a `Ref` to the stack's bucket, becomes the local bucket, and a reference to an event bus of the
 * stack its local name or ARN), the variables Lambda itself sets that the code can observe, and the standard AWS
 * variables that point the SDK at the local servers.
 */
import * as path from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localAwsEnvironment, type LocalEndpoints } from '../local-aws-environment';
import { STACK_NAME, type CfnTemplate, type DeployableStack } from './deployable-stack';
import { resolveValue, type TemplateContext } from './template-values';

/** The account, Region and stack name of local runs. */
export const LOCAL_CONTEXT: TemplateContext = { accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, stackName: STACK_NAME };

/** Where and as what the function runs locally. */
export interface LocalTarget {
  /** Stands for the name CloudFormation would generate: AWS_LAMBDA_FUNCTION_NAME and the context's functionName. */
  functionName: string;
  /** The function's Region: AWS_REGION. */
  region: string;
  /** The local servers the SDK is pointed at. */
  endpoints: LocalEndpoints;
}

/** What the template says about the function, read once. */
export interface FunctionSettings {
  /** Variables of the function, with the bucket resolved to the local one. */
  variables: Record<string, string>;
  timeoutSeconds: number;
  memorySizeMb: number;
}

/** Everything an invocation of the deployed function needs but the event (the options of `invokeHandler`). */
export interface LocalFunction {
  bundleFile: string;
  /** The whole environment of the function's process. */
  env: Record<string, string>;
  functionName: string;
  timeoutMs: number;
  memorySizeMb: number;
}

/**
 * The function's settings from the template. The only tokens allowed in its variables are the snapshot bucket (which
 * becomes the local bucket) and an event bus of the stack (its name, or its ARN in the local account and Region).
 */
export function functionSettings(
  template: CfnTemplate,
  functionLogicalId: string,
  bucket: string,
  context: TemplateContext = LOCAL_CONTEXT,
): FunctionSettings {
  const props = template.Resources[functionLogicalId]?.Properties;
  if (!props) throw new Error(`The template has no resource ${functionLogicalId}`);
  const variables: Record<string, string> = {};
  const environment = props.Environment as { Variables?: Record<string, unknown> } | undefined;
  for (const [key, value] of Object.entries(environment?.Variables ?? {})) {
    if (typeof value === 'string') variables[key] = value;
    else if (isBucketRef(template, value)) variables[key] = bucket;
    else if (isEventBusReference(template, value)) variables[key] = String(resolveValue(value, template, context));
    else throw new Error(`The function variable ${key} is ${JSON.stringify(value)}, which cannot be resolved locally`);
  }
  return { variables, timeoutSeconds: Number(props.Timeout), memorySizeMb: Number(props.MemorySize) };
}

/**
 * The whole environment of the handler process (nothing is inherited from this process). `taskRoot` is the folder
 * of the deployed bundle: Lambda's LAMBDA_TASK_ROOT (/var/task), where files shipped with the code are.
 */
export function lambdaEnvironment(settings: FunctionSettings, target: LocalTarget, taskRoot: string): Record<string, string> {
  return {
    ...settings.variables,
    // Set by Lambda in every execution environment.
    AWS_REGION: target.region,
    AWS_DEFAULT_REGION: target.region,
    AWS_LAMBDA_FUNCTION_NAME: target.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(settings.memorySizeMb),
    LAMBDA_TASK_ROOT: taskRoot,
    TZ: ':UTC',
    // The execution role's credentials are the key pair the local servers accept; the same code, other endpoints.
    ...localAwsEnvironment(target.endpoints, target.region),
  };
}

/** The deployed function as it runs locally: its bundle, its environment, its name, timeout and memory. */
export function localFunction(stack: Pick<DeployableStack, 'bundleFile'>, settings: FunctionSettings, target: LocalTarget): LocalFunction {
  return {
    bundleFile: stack.bundleFile,
    env: lambdaEnvironment(settings, target, path.dirname(stack.bundleFile)),
    functionName: target.functionName,
    timeoutMs: settings.timeoutSeconds * 1000,
    memorySizeMb: settings.memorySizeMb,
  };
}

/** `Ref` to an AWS::Events::EventBus of the template (its name), or `Fn::GetAtt` of its Name or Arn. */
function isEventBusReference(template: CfnTemplate, value: unknown): boolean {
  const v = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | null;
  const id = typeof v?.Ref === 'string' ? v.Ref : Array.isArray(v?.['Fn::GetAtt']) ? (v['Fn::GetAtt'] as unknown[])[0] : undefined;
  return typeof id === 'string' && template.Resources[id]?.Type === 'AWS::Events::EventBus';
}

function isBucketRef(template: CfnTemplate, value: unknown): boolean {
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  return typeof ref === 'string' && template.Resources[ref]?.Type === 'AWS::S3::Bucket';
}
