import type { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, REGION_DIMENSION } from '../../lambda/commons/constants';

/** The `service` dimension Powertools adds to every metric, from POWERTOOLS_SERVICE_NAME. */
export const SERVICE_DIMENSION = 'service';
/** The dimension set of the per-collaboration metrics, as the handler emits it (Powertools adds `service`). */
export const PER_COLLABORATION_DIMENSIONS = [ACCOUNT_DIMENSION, COLLABORATION_DIMENSION, REGION_DIMENSION, SERVICE_DIMENSION] as const;

/** A queue whose messages each stand for a failed run or tick. */
export interface MonitoredQueue {
  /** Short id used in construct ids, alarm names and graph labels, e.g. `SchedulerDeadLetters`. */
  readonly id: string;
  /** What a message in the queue means, for the alarm description. */
  readonly meaning: string;
  /** The queue. */
  readonly queue: sqs.IQueue;
}

export interface ExporterMetricsProps {
  /** The exporter function. */
  readonly function: lambda.IFunction;
  /** Namespace of the handler's metrics (POWERTOOLS_METRICS_NAMESPACE of the function). */
  readonly metricsNamespace: string;
  /** `service` dimension of the handler's metrics (POWERTOOLS_SERVICE_NAME of the function). */
  readonly serviceName: string;
}

/**
 * Every metric of the exporter, as the alarms and the dashboard read it. The handler's metrics are selected by exactly
 * the namespace and `service` dimension it emits; each run emits one value, so a period's Maximum is the last runs'.
 */
export class ExporterMetrics {
  constructor(private readonly props: ExporterMetricsProps) {}

  /** A run-level handler metric (lambda/commons/constants.ts METRIC), Maximum over `period`. */
  run(metricName: string, period: Duration, label?: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.props.metricsNamespace,
      metricName,
      dimensionsMap: { [SERVICE_DIMENSION]: this.props.serviceName },
      statistic: cloudwatch.Stats.MAXIMUM,
      period,
      label,
    });
  }

  /**
   * One series per collaboration and reader, Maximum over `period`: the same collaboration seen from two accounts (or
   * Regions) is two series. The dimension set must be exactly the handler's, else SEARCH finds nothing.
   */
  perCollaboration(metricName: string, period: Duration, label: string): cloudwatch.MathExpression {
    const { metricsNamespace, serviceName } = this.props;
    return new cloudwatch.MathExpression({
      expression:
        `SEARCH('{"${metricsNamespace}",${PER_COLLABORATION_DIMENSIONS.join(',')}} ` +
        `MetricName="${metricName}" ${SERVICE_DIMENSION}="${serviceName}"', 'Maximum', ${period.toSeconds()})`,
      label,
      period,
      usingMetrics: {},
    });
  }

  /** Lambda Errors of the function (uncaught errors and timeouts), Sum over `period`. */
  functionErrors(period: Duration, label?: string): cloudwatch.Metric {
    return this.props.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period, label });
  }

  /** Lambda Throttles of the function, Sum over `period`. */
  functionThrottles(period: Duration, label?: string): cloudwatch.Metric {
    return this.props.function.metricThrottles({ statistic: cloudwatch.Stats.SUM, period, label });
  }

  /** Lambda Duration of the function, Maximum over `period`. */
  functionDuration(period: Duration, label?: string): cloudwatch.Metric {
    return this.props.function.metricDuration({ statistic: cloudwatch.Stats.MAXIMUM, period, label });
  }

  /** Messages waiting in a dead-letter queue, Maximum over `period`. */
  queueDepth(queue: MonitoredQueue, period: Duration, label?: string): cloudwatch.Metric {
    return queue.queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period, label });
  }
}
