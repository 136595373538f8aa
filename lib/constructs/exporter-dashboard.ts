import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, METRIC, REGION_DIMENSION } from '../../lambda/commons/constants';
import { SERVICE_DIMENSION, type MonitoredQueue } from './exporter-alarms';

/** The dimension set of the per-collaboration metrics, as the handler emits it (Powertools adds `service`). */
export const PER_COLLABORATION_DIMENSIONS = [ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, REGION_DIMENSION, SERVICE_DIMENSION] as const;

export interface ExporterDashboardProps {
  /** Dashboard name. */
  readonly dashboardName: string;
  /** The exporter function. */
  readonly function: lambda.IFunction;
  /** The function's log group (JSON logs), for the Logs Insights widgets. */
  readonly logGroup: logs.ILogGroup;
  /** Namespace of the handler's metrics. */
  readonly metricsNamespace: string;
  /** `service` dimension of the handler's metrics. */
  readonly serviceName: string;
  /** Longest interval between two runs: the period of the run-level graphs. */
  readonly schedulePeriod: Duration;
  /** Dead-letter queues to graph. */
  readonly queues: readonly MonitoredQueue[];
  /** Alarms shown in the alarm status widget. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** Athena workgroup and named query that break jobs down by every status, cited in the header. */
  readonly athenaHint: string;
}

/**
 * One CloudWatch dashboard: alarm status, jobs (all statuses and DELETE_FAILED, in total and per collaboration),
 * failures, run duration, and the last runs from the function's JSON logs.
 *
 * The handler emits no per-status metric, so "jobs by status" is shown as the two series it does emit, all jobs
 * (ExportedJobs) and DELETE_FAILED jobs (DeleteFailedJobs), per collaboration; the full breakdown by status is the
 * Athena named query "Job counts by status per day".
 */
export class ExporterDashboard extends Construct {
  /** The dashboard. */
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ExporterDashboardProps) {
    super(scope, id);
    const period = props.schedulePeriod;
    const total = (metricName: string, label: string) =>
      new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName,
        dimensionsMap: { [SERVICE_DIMENSION]: props.serviceName },
        statistic: cloudwatch.Stats.MAXIMUM,
        period,
        label,
      });
    // One series per collaboration and reader: the same collaboration seen from two accounts (or Regions) is two
    // series. The dimension set must be exactly the handler's, else SEARCH finds nothing.
    const perCollaboration = (metricName: string, label: string) =>
      new cloudwatch.MathExpression({
        expression:
          `SEARCH('{"${props.metricsNamespace}",${PER_COLLABORATION_DIMENSIONS.join(',')}} ` +
          `MetricName="${metricName}" ${SERVICE_DIMENSION}="${props.serviceName}"', 'Maximum', ${period.toSeconds()})`,
        label,
        period,
        usingMetrics: {},
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.days(7),
    });

    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# Clean Rooms ML audience generation jobs exporter\n' +
          `One point per run. Jobs broken down by every status: ${props.athenaHint}.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarm status', alarms: [...props.alarms], width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Jobs by status: all statuses vs DELETE_FAILED (total)',
        left: [total(METRIC.EXPORTED_JOBS, 'All statuses'), total(METRIC.DELETE_FAILED_JOBS, 'DELETE_FAILED')],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'DELETE_FAILED jobs per collaboration',
        left: [perCollaboration(METRIC.DELETE_FAILED_JOBS, '')],
        leftAnnotations: [{ value: 1, label: 'alarm threshold', color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Jobs (all statuses) per collaboration',
        left: [perCollaboration(METRIC.EXPORTED_JOBS, '')],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures',
        left: [
          total(METRIC.FAILED_COLLABORATIONS, 'Failed collaborations'),
          props.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period, label: 'Function errors' }),
          props.function.metricThrottles({ statistic: cloudwatch.Stats.SUM, period, label: 'Function throttles' }),
          ...props.queues.map((q) =>
            q.queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period, label: q.id }),
          ),
        ],
        right: [total(METRIC.EXPORT_SUCCEEDED, 'Export succeeded (1 = yes)')],
        leftYAxis: { min: 0, showUnits: false },
        rightYAxis: { min: 0, max: 1, showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Run duration',
        left: [
          total(METRIC.RUN_DURATION, 'Export run (RunDurationMs)'),
          props.function.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period, label: 'Lambda duration (max)' }),
        ],
        leftYAxis: { min: 0, label: 'ms', showUnits: false },
        width: 12,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Last runs',
        logGroupNames: [props.logGroup.logGroupName],
        queryLines: [
          'fields @timestamp, status, reason, jobs, deleteFailedJobs, succeeded, failed, durationMs',
          'filter message = "Export finished"',
          'sort @timestamp desc',
          'limit 20',
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: 'Errors',
        logGroupNames: [props.logGroup.logGroupName],
        queryLines: [
          'fields @timestamp, message, collaborationId, error.name, error.message',
          'filter level = "ERROR"',
          'sort @timestamp desc',
          'limit 20',
        ],
        width: 24,
      }),
    );
  }
}
