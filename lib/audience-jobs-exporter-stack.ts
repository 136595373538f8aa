import { Annotations, type CfnElement, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { DEFAULTS } from '../lambda/commons/constants';
import { COLLABORATION_IDS_HINT, type ExporterStackConfig } from './config';
import { AthenaAnalytics, namedQueries, TABLE_NAME } from './constructs/athena-analytics';
import { ExportSchedule, clampDuration } from './constructs/export-schedule';
import { ExporterAlarms } from './constructs/exporter-alarms';
import { ExporterDashboard } from './constructs/exporter-dashboard';
import { ExporterFunction, POINTERS_FOLDER, SNAPSHOT_OBJECTS_PATTERN } from './constructs/exporter-function';
import { ExporterMetrics } from './constructs/exporter-metrics';
import { FailedJobNotifications } from './constructs/failed-job-notifications';
import { SnapshotStorage } from './constructs/snapshot-storage';

/** Service name and namespace of the handler's metrics: set on the function, and selected by the alarms. */
export const SERVICE_NAME = DEFAULTS.SERVICE_NAME;
export const METRICS_NAMESPACE = DEFAULTS.METRICS_NAMESPACE;
/** The stack's construct id and default name. */
export const STACK_NAME = 'AudienceJobsExporter';

export interface AudienceJobsExporterStackProps extends StackProps {
  /** The validated configuration (see lib/config.ts). */
  readonly config: ExporterStackConfig;
}

/** `AudienceJobsExporter` → `audience_jobs_exporter` (Glue database names are lower case). */
export function glueDatabaseName(stackName: string): string {
  return stackName
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();
}

/**
 * Scheduled export of Clean Rooms ML audience generation jobs to S3 snapshots, queryable with Athena, alarmed on
 * DELETE_FAILED jobs, failures and staleness; with status events on, a status-change event per changed job on an
 * EventBridge bus, and a message to the alarm topic per job that became DELETE_FAILED or CREATE_FAILED.
 */
export class AudienceJobsExporterStack extends Stack {
  /** Snapshot bucket (created or imported) and the access logs bucket. */
  readonly storage: SnapshotStorage;
  /** The exporter Lambda, its role, log group and failure queue. */
  readonly exporter: ExporterFunction;
  /** The EventBridge Scheduler schedule and its dead-letter queue. */
  readonly schedule: ExportSchedule;
  /** Glue database and table, Athena workgroup, results bucket and named queries. */
  readonly analytics: AthenaAnalytics;
  /** The alarm topic and every alarm. */
  readonly alarms: ExporterAlarms;
  /** The CloudWatch dashboard. */
  readonly dashboard: ExporterDashboard;
  /** The bus of the status-change events (imported: the account's default bus or a named one); undefined when off. */
  readonly eventBus?: events.IEventBus;
  /** The rule that sends a message per new failed job to the alarm topic; undefined with status events off. */
  readonly failedJobNotifications?: FailedJobNotifications;

  constructor(scope: Construct, id: string, props: AudienceJobsExporterStackProps) {
    super(scope, id, props);
    const { config } = props;
    const period = Duration.minutes(config.schedulePeriodMinutes);

    if (config.collaborationIdsPlaceholder) {
      Annotations.of(this).addWarningV2(
        'audience-jobs-exporter:placeholder-collaboration',
        `collaborationIds is not set: the stack uses the placeholder collaboration and its schedule is DISABLED. To deploy, ${COLLABORATION_IDS_HINT}.`,
      );
    }

    this.storage = new SnapshotStorage(this, 'Storage', {
      snapshotRetentionDays: config.snapshotRetentionDays,
      existingBucketName: config.existingBucketName,
    });

    // An existing bus (the default one unless eventBusName names another): the stack only adds a rule to it.
    this.eventBus = config.statusEvents ? events.EventBus.fromEventBusName(this, 'StatusEventBus', config.eventBusName) : undefined;

    this.exporter = new ExporterFunction(this, 'Exporter', {
      bucket: this.storage.bucket,
      snapshotPrefix: config.snapshotPrefix,
      sources: config.sources,
      collaborationIds: config.collaborationIds,
      configuredAudienceModelArn: config.configuredAudienceModelArn,
      compression: config.compression,
      serviceName: SERVICE_NAME,
      metricsNamespace: METRICS_NAMESPACE,
      // Lambda keeps an asynchronous event (its retries included) up to 6 hours; a tick is stale once the next is due.
      maxEventAge: clampDuration(period, Duration.minutes(1), Duration.hours(6)),
      statusEvents: this.eventBus !== undefined ? { eventBus: this.eventBus } : undefined,
    });

    this.schedule = new ExportSchedule(this, 'Schedule', {
      target: this.exporter.function,
      expression: config.schedule,
      timeZone: config.scheduleTimeZone,
      period,
      enabled: !config.collaborationIdsPlaceholder,
    });

    const databaseName = glueDatabaseName(this.stackName);
    this.analytics = new AthenaAnalytics(this, 'Analytics', {
      bucket: this.storage.bucket,
      snapshotPrefix: config.snapshotPrefix,
      databaseName,
      workGroupName: this.stackName,
      schedulePeriodMinutes: config.schedulePeriodMinutes,
      accessLogsBucket: this.storage.accessLogsBucket,
    });

    const queues = [
      {
        id: 'SchedulerDeadLetters',
        meaning: 'EventBridge Scheduler could not invoke the exporter for a tick, even after its retries.',
        queue: this.schedule.deadLetterQueue,
      },
      {
        id: 'FailedInvocations',
        meaning: 'A run failed even after Lambda retried it (the message holds the event and the error).',
        queue: this.exporter.failedInvocationsQueue,
      },
    ];
    const metrics = new ExporterMetrics({
      function: this.exporter.function,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
    });
    this.alarms = new ExporterAlarms(this, 'Alarms', {
      metrics,
      schedulePeriod: period,
      queues,
      alarmEmail: config.alarmEmail,
      alarmNamePrefix: this.stackName,
    });

    const queries = namedQueries(databaseName, TABLE_NAME, config.schedulePeriodMinutes);
    const countsQuery = queries.countsByStatus.name;
    if (this.eventBus !== undefined) {
      this.failedJobNotifications = new FailedJobNotifications(this, 'FailedJobNotifications', {
        eventBus: this.eventBus,
        topic: this.alarms.topic,
        topicKey: this.alarms.topicKey,
        ruleNamePrefix: this.stackName,
        workGroupName: this.stackName,
        queryNames: { transitions: queries.statusTransitions.name, longDeleteFailed: queries.longDeleteFailed.name },
      });
    }

    this.dashboard = new ExporterDashboard(this, 'Dashboard', {
      dashboardName: this.stackName,
      metrics,
      logGroup: this.exporter.logGroup,
      schedulePeriod: period,
      queues,
      alarms: this.alarms.alarms,
      athenaHint: `Athena workgroup \`${this.stackName}\`, saved query "${countsQuery}"`,
      statusEvents: config.statusEvents,
    });

    this.acknowledgeNagFindings(config.snapshotPrefix, config.statusEvents);

    new CfnOutput(this, 'SnapshotBucketName', { value: this.storage.bucket.bucketName });
    new CfnOutput(this, 'SnapshotLocation', { value: `s3://${this.storage.bucket.bucketName}/${config.snapshotPrefix}` });
    new CfnOutput(this, 'FunctionName', { value: this.exporter.function.functionName });
    new CfnOutput(this, 'ExporterRoleArn', {
      description:
        'The role the exporter runs as: the reader role of each member account (AudienceJobsReaderRole, -c exporterRoleArn=...) must trust it',
      value: this.exporter.role.roleArn,
    });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.analytics.workGroup.ref });
    new CfnOutput(this, 'GlueTable', { value: `${databaseName}.${TABLE_NAME}` });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.stackName });
    if (this.eventBus !== undefined && this.failedJobNotifications !== undefined) {
      new CfnOutput(this, 'StatusEventBusName', {
        description: 'The bus of the status-change events (source audience-jobs-exporter): add rules of your own to it',
        value: this.eventBus.eventBusName,
      });
      new CfnOutput(this, 'FailedJobRuleArn', { value: this.failedJobNotifications.ruleArn });
    }
  }

  /** Each cdk-nag AwsSolutions finding this design keeps on purpose, with its reason. */
  private acknowledgeNagFindings(snapshotPrefix: string, statusEvents: boolean): void {
    // One finding per Region of GetAudienceGenerationJob: the stack's own (a token) or each source's Region.
    const jobRegions = this.exporter.jobRegions ?? ['<AWS::Region>'];
    Validations.of(this.exporter.policy).acknowledge(
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cleanrooms-ml:ListAudienceGenerationJobs has no resource type in the Service Authorization Reference: IAM accepts only "*" for it. It is the only action on "*".',
      },
      ...jobRegions.map((region) => ({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cleanrooms-ml:${region}:*:audience-generation-job/*]`,
        reason: `GetAudienceGenerationJob is called for any job the List call returned (CREATE_FAILED/DELETE_FAILED ones); their ids are only known at run time and a collaboration may show jobs of other member accounts. Scoped to ${region === '<AWS::Region>' ? 'this Region' : `the Region ${region} of a configured source`} and the audience-generation-job type.`,
      })),
      {
        id: `AwsSolutions-IAM5[Resource::${this.objectsNagId(`${snapshotPrefix}*`)}]`,
        reason:
          'The exporter writes one new object per collaboration and run under the snapshot prefix (and one pointer per collaboration, and one collaboration index per "*" source, under its _state/ folder); keys carry the run time, so only a prefix wildcard can name them. Only s3:PutObject and s3:AbortMultipartUpload are allowed there.',
      },
      ...(statusEvents
        ? [
            {
              id: `AwsSolutions-IAM5[Resource::${this.objectsNagId(`${snapshotPrefix}${POINTERS_FOLDER}*`)}]`,
              reason:
                'To find the previous snapshot of a collaboration, the exporter reads its pointer, one object per account, Region and collaboration under the _state/ folder of the snapshot prefix (and, for a "*" source, its collaboration index, in the same folder); collaborations may be "*" (known at run time only), so a folder wildcard names them. Only s3:GetObject is allowed there, and no listing.',
            },
            {
              id: `AwsSolutions-IAM5[Resource::${this.objectsNagId(`${snapshotPrefix}${SNAPSHOT_OBJECTS_PATTERN}`)}]`,
              reason:
                'To compare a snapshot with the previous one, the exporter reads the previous snapshot object a pointer names: dt=YYYY-MM-DD/*.ndjson[.gz] under the snapshot prefix, keys that carry the run time. Only s3:GetObject, on snapshot objects only (not the manifests), and no listing.',
            },
          ]
        : []),
    );
    Validations.of(this.schedule.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.exporter.function)}.Arn>:*]`,
      reason:
        "aws-scheduler-targets' LambdaInvoke grants lambda:InvokeFunction on the function and on its qualified ARNs (function:name:*, i.e. its versions and aliases). The wildcard stays within this one function.",
    });
    Validations.of(this.storage.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the server access logs bucket: logging it into itself would loop, and into another bucket would only move the finding.',
    });
    for (const queue of [this.schedule.deadLetterQueue, this.exporter.failedInvocationsQueue]) {
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself a dead-letter queue (of EventBridge Scheduler, or the on-failure destination of Lambda); its depth is alarmed. A DLQ of a DLQ would add nothing.',
      });
    }
  }

  /** How cdk-nag writes the ARN of the snapshot bucket's objects matching `keyPattern` in a finding id. */
  private objectsNagId(keyPattern: string): string {
    if (this.storage.imported) {
      return `arn:<AWS::Partition>:s3:::${this.storage.bucket.bucketName}/${keyPattern}`;
    }
    return `<${this.logicalIdOf(this.storage.bucket)}.Arn>/${keyPattern}`;
  }

  private logicalIdOf(construct: Construct): string {
    return this.getLogicalId(construct.node.defaultChild as CfnElement);
  }
}
