import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC } from '../../lambda/commons/constants';

/** The `service` dimension Powertools adds to every metric, from POWERTOOLS_SERVICE_NAME. */
export const SERVICE_DIMENSION = 'service';
/** Period of the dead-letter queue depth alarms. */
export const QUEUE_ALARM_PERIOD = Duration.minutes(5);

/** A queue whose messages each stand for a failed run or tick. */
export interface MonitoredQueue {
  /** Short id used in construct ids and alarm names, e.g. `SchedulerDeadLetters`. */
  readonly id: string;
  /** What a message in the queue means, for the alarm description. */
  readonly meaning: string;
  /** The queue. */
  readonly queue: sqs.IQueue;
}

export interface ExporterAlarmsProps {
  /** The exporter function. */
  readonly function: lambda.IFunction;
  /** Namespace of the handler's metrics (POWERTOOLS_METRICS_NAMESPACE of the function). */
  readonly metricsNamespace: string;
  /** `service` dimension of the handler's metrics (POWERTOOLS_SERVICE_NAME of the function). */
  readonly serviceName: string;
  /** Longest interval between two runs: the period of the run-level alarms. */
  readonly schedulePeriod: Duration;
  /** Dead-letter queues whose depth is alarmed. */
  readonly queues: readonly MonitoredQueue[];
  /** Optional email address subscribed to the alarm topic. */
  readonly alarmEmail?: string;
  /** Prefix of every alarm name (the stack name), so that several stacks can share an account. */
  readonly alarmNamePrefix: string;
}

/**
 * Every alarm of the exporter, all sending to one SNS topic (KMS-encrypted, TLS-only), with an optional email
 * subscription. The handler's metrics are selected by exactly the namespace and `service` dimension it emits.
 */
export class ExporterAlarms extends Construct {
  /** The topic every alarm (and its recovery) notifies. */
  readonly topic: sns.Topic;
  /** Encrypts the topic; CloudWatch may use it to publish. */
  readonly topicKey: kms.Key;
  /** Maximum of DeleteFailedJobs >= 1 over the schedule period. */
  readonly deleteFailedAlarm: cloudwatch.Alarm;
  /** Maximum of FailedCollaborations >= 1 over the schedule period. */
  readonly failedCollaborationsAlarm: cloudwatch.Alarm;
  /** No ExportSucceeded = 1 within 2 schedule periods; missing data breaches. */
  readonly heartbeatAlarm: cloudwatch.Alarm;
  /** Lambda Errors >= 1 over the schedule period. */
  readonly functionErrorsAlarm: cloudwatch.Alarm;
  /** One alarm per dead-letter queue: at least one visible message. */
  readonly queueAlarms: cloudwatch.Alarm[];
  /** Every alarm above, in dashboard order. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ExporterAlarmsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the audience jobs exporter alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch calls KMS itself when it publishes an alarm to an encrypted topic; the account-root statement
    // of the default key policy does not cover service principals.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" is this key
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'Audience jobs exporter alarms',
      masterKey: this.topicKey,
      enforceSSL: true,
    });
    // enforceSSL writes a topic policy, which replaces the default one: allow CloudWatch alarms of this account.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisAccount',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
          },
        },
      }),
    );
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }

    const handlerMetric = (metricName: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { [SERVICE_DIMENSION]: props.serviceName },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
      });
    const period = props.schedulePeriod;
    const name = (suffix: string) => `${props.alarmNamePrefix}-${suffix}`;

    this.deleteFailedAlarm = new cloudwatch.Alarm(this, 'DeleteFailedJobsAlarm', {
      alarmName: name('DeleteFailedJobs'),
      alarmDescription:
        'At least one audience generation job is in DELETE_FAILED in the latest snapshot. ' +
        'Run the Athena named query "DELETE_FAILED jobs in the latest snapshot" for the jobs and their status details.',
      metric: handlerMetric(METRIC.DELETE_FAILED_JOBS, period),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.failedCollaborationsAlarm = new cloudwatch.Alarm(this, 'FailedCollaborationsAlarm', {
      alarmName: name('FailedCollaborations'),
      alarmDescription:
        'The last run could not export at least one collaboration (its snapshot is missing). ' +
        "See the function's ERROR log lines for the collaboration and the error.",
      metric: handlerMetric(METRIC.FAILED_COLLABORATIONS, period),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.heartbeatAlarm = new cloudwatch.Alarm(this, 'HeartbeatAlarm', {
      alarmName: name('NoSuccessfulExport'),
      alarmDescription:
        'No run has completed successfully (ExportSucceeded = 1) within 2 schedule periods: snapshots are stale. ' +
        'Check the schedule is enabled, the function errors and throttles, and the dead-letter queues.',
      metric: handlerMetric(METRIC.EXPORT_SUCCEEDED, period),
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 2,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.functionErrorsAlarm = new cloudwatch.Alarm(this, 'FunctionErrorsAlarm', {
      alarmName: name('FunctionErrors'),
      alarmDescription:
        'The exporter function failed (uncaught error or timeout). Lambda retries it; see its log group for the error.',
      metric: props.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period }),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.queueAlarms = props.queues.map(
      (q) =>
        new cloudwatch.Alarm(this, `${q.id}Alarm`, {
          alarmName: name(q.id),
          alarmDescription: `${q.meaning} Inspect the messages, fix the cause, then purge the queue.`,
          metric: q.queue.metricApproximateNumberOfMessagesVisible({
            statistic: cloudwatch.Stats.MAXIMUM,
            period: QUEUE_ALARM_PERIOD,
          }),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          threshold: 1,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
    );

    this.alarms = [
      this.deleteFailedAlarm,
      this.failedCollaborationsAlarm,
      this.heartbeatAlarm,
      this.functionErrorsAlarm,
      ...this.queueAlarms,
    ];
    const action = new SnsAction(this.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}
