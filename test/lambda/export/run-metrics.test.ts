/**
 * The run's EMF metrics: per collaboration for listed collaborations (both values in one document), one value per `*`
 * source, the totals with `service` only (the alarms read those); through the one Metrics instance.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { publishRunMetrics } from '../../../lambda/export/run-metrics';
import type { CollaborationManifestEntry, RunManifest } from '../../../lambda/snapshot/manifest';
import { CapturedOutput } from '../../support/run-checks';

const ROLE = 'arn:aws:iam::444455556666:role/AudienceJobsReader';
const id = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function entry(
  n: number,
  origin: { account: string; region: string; role: string | null },
  jobs: number,
  deleteFailed: number,
  status: 'succeeded' | 'failed' = 'succeeded',
): CollaborationManifestEntry {
  return {
    collaboration_id: id(n),
    account_id: origin.account,
    region: origin.region,
    role_arn: origin.role,
    status,
    job_count: jobs,
    status_counts: {},
    delete_failed_jobs: deleteFailed,
    pages: 1,
    object_key: null,
    object_bytes: null,
    duration_ms: 1,
    error: null,
    status_events_sent: null,
    status_events_failed: null,
  };
}

function manifest(collaborations: CollaborationManifestEntry[]): RunManifest {
  const succeeded = collaborations.filter((c) => c.status === 'succeeded');
  return {
    manifest_version: 2,
    scheduled_time: '2026-12-01T10:00:00.000Z',
    started_at: '2026-12-01T10:00:00.000Z',
    finished_at: '2026-12-01T10:00:01.000Z',
    status: succeeded.length === collaborations.length ? 'succeeded' : 'failed',
    reason: null,
    bucket: 'b',
    prefix: 'p/',
    compression: 'gzip',
    collaboration_selection: '*',
    sources: [
      {
        region: 'eu-west-1',
        role_arn: null,
        account_id: '111122223333',
        collaboration_selection: [id(1), id(2)],
        status: 'succeeded',
        error: null,
      },
      { region: 'us-east-1', role_arn: ROLE, account_id: '444455556666', collaboration_selection: '*', status: 'succeeded', error: null },
    ],
    configured_audience_model_arn: null,
    totals: {
      collaborations: collaborations.length,
      succeeded: succeeded.length,
      failed: collaborations.length - succeeded.length,
      jobs: succeeded.reduce((n, c) => n + c.job_count, 0),
      delete_failed_jobs: succeeded.reduce((n, c) => n + c.delete_failed_jobs, 0),
      status_counts: {},
    },
    collaborations,
  };
}

const LISTED = { account: '111122223333', region: 'eu-west-1', role: null };
const ALL = { account: '444455556666', region: 'us-east-1', role: ROLE };

describe('publishRunMetrics', () => {
  let output: CapturedOutput;
  beforeEach(() => {
    output = new CapturedOutput();
  });
  afterEach(() => jest.restoreAllMocks());

  it('per listed collaboration, one document with both values; per * source, one document for all its collaborations', () => {
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'svc' });
    const singleMetric = jest.spyOn(metrics, 'singleMetric');
    const run = manifest([
      entry(1, LISTED, 10, 2),
      entry(2, LISTED, 0, 0),
      entry(3, ALL, 5, 1),
      entry(4, ALL, 3, 0),
      entry(5, ALL, 7, 7, 'failed'),
    ]);

    publishRunMetrics(metrics, run, 1_234);

    const docs = output.text
      .split('\n')
      .filter((line) => line.startsWith('{"_aws"'))
      .map((line) => JSON.parse(line));
    const perCollaboration = docs.filter((doc) => doc.CollaborationId !== undefined);
    expect(perCollaboration.map((doc) => [doc.AccountId, doc.Region, doc.CollaborationId, doc.ExportedJobs, doc.DeleteFailedJobs])).toEqual(
      [
        ['111122223333', 'eu-west-1', id(1), 10, 2],
        ['111122223333', 'eu-west-1', id(2), 0, 0],
        // The * source's succeeded collaborations, summed; the failed one left out, as a listed one would be.
        ['444455556666', 'us-east-1', '*', 8, 1],
      ],
    );
    for (const doc of perCollaboration) {
      expect(doc._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: 'Test',
          Dimensions: [expect.arrayContaining(['service', 'AccountId', 'CollaborationId', 'Region'])],
          Metrics: [
            { Name: 'ExportedJobs', Unit: 'Count' },
            { Name: 'DeleteFailedJobs', Unit: 'Count' },
          ],
        },
      ]);
      expect(doc._aws.CloudWatchMetrics[0].Dimensions[0]).toHaveLength(4);
    }
    // The totals, as the alarms read them: `service` only.
    const totals = output.metrics().filter((m) => Object.keys(m.dimensions).length === 1);
    expect(Object.fromEntries(totals.map((m) => [m.name, m.value]))).toMatchObject({
      ExportedJobs: 18,
      DeleteFailedJobs: 3,
      FailedCollaborations: 1,
      ExportSucceeded: 0,
      RunDurationMs: 1_234,
    });
    expect(totals.every((m) => m.dimensions.service === 'svc')).toBe(true);
    expect(singleMetric).not.toHaveBeenCalled();
  });

  it('a * over 5,000 collaborations writes 2 documents, not 10,000 custom metrics', () => {
    const metrics = new Metrics({ namespace: 'Test', serviceName: 'svc' });
    const run = manifest(Array.from({ length: 5_000 }, (_, i) => entry(100 + i, ALL, 2, i % 2)));

    publishRunMetrics(metrics, run, 1);

    const docs = output.text.split('\n').filter((line) => line.startsWith('{"_aws"'));
    expect(docs).toHaveLength(2);
    expect(output.metrics().filter((m) => m.dimensions.CollaborationId === '*')).toEqual([
      {
        name: 'ExportedJobs',
        value: 10_000,
        dimensions: expect.objectContaining({ CollaborationId: '*', AccountId: '444455556666', Region: 'us-east-1' }),
      },
      { name: 'DeleteFailedJobs', value: 2_500, dimensions: expect.objectContaining({ CollaborationId: '*' }) },
    ]);
  });
});
