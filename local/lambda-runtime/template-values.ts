/**
 * The values of a synthesized template's intrinsic functions, as far as a local run can know them: pseudo parameters
 * (the local account, Region, stack name), `Ref` and `Fn::GetAtt` of the stack's own resources (a resource's name
 * where its properties give one, an ARN built from it), `Fn::Join`, `Fn::Sub` and `Fn::Select`. What cannot be known
 * (an attribute that only CloudFormation assigns) becomes `<LogicalId.Attribute>`, so that a message still reads.
 */
import type { CfnTemplate } from './deployable-stack';

export interface TemplateContext {
  accountId: string;
  region: string;
  stackName: string;
}

/** The name a resource's properties give it, by type; else its logical id. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::Events::EventBus': 'Name',
  'AWS::Events::Rule': 'Name',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Athena::WorkGroup': 'Name',
  'AWS::Glue::Database': 'DatabaseInput.Name',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::CloudWatch::Alarm': 'AlarmName',
};

/** Resolves every intrinsic function in `value` (deeply) to plain JSON. */
export function resolveValue(value: unknown, template: CfnTemplate, context: TemplateContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, template, context));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [[fn, args]] = entries as [[string, unknown]];
    switch (fn) {
      case 'Ref':
        return refOf(String(args), template, context);
      case 'Fn::GetAtt': {
        const [id, attribute] = Array.isArray(args) ? (args as string[]) : String(args).split('.');
        return attributeOf(String(id), String(attribute), template, context);
      }
      case 'Fn::Join': {
        const [separator, parts] = args as [string, unknown[]];
        return (resolveValue(parts, template, context) as unknown[]).map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = args as [number | string, unknown];
        return (resolveValue(list, template, context) as unknown[])[Number(index)];
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(args) ? (args as [string, Record<string, unknown>]) : [String(args), {}];
        const own = resolveValue(variables, template, context) as Record<string, unknown>;
        return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
          if (name in own) return String(own[name]);
          if (!name.includes('.')) return String(refOf(name, template, context));
          const [id, attribute] = split2(name);
          return String(attributeOf(id, attribute, template, context));
        });
      }
      default:
        break;
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveValue(v, template, context)]));
}

/** The name of a resource: its name property when it is plain text, else its logical id. */
export function resourceName(logicalId: string, template: CfnTemplate, context: TemplateContext): string {
  const resource = template.Resources[logicalId];
  if (!resource) return logicalId;
  const path = NAME_PROPERTY[resource.Type];
  let named: unknown = resource.Properties;
  for (const key of path?.split('.') ?? []) named = (named as Record<string, unknown> | undefined)?.[key];
  if (path === undefined || named === undefined) return logicalId;
  const resolved = resolveValue(named, template, context);
  return typeof resolved === 'string' ? resolved : logicalId;
}

function refOf(name: string, template: CfnTemplate, context: TemplateContext): unknown {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::NoValue':
      return undefined;
    default:
      break;
  }
  const parameters = (template as { Parameters?: Record<string, { Default?: unknown }> }).Parameters;
  if (parameters?.[name]) return parameters[name].Default ?? name;
  const resource = template.Resources[name];
  if (!resource) return name;
  // What Ref gives for the types a message or a target names: a topic's and a queue's URL-ish identity is their ARN/URL.
  if (resource.Type === 'AWS::SNS::Topic') return arnOf(name, template, context);
  return resourceName(name, template, context);
}

function attributeOf(logicalId: string, attribute: string, template: CfnTemplate, context: TemplateContext): unknown {
  const resource = template.Resources[logicalId];
  if (resource && attribute === 'Arn') return arnOf(logicalId, template, context);
  if (resource && (attribute === 'Name' || attribute === 'TopicName' || attribute === 'QueueName'))
    return resourceName(logicalId, template, context);
  return `<${logicalId}.${attribute}>`;
}

function arnOf(logicalId: string, template: CfnTemplate, context: TemplateContext): string {
  const { region, accountId } = context;
  const resource = template.Resources[logicalId];
  const name = resourceName(logicalId, template, context);
  switch (resource.Type) {
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${region}:${accountId}:${name}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${region}:${accountId}:${name}`;
    case 'AWS::Events::EventBus':
      return `arn:aws:events:${region}:${accountId}:event-bus/${name}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${region}:${accountId}:function:${name}`;
    default:
      return `<${logicalId}.Arn>`;
  }
}

function split2(text: string): [string, string] {
  const dot = text.indexOf('.');
  return [text.slice(0, dot), text.slice(dot + 1)];
}
