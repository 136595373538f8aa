import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * EventBridge Scheduler's attempts to invoke the function after the first one fails (throttled or failed Invoke
 * API call, e.g. while a deployment updates the function). Function errors are not retried here but by Lambda.
 */
export const SCHEDULER_RETRY_ATTEMPTS = 5;

export interface ExportScheduleProps {
  /** The function invoked on every tick. */
  readonly target: lambda.IFunction;
  /** `rate(...)` or `cron(...)` expression. */
  readonly expression: string;
  /** IANA time zone of the expression. */
  readonly timeZone: string;
  /** Longest interval between two ticks: a tick older than this is not delivered any more. */
  readonly period: Duration;
  /** False creates the schedule disabled (the placeholder configuration). */
  readonly enabled: boolean;
}

/**
 * The EventBridge Scheduler schedule that invokes the exporter with `{"scheduledTime": <aws.scheduler.scheduled-time>}`,
 * so every retry of one tick names the same objects. No flexible time window; a retry policy and a dead-letter queue.
 */
export class ExportSchedule extends Construct {
  /** The schedule. */
  readonly schedule: scheduler.Schedule;
  /** Receives the ticks that could not be delivered to the function after every retry. */
  readonly deadLetterQueue: sqs.Queue;
  /** The role EventBridge Scheduler assumes to invoke the function and to send dead letters. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ExportScheduleProps) {
    super(scope, id);

    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // Our own role (the target would otherwise create a stack-level one), trusted by Scheduler for schedules of
    // this account's default group only; LambdaInvoke adds lambda:InvokeFunction and sqs:SendMessage to it.
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: 'Lets EventBridge Scheduler invoke the audience jobs exporter',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': stack.account,
            'aws:SourceArn': stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: 'default' }),
          },
        },
      }),
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Runs the Clean Rooms ML audience generation jobs exporter',
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      timeWindow: scheduler.TimeWindow.off(),
      enabled: props.enabled,
      target: new targets.LambdaInvoke(props.target, {
        role: this.role,
        input: scheduler.ScheduleTargetInput.fromObject({ scheduledTime: scheduler.ContextAttribute.scheduledTime }),
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: SCHEDULER_RETRY_ATTEMPTS,
        // Scheduler accepts 60 s to 24 h; a tick is worth delivering until the next one is due.
        maxEventAge: clampDuration(props.period, Duration.minutes(1), Duration.hours(24)),
      }),
    });
  }
}

export function clampDuration(value: Duration, min: Duration, max: Duration): Duration {
  const seconds = Math.min(Math.max(value.toSeconds(), min.toSeconds()), max.toSeconds());
  return Duration.seconds(seconds);
}
