import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { STATUS_EVENT } from '../../lambda/commons/constants';
import { DEFAULT_EVENT_BUS_NAME } from '../../lambda/config-rules/event-bus-name';

/** The changes that page someone: a job that appeared, or moved, into a failed status. `removed` never does. */
export const NOTIFIED_CHANGES = ['created', 'status_changed'] as const;
/** The statuses that page someone. */
export const NOTIFIED_STATUSES = ['DELETE_FAILED', 'CREATE_FAILED'] as const;
/** The runbook section of a failed-job message (`## New failed job`). */
export const FAILED_JOB_RUNBOOK = 'docs/runbook.md#new-failed-job';
/** Suffix of the rule's name, after the stack name. */
export const FAILED_JOB_RULE_SUFFIX = 'NewFailedJob';
/** EventBridge rule names: 1 to 64 of letters, digits and `. - _`. */
const MAX_RULE_NAME_LENGTH = 64;
/** The principal EventBridge publishes to SNS (and uses the topic's key) as. */
const EVENTS_PRINCIPAL = 'events.amazonaws.com';

/** The event pattern of the rule: the exporter's status-change events of a job that is now DELETE_FAILED or CREATE_FAILED. */
export function failedJobEventPattern(): events.EventPattern {
  return {
    source: [STATUS_EVENT.SOURCE],
    detailType: [STATUS_EVENT.DETAIL_TYPE],
    detail: { change: [...NOTIFIED_CHANGES], status: [...NOTIFIED_STATUSES] },
  };
}

/** The variables of the message: each a field of the event's `detail` (lambda's status-change event). */
export const FAILED_JOB_INPUT_PATHS: Readonly<Record<string, string>> = {
  name: '$.detail.name',
  job_arn: '$.detail.audience_generation_job_arn',
  collaboration_id: '$.detail.collaboration_id',
  account_id: '$.detail.account_id',
  region: '$.detail.region',
  status: '$.detail.status',
  previous_status: '$.detail.previous_status',
  change: '$.detail.change',
  status_code: '$.detail.status_details.status_code',
  status_message: '$.detail.status_details.message',
  update_time: '$.detail.update_time',
  snapshot_time: '$.detail.snapshot_time',
  event_id: '$.detail.event_id',
};

/**
 * The message a person gets (email and any other subscriber of the alarm topic): plain text, one fact a line, not
 * JSON, so that an email reader sees lines and no quotes. `<variable>` is an InputPathsMap variable; a field the event
 * holds as null (the status details of a job without any, the previous status of a new job) comes out empty or null.
 */
export function failedJobMessageTemplate(
  workGroupName: string,
  queryNames: { readonly transitions: string; readonly longDeleteFailed: string },
): string {
  return [
    'Audience generation job <name> is now <status>.',
    '',
    'Job name: <name>',
    'Job ARN: <job_arn>',
    'Collaboration: <collaboration_id>',
    // The detail's account_id is the account the exporter listed the job with; the job's own account is in its ARN.
    "Listed from account: <account_id> (the job's own account is in its ARN)",
    'Region: <region>',
    'Status: <status>',
    'Status code: <status_code>',
    'Status message: <status_message>',
    'Change: <change> (previous status: <previous_status>; a created job is new since the previous snapshot)',
    'Job last updated: <update_time>',
    'Snapshot: <snapshot_time>',
    'Event id: <event_id>',
    '',
    `Runbook: ${FAILED_JOB_RUNBOOK}`,
    `Athena workgroup ${workGroupName}, saved queries: ${queryNames.longDeleteFailed}; ${queryNames.transitions}.`,
  ].join('\n');
}

/**
 * An InputTransformer whose template is sent as written: plain text with `<variable>` placeholders, the API
 * reference's form (`"InputTemplate": "<instance> is in state <status>"`), which EventBridge passes on as text.
 * `fromText` would make a JSON string literal of it, which EventBridge delivers with its quotes and `\n` escapes
 * (the user guide's "Simple string" row), and `fromMultilineText` one such literal per line.
 */
class PlainTextInput extends events.RuleTargetInput {
  constructor(
    private readonly template: string,
    private readonly paths: Readonly<Record<string, string>>,
  ) {
    super();
  }

