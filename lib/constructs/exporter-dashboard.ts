import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { METRIC } from '../../lambda/commons/constants';
import { LOG_MESSAGE } from '../../lambda/commons/log-messages';
import type { ExporterMetrics, MonitoredQueue } from './exporter-metrics';

export interface ExporterDashboardProps {
  /** Dashboard name. */
  readonly dashboardName: string;
  /** The exporter's metrics (function and handler). */
  readonly metrics: ExporterMetrics;
  /** The function's log group (JSON logs), for the Logs Insights widgets. */
  readonly logGroup: logs.ILogGroup;
  /** Longest interval between two runs: the period of the run-level graphs. */
  readonly schedulePeriod: Duration;
  /** Dead-letter queues to graph. */
  readonly queues: readonly MonitoredQueue[];
  /** Alarms shown in the alarm status widget. */
  readonly alarms: readonly cloudwatch.IAlarm[];
  /** Athena workgroup and named query that break jobs down by every status, cited in the header. */
  readonly athenaHint: string;
  /** Status-change events on: the dashboard graphs the changes, the new failed jobs and the undelivered events. */
  readonly statusEvents: boolean;
}

/**
 * One CloudWatch dashboard: alarm status, jobs (all statuses and DELETE_FAILED, in total and per collaboration),
 * status changes and new failed jobs (status events on), failures, run duration, and the last runs from the function's
 * JSON logs.
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
    const { metrics } = props;

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
    this.dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: 'Alarm status', alarms: [...props.alarms], width: 24, height: 3 }));
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Jobs by status: all statuses vs DELETE_FAILED (total)',
        left: [metrics.run(METRIC.EXPORTED_JOBS, period, 'All statuses'), metrics.run(METRIC.DELETE_FAILED_JOBS, period, 'DELETE_FAILED')],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'DELETE_FAILED jobs per collaboration',
        left: [metrics.perCollaboration(METRIC.DELETE_FAILED_JOBS, period, '')],
        leftAnnotations: [{ value: 1, label: 'alarm threshold', color: cloudwatch.Color.RED }],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
    );
    if (props.statusEvents) {
      // Each run emits each count once (0 included); Maximum, like the other run metrics, so that a rerun of the same
      // tick (which sends the same events again) is not counted twice.
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Status changes since the previous snapshot (per run)',
          left: [metrics.run(METRIC.STATUS_CHANGES, period, 'Status changes (created, status_changed, removed)')],
          right: [metrics.run(METRIC.STATUS_EVENTS_FAILED, period, 'Events not delivered')],
          leftYAxis: { min: 0, showUnits: false },
          rightYAxis: { min: 0, showUnits: false },
          width: 12,
        }),
        new cloudwatch.GraphWidget({
          title: 'New DELETE_FAILED and CREATE_FAILED jobs (per run)',
          left: [
            metrics.run(METRIC.NEW_DELETE_FAILED_JOBS, period, 'New DELETE_FAILED jobs'),
            metrics.run(METRIC.NEW_CREATE_FAILED_JOBS, period, 'New CREATE_FAILED jobs'),
          ],
          leftYAxis: { min: 0, showUnits: false },
          width: 12,
        }),
      );
    }
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Jobs (all statuses) per collaboration',
        left: [metrics.perCollaboration(METRIC.EXPORTED_JOBS, period, '')],
        leftYAxis: { min: 0, showUnits: false },
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failures',
        left: [
          metrics.run(METRIC.FAILED_COLLABORATIONS, period, 'Failed collaborations'),
          metrics.functionErrors(period, 'Function errors'),
          metrics.functionThrottles(period, 'Function throttles'),
          ...props.queues.map((q) => metrics.queueDepth(q, period, q.id)),
        ],
        right: [metrics.run(METRIC.EXPORT_SUCCEEDED, period, 'Export succeeded (1 = yes)')],
        leftYAxis: { min: 0, showUnits: false },
        rightYAxis: { min: 0, max: 1, showUnits: false },
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Run duration',
        left: [
          metrics.run(METRIC.RUN_DURATION, period, 'Export run (RunDurationMs)'),
          metrics.functionDuration(period, 'Lambda duration (max)'),
        ],
        leftYAxis: { min: 0, label: 'ms', showUnits: false },
        width: 12,
      }),
      new cloudwatch.LogQueryWidget({
        title: 'Last runs',
        logGroupNames: [props.logGroup.logGroupName],
        queryLines: [
          'fields @timestamp, status, reason, jobs, deleteFailedJobs, succeeded, failed, durationMs',
          `filter message = "${LOG_MESSAGE.EXPORT_FINISHED}"`,
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
