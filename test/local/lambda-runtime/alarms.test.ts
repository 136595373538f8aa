/** Alarm verdicts of a local run: the template's alarms against one run's EMF documents and outcome. */
import { evaluateAlarms, type CfnTemplate, type EmfDocument } from '../../../local/lambda-runtime';

const NAMESPACE = 'AudienceJobsExporter';
const SERVICE = [{ Name: 'service', Value: 'audience-jobs-exporter' }];

function alarm(name: string, metric: string, props: Record<string, unknown> = {}) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: name,
      AlarmDescription: `${name} means trouble. Second sentence.`,
      Namespace: NAMESPACE,
      MetricName: metric,
      Dimensions: SERVICE,
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      ...props,
    },
  };
}

const TEMPLATE: CfnTemplate = {
  Resources: {
    DeleteFailed: alarm('DeleteFailedJobs', 'DeleteFailedJobs'),
    Heartbeat: alarm('NoSuccessfulExport', 'ExportSucceeded', {
      ComparisonOperator: 'LessThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
    }),
    Errors: alarm('FunctionErrors', 'Errors', {
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'Fn' } }],
    }),
    Queue: alarm('FailedInvocations', 'ApproximateNumberOfMessagesVisible', { Namespace: 'AWS/SQS' }),
    NotAnAlarm: { Type: 'AWS::SNS::Topic' },
  },
};

/** An EMF document as Powertools prints it, with the given dimension values. */
function emf(metrics: Record<string, number>, dimensions: Record<string, string> = { service: 'audience-jobs-exporter' }): EmfDocument {
  return {
    _aws: {
      Timestamp: 0,
      CloudWatchMetrics: [
        {
          Namespace: NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    },
    ...dimensions,
    ...metrics,
  };
}

describe('evaluateAlarms', () => {
  it('a healthy run: every alarm ok, the queue alarm not simulated', () => {
    const verdicts = evaluateAlarms(TEMPLATE, { emf: [emf({ DeleteFailedJobs: 0, ExportSucceeded: 1 })], invocationFailed: false });
    expect(verdicts.map((v) => [v.name, v.verdict])).toEqual([
      ['DeleteFailedJobs', 'ok'],
      ['NoSuccessfulExport', 'ok'],
      ['FunctionErrors', 'ok'],
      ['FailedInvocations', 'not-simulated'],
    ]);
    expect(verdicts[0].reason).toBe('DeleteFailedJobs = 0 not ≥ 1 (Maximum over service=audience-jobs-exporter)');
  });

  it('a failed run: thresholds breached, the two-period heartbeat only breaching, the Lambda error from the outcome', () => {
    const verdicts = evaluateAlarms(TEMPLATE, { emf: [emf({ DeleteFailedJobs: 3, ExportSucceeded: 0 })], invocationFailed: true });
    expect(Object.fromEntries(verdicts.map((v) => [v.name, v.verdict]))).toMatchObject({
      DeleteFailedJobs: 'fires',
      NoSuccessfulExport: 'breaching',
      FunctionErrors: 'fires',
    });
    expect(verdicts[0].reason).toBe('DeleteFailedJobs = 3 ≥ 1 (Maximum over service=audience-jobs-exporter)');
    expect(verdicts[0].meaning).toBe('DeleteFailedJobs means trouble.');
    expect(verdicts[1].reason).toMatch(/alarms after 2 breaching periods of 2/);
    expect(verdicts[2].reason).toBe('Errors = 1 ≥ 1 (the handler threw)');
  });

  it('values under another dimension set do not count: the alarm selects service alone', () => {
    const perCollaboration = emf({ DeleteFailedJobs: 5 }, { service: 'audience-jobs-exporter', CollaborationId: 'c' });
    const verdicts = evaluateAlarms(TEMPLATE, {
      emf: [perCollaboration, emf({ DeleteFailedJobs: 0, ExportSucceeded: 1 })],
      invocationFailed: false,
    });
    expect(verdicts[0].verdict).toBe('ok');
  });

  it('missing data follows TreatMissingData', () => {
    const verdicts = evaluateAlarms(TEMPLATE, { emf: [], invocationFailed: true });
    expect(verdicts[0]).toMatchObject({ verdict: 'ok', reason: expect.stringContaining('missing data is treated as notBreaching') });
    expect(verdicts[1]).toMatchObject({ verdict: 'breaching', reason: expect.stringContaining('missing data is treated as breaching') });
  });
});
