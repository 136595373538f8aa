import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRIC } from '../../lambda/commons/constants';
import type { ExporterMetrics, MonitoredQueue } from './exporter-metrics';

/** Period of the dead-letter queue depth alarms. */
export const QUEUE_ALARM_PERIOD = Duration.minutes(5);
/** The runbook: one `## <alarm name suffix>` section per alarm, which each alarm's description ends by citing. */
const RUNBOOK = 'docs/runbook.md';

/** The anchor of an alarm's runbook section: its `## DeleteFailedJobs` heading is `#deletefailedjobs`. */
function runbookAnchor(alarmName: string): string {
  return alarmName.toLowerCase();
}

/** One alarm: its metric against a threshold, over one or more periods, and what it means. */
interface AlarmSpec {
  /** Construct id. */
  readonly id: string;
  /** Alarm name after the stack prefix, e.g. `DeleteFailedJobs`; also names its runbook section. */
  readonly name: string;
  /** What the alarm means and where to look first; the runbook reference is appended. */
  readonly description: string;
  readonly metric: cloudwatch.IMetric;
  /** `atLeast`: alarm when the value is >= threshold; `below`: when it is < threshold. */
  readonly when: 'atLeast' | 'below';
  readonly threshold: number;
  /** Breaching periods in a row before the alarm fires; default 1. */
  readonly periods?: number;
  readonly missingData: cloudwatch.TreatMissingData;
}

export interface ExporterAlarmsProps {
  /** The exporter's metrics (function and handler). */
  readonly metrics: ExporterMetrics;
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
 * subscription, on alarm and on recovery. Each description ends with its runbook section.
 */
export class ExporterAlarms extends Construct {
  /** The topic every alarm (and its recovery) notifies; with status events on, also one message per new failed job. */
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
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.alarmEmail !== undefined) {
      this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    }

    const period = props.schedulePeriod;
    const { metrics } = props;

    this.deleteFailedAlarm = this.alarm(props, {
      id: 'DeleteFailedJobsAlarm',
      name: 'DeleteFailedJobs',
      description:
        'At least one audience generation job is in DELETE_FAILED in the latest snapshot. ' +
        'Run the Athena named query "DELETE_FAILED jobs in the latest snapshot" for the jobs and their status details.',
      metric: metrics.run(METRIC.DELETE_FAILED_JOBS, period),
      when: 'atLeast',
      threshold: 1,
      missingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.failedCollaborationsAlarm = this.alarm(props, {
      id: 'FailedCollaborationsAlarm',
      name: 'FailedCollaborations',
      description:
        'The last run could not export at least one collaboration (its snapshot is missing). ' +
        "See the function's ERROR log lines for the collaboration and the error.",
      metric: metrics.run(METRIC.FAILED_COLLABORATIONS, period),
      when: 'atLeast',
      threshold: 1,
      missingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.heartbeatAlarm = this.alarm(props, {
      id: 'HeartbeatAlarm',
      name: 'NoSuccessfulExport',
      description:
        'No run has completed successfully (ExportSucceeded = 1) within 2 schedule periods: snapshots are stale. ' +
        'Check the schedule is enabled, the function errors and throttles, and the dead-letter queues.',
      metric: metrics.run(METRIC.EXPORT_SUCCEEDED, period),
      when: 'below',
      threshold: 1,
      periods: 2,
      missingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.functionErrorsAlarm = this.alarm(props, {
      id: 'FunctionErrorsAlarm',
      name: 'FunctionErrors',
      description: 'The exporter function failed (uncaught error or timeout). Lambda retries it; see its log group for the error.',
      metric: metrics.functionErrors(period),
      when: 'atLeast',
      threshold: 1,
      missingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.queueAlarms = props.queues.map((q) =>
      this.alarm(props, {
        id: `${q.id}Alarm`,
        name: q.id,
        description: `${q.meaning} Inspect the messages, fix the cause, then purge the queue.`,
        metric: metrics.queueDepth(q, QUEUE_ALARM_PERIOD),
        when: 'atLeast',
        threshold: 1,
        missingData: cloudwatch.TreatMissingData.NOT_BREACHING,
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

  private alarm(props: ExporterAlarmsProps, spec: AlarmSpec): cloudwatch.Alarm {
    const periods = spec.periods ?? 1;
    return new cloudwatch.Alarm(this, spec.id, {
      alarmName: `${props.alarmNamePrefix}-${spec.name}`,
      alarmDescription: `${spec.description} Runbook: ${RUNBOOK}#${runbookAnchor(spec.name)}`,
      metric: spec.metric,
      comparisonOperator:
        spec.when === 'atLeast'
          ? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
          : cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      threshold: spec.threshold,
      evaluationPeriods: periods,
      datapointsToAlarm: periods > 1 ? periods : undefined,
      treatMissingData: spec.missingData,
    });
  }
}
