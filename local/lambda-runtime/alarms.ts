/**
 * Alarm verdicts for one local run: every CloudWatch alarm of the synthesized template (names, metrics,
 * dimensions, statistics, thresholds and operators as deployed, nothing retyped), evaluated on what this run
 * produced: the EMF metrics the handler printed, and whether the invocation failed (the Lambda Errors metric).
 */
import { resourcesOfType, type CfnTemplate } from './deployable-stack';
import { metricValues, type EmfDocument } from './emf';

/** The properties of an AWS::CloudWatch::Alarm that the evaluation reads. */
export interface AlarmProperties {
  AlarmName: string;
  AlarmDescription?: string;
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Statistic: string;
  ComparisonOperator: string;
  Threshold: number;
  EvaluationPeriods: number;
  DatapointsToAlarm?: number;
  TreatMissingData?: string;
}

/**
 * - `fires`: this run's data point breaches and one breaching period is enough.
 * - `breaching`: it breaches, but the alarm needs more breaching periods (the next run failing too).
 * - `ok`: it does not breach.
 * - `not-simulated`: the metric is not produced by a single local invocation (queue depths).
 */
export type Verdict = 'fires' | 'breaching' | 'ok' | 'not-simulated';

export interface AlarmVerdict {
  name: string;
  verdict: Verdict;
  /** Why, in one line: the value against the threshold, or what is not simulated. */
  reason: string;
  /** The first sentence of the alarm's description: what it means. */
  meaning: string;
}

/** What one local invocation produced. */
export interface RunEvidence {
  emf: readonly EmfDocument[];
  /** The invocation failed (the handler threw or the process died): Lambda counts one error. */
  invocationFailed: boolean;
}

const OPERATORS: Record<string, { symbol: string; breaches: (value: number, threshold: number) => boolean }> = {
  GreaterThanOrEqualToThreshold: { symbol: '≥', breaches: (v, t) => v >= t },
  GreaterThanThreshold: { symbol: '>', breaches: (v, t) => v > t },
  LessThanThreshold: { symbol: '<', breaches: (v, t) => v < t },
  LessThanOrEqualToThreshold: { symbol: '≤', breaches: (v, t) => v <= t },
};

/** Every alarm of the template, in template order. */
export function templateAlarms(template: CfnTemplate): AlarmProperties[] {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').map((r) => r.Properties as unknown as AlarmProperties);
}

/** The dimensions an alarm selects its metric by, as name → value. */
export function alarmDimensions(alarm: AlarmProperties): Record<string, string> {
  return Object.fromEntries((alarm.Dimensions ?? []).map((d) => [d.Name, String(d.Value)]));
}

/** Verdicts for every alarm of the template, in template order. */
export function evaluateAlarms(template: CfnTemplate, evidence: RunEvidence): AlarmVerdict[] {
  return templateAlarms(template).map((alarm) => evaluate(alarm, evidence));
}

function evaluate(alarm: AlarmProperties, evidence: RunEvidence): AlarmVerdict {
  const meaning = (alarm.AlarmDescription ?? '').split(/(?<=\.) /)[0] ?? '';
  const base = { name: String(alarm.AlarmName), meaning };
  const operator = OPERATORS[alarm.ComparisonOperator];
  if (!operator) throw new Error(`Alarm ${alarm.AlarmName}: unexpected operator ${alarm.ComparisonOperator}`);

  let value: number;
  let source: string;
  if (alarm.Namespace === 'AWS/Lambda' && alarm.MetricName === 'Errors') {
    value = evidence.invocationFailed ? 1 : 0;
    source = evidence.invocationFailed ? 'the handler threw' : 'the handler resolved';
  } else if (alarm.Namespace.startsWith('AWS/')) {
    return { ...base, verdict: 'not-simulated', reason: `${alarm.Namespace} ${alarm.MetricName}: no such service in a local run` };
  } else {
    const dimensions = alarmDimensions(alarm);
    const values = metricValues(evidence.emf, alarm.Namespace, alarm.MetricName, dimensions);
    if (values.length === 0) {
      // Missing data: the alarm's TreatMissingData decides, as CloudWatch would.
      const missing = alarm.TreatMissingData ?? 'missing';
      const reason = `no ${alarm.MetricName} data point for ${describe(dimensions)}; missing data is treated as ${missing}`;
      return { ...base, verdict: missing === 'breaching' ? 'breaching' : 'ok', reason };
    }
    value = aggregate(alarm.Statistic, values);
    source = `${alarm.Statistic} over ${describe(dimensions)}`;
  }

  const breaches = operator.breaches(value, alarm.Threshold);
  const comparison = `${alarm.MetricName} = ${value} ${breaches ? operator.symbol : `not ${operator.symbol}`} ${alarm.Threshold} (${source})`;
  const needed = alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods;
  if (!breaches) return { ...base, verdict: 'ok', reason: comparison };
  if (needed > 1) {
    return {
      ...base,
      verdict: 'breaching',
      reason: `${comparison}; alarms after ${needed} breaching periods of ${alarm.EvaluationPeriods}, i.e. if the next run fails too`,
    };
  }
  return { ...base, verdict: 'fires', reason: comparison };
}

function aggregate(statistic: string, values: number[]): number {
  switch (statistic) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'SampleCount':
      return values.length;
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    default:
      throw new Error(`unexpected statistic ${statistic}`);
  }
}

function describe(dimensions: Record<string, string>): string {
  return Object.entries(dimensions)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}
