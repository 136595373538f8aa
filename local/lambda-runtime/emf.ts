/**
 * CloudWatch Embedded Metric Format, as the handler prints it (Powertools Metrics): one JSON document per line on
 * stdout, which CloudWatch Logs turns into metrics. Read here exactly as CloudWatch would select them for an alarm.
 */

/** One EMF document. */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit?: string }[] }[];
  };
  [key: string]: unknown;
}

/** True for a parsed stdout line that is an EMF document rather than a log line. */
export function isEmfDocument(line: Record<string, unknown>): line is EmfDocument {
  const aws = line._aws as EmfDocument['_aws'] | undefined;
  return typeof aws === 'object' && aws !== null && Array.isArray(aws.CloudWatchMetrics);
}

/**
 * Every value the documents give `metricName` in `namespace` under exactly this dimension set (names and values),
 * as CloudWatch stores them: a metric is identified by its namespace, name and full set of dimensions.
 */
export function metricValues(
  docs: readonly EmfDocument[],
  namespace: string,
  metricName: string,
  dimensions: Record<string, string>,
): number[] {
  const names = Object.keys(dimensions).sort();
  const values: number[] = [];
  for (const doc of docs) {
    for (const directive of doc._aws.CloudWatchMetrics) {
      if (directive.Namespace !== namespace || !directive.Metrics.some((m) => m.Name === metricName)) continue;
      const sameNames = directive.Dimensions.some((set) => set.length === names.length && [...set].sort().every((n, i) => n === names[i]));
      const sameValues = names.every((n) => doc[n] === dimensions[n]);
      if (sameNames && sameValues) values.push(...[doc[metricName]].flat().map(Number));
    }
  }
  return values;
}
