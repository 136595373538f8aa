/**
 * The chain of pages does not wait for GetAudienceGenerationJob: while a failed job's details are slow to come,
 * the walk keeps fetching the next pages (a bounded number of them), and the snapshot is still complete and in
 * API order.
 */
import type { RecordedRequest } from '../../../local/emulator';
import { runExportJob } from '../../../lambda/export/export-job';
import { SCHEDULED, objectKey } from '../../support/run-checks';
import { useExportTestBed } from '../../support/export-test-bed';

const bed = useExportTestBed();

/** Records, for each request as it arrives, whether a GetAudienceGenerationJob answer was still pending then. */
function recordArrivals(): Array<{ operation: RecordedRequest['operation']; getPending: boolean }> {
  const arrivals: Array<{ operation: RecordedRequest['operation']; getPending: boolean }> = [];
  const requests = bed.harness.emulator.requests;
  const push = requests.push.bind(requests);
  requests.push = (...items: RecordedRequest[]) => {
    for (const item of items) {
      arrivals.push({
        operation: item.operation,
        getPending: requests.some((r) => r.operation === 'GetAudienceGenerationJob' && r.status === undefined),
      });
    }
    return push(...items);
  };
  return arrivals;
}

it('fetches the next pages while a failed job’s details are pending, and writes every job in order', async () => {
  // 6 pages of 100; the first job of every page is CREATE_FAILED, so every page needs a GetAudienceGenerationJob.
  const { id, jobs } = bed.seed(600, { statuses: ['CREATE_FAILED', ...Array<string>(99).fill('ACTIVE')] });
  bed.harness.emulator.faults.slowResponse(1, 1_000, { operation: 'GetAudienceGenerationJob' });
  const arrivals = recordArrivals();

  const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, bed.harness.applyEnv({ COLLABORATION_IDS: id }));

  expect(manifest.status).toBe('succeeded');
  expect(manifest.collaborations[0]).toMatchObject({ job_count: 600, pages: 6 });
  // Page 1's Get is slow. Waiting for it would hold the walk at page 2 (the one page read ahead); instead the
  // walk fetched pages 2 to 5 meanwhile (4 pages ahead at most), then waited.
  const listsWhileGetPending = arrivals.filter((a) => a.operation === 'ListAudienceGenerationJobs' && a.getPending).length;
  expect(listsWhileGetPending).toBe(4);
  const records = await bed.reader.readSnapshot(objectKey(id));
  expect(records.map((r) => r.audience_generation_job_arn)).toEqual(jobs.map((j) => j.audienceGenerationJobArn));
  expect(records.filter((r) => r.status_details !== null)).toHaveLength(6);
});