  bind(): events.RuleTargetInputProperties {
    return { inputTemplate: this.template, inputPathsMap: { ...this.paths } };
  }
}

/**
 * The alarm topic as the target of a rule, without the grants of aws-events-targets' SnsTopic (which allows any rule
 * of any account to publish, and lets events.amazonaws.com use the key unconditionally): FailedJobNotifications writes
 * its own statements, conditioned on the rule's ARN.
 */
class AlarmTopicTarget implements events.IRuleTarget {
  constructor(
    private readonly topic: sns.ITopic,
    private readonly input: events.RuleTargetInput,
  ) {}

  bind(): events.RuleTargetConfig {
    return { arn: this.topic.topicArn, input: this.input };
  }
}

export interface FailedJobNotificationsProps {
  /** The bus the exporter sends its status-change events to (the account's default bus, or a named one). */
  readonly eventBus: events.IEventBus;
  /** The alarm topic, which the rule publishes to. */
  readonly topic: sns.Topic;
  /** The topic's key. */
  readonly topicKey: kms.Key;
  /** Prefix of the rule name (the stack name), so that several stacks can share a bus. */
  readonly ruleNamePrefix: string;
  /** Athena workgroup and the saved queries the message cites. */
  readonly workGroupName: string;
  readonly queryNames: { readonly transitions: string; readonly longDeleteFailed: string };
}

/**
 * One message to the alarm topic per job that became DELETE_FAILED or CREATE_FAILED: an EventBridge rule on the
 * status-change events, with a plain-text input transformer. The topic's policy and its key's policy allow exactly
 * this rule (events.amazonaws.com with aws:SourceArn = the rule's ARN).
 */
export class FailedJobNotifications extends Construct {
  /** The rule. */
  readonly rule: events.Rule;
  /** Its ARN, written out from its name (the key policy cannot reference the rule: the rule depends on the key). */
  readonly ruleArn: string;

  constructor(scope: Construct, id: string, props: FailedJobNotificationsProps) {
    super(scope, id);
    const ruleName = failedJobRuleName(props.ruleNamePrefix);
    this.ruleArn = eventRuleArn(Stack.of(this), props.eventBus.eventBusName, ruleName);

    this.rule = new events.Rule(this, 'Rule', {
      ruleName,
      description: 'A Clean Rooms ML audience generation job became DELETE_FAILED or CREATE_FAILED: one message to the alarm topic',
      eventBus: props.eventBus,
      eventPattern: failedJobEventPattern(),
    });
    this.rule.addTarget(
      new AlarmTopicTarget(
        props.topic,
        new PlainTextInput(failedJobMessageTemplate(props.workGroupName, props.queryNames), FAILED_JOB_INPUT_PATHS),
      ),
    );

    const onlyThisRule = { ArnEquals: { 'aws:SourceArn': this.ruleArn } };
    props.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowFailedJobRuleToPublish',
        principals: [new iam.ServicePrincipal(EVENTS_PRINCIPAL)],
        actions: ['sns:Publish'],
        resources: [props.topic.topicArn],
        conditions: onlyThisRule,
      }),
    );
    // SNS encrypts what the rule publishes with the topic's key, on the rule's behalf.
    props.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowFailedJobRuleToPublish',
        principals: [new iam.ServicePrincipal(EVENTS_PRINCIPAL)],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'], // in a key policy, "*" is this key
        conditions: onlyThisRule,
      }),
    );
  }
}

/** `<prefix>-NewFailedJob`, the prefix cut so that the name fits EventBridge's 64 characters. */
export function failedJobRuleName(prefix: string): string {
  const suffix = `-${FAILED_JOB_RULE_SUFFIX}`;
  return `${prefix.slice(0, MAX_RULE_NAME_LENGTH - suffix.length)}${suffix}`;
}

/** The ARN of a rule: `rule/<name>` on the default bus, `rule/<bus>/<name>` on another. */
export function eventRuleArn(stack: Stack, eventBusName: string, ruleName: string): string {
  return stack.formatArn({
    service: 'events',
    resource: 'rule',
    resourceName: eventBusName === DEFAULT_EVENT_BUS_NAME ? ruleName : `${eventBusName}/${ruleName}`,
  });
}
