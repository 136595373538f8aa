/**
 * Status-change events over the wire: the exporter against the Clean Rooms ML emulator, s3rver and the local
 * EventBridge (PutEvents with SigV4, programmable failures), all through the real SDK clients. Each snapshot is
 * compared with the previous one that its state pointer names; each change is one PutEvents entry.
 */
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { generateJobs, type EmulatorJob } from '../../../local/emulator';
import { matchesEventPattern, type EventBridgeEmulator, type RecordedEvent } from '../../../local/eventbridge';
import { LOG_MESSAGE } from '../../../lambda/commons/log-messages';
import { runExportJob } from '../../../lambda/export/export-job';
import type { RunManifest } from '../../../lambda/snapshot/manifest';
import { LOCAL_ACCOUNT_ID, TEST_BUCKET } from '../../support/export-harness';
import type { S3FaultProxy } from '../../support/s3-fault-proxy';
import { expectRunInvariant, objectKey } from '../../support/run-checks';
import { callHandler } from '../../support/export-test-bed';
import { expectedDetail, expectedEventId } from '../../support/status-event-checks';
import { useStatusEventsBed } from '../../support/status-events-bed';

const T1 = '2026-11-28T09:00:00Z';
const T2 = '2026-11-28T10:00:00Z';
const T3 = '2026-11-28T11:00:00Z';
const iso = (t: string) => new Date(t).toISOString();
const compact = (t: string) =>
  iso(t)
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
const OTHER = '777788889999';
const OTHER_ROLE = `arn:aws:iam::${OTHER}:role/AudienceJobsReader`;
/** Fast retries: the tests wait for the publisher's backoff. */
const FAST = { eventPublisher: { baseDelayMs: 5, maxDelayMs: 20 } };

const fixtures = useStatusEventsBed({ firstCollaboration: 0x5000, buses: ['audience-jobs'], roleArns: [OTHER_ROLE] });
const { bed } = fixtures;
let eventBridge: EventBridgeEmulator;
/** In front of the harness's s3rver, for the runs given {@link VIA_PROXY}: S3 faults, and the requests counted. */
let proxy: S3FaultProxy;
beforeAll(() => ({ eventBridge, proxy } = fixtures));
const VIA_PROXY = (): Record<string, string> => ({ AWS_ENDPOINT_URL_S3: proxy.endpoint });

interface Where {
  accountId: string;
  region: string;
}
const OWN: Where = { accountId: LOCAL_ACCOUNT_ID, region: 'us-east-1' };

function seed(statuses: string[], where: Where = OWN, id?: string): { id: string; jobs: EmulatorJob[] } {
  return bed.seed(statuses.length, { statuses, ...where, collaborationId: id });
}

async function run(time: string, env: Record<string, string | undefined>): Promise<RunManifest> {
  const { manifest } = await runExportJob(
    { scheduledTime: time },
    bed.harness.applyEnv({ COLLABORATION_IDS: undefined, EXPORT_SOURCES: undefined, ...env }),
    FAST,
  );
  await expectRunInvariant(bed.reader, manifest);
  return manifest;
}

const runListed = (time: string, ids: string[], env: Record<string, string> = {}) =>
  run(time, { COLLABORATION_IDS: ids.join(','), ...env });

const manifestKeyAt = (time: string) => `audience-generation-jobs/dt=${iso(time).slice(0, 10)}/_manifest_${compact(time)}.json`;

/** The Lambda handler, as Lambda calls it: what it threw (the invocation failed), and the manifest it wrote. */
async function runHandler(
  time: string,
  ids: string[],
  env: Record<string, string> = {},
): Promise<{ thrown?: Error; manifest: RunManifest }> {
  // The handler reads process.env: what earlier runs of this file set there must not carry over.
  const reset = {
    EXPORT_SOURCES: undefined,
    STATUS_EVENTS: undefined,
    EVENT_BUS_NAME: undefined,
    COMPRESSION: undefined,
    MAX_CONCURRENCY: undefined,
  };
  bed.harness.applyEnv({ ...reset, COLLABORATION_IDS: ids.join(','), ...env });
  const thrown = await callHandler(time);
  const manifest = await bed.reader.readManifest(manifestKeyAt(time));
  await expectRunInvariant(bed.reader, manifest);
  return { thrown, manifest };
}

const FAILED_DETAILS = {
  DELETE_FAILED: { statusCode: 'INTERNAL_ERROR', message: 'The audience generation job could not be deleted. Try again later.' },
  CREATE_FAILED: { statusCode: 'INSUFFICIENT_SEED_SIZE', message: 'The seed audience is too small.' },
} as Record<string, EmulatorJob['statusDetails']>;

/** Moves a job to `status` in the emulator (with the status details a failed status has), an hour later. */
function setStatus(job: EmulatorJob, status: string, where: Where = OWN): EmulatorJob {
  const updateTime = new Date(Date.parse(job.updateTime) + 3_600_000).toISOString();
  return bed.harness.emulator.updateJob(job.audienceGenerationJobArn, { status, statusDetails: FAILED_DETAILS[status], updateTime }, where);
}

function eventsOf(id: string, events: RecordedEvent[] = eventBridge.events): RecordedEvent[] {
  return events.filter((e) => e.detail.collaboration_id === id);
}

const byArn = (a: { audience_generation_job_arn: unknown }, b: { audience_generation_job_arn: unknown }) =>
  String(a.audience_generation_job_arn).localeCompare(String(b.audience_generation_job_arn));
const detailsOf = (events: RecordedEvent[]) => events.map((e) => e.detail as { audience_generation_job_arn: string }).sort(byArn);

const pointerKey = (id: string, where: Where = OWN) => `audience-generation-jobs/_state/${where.accountId}_${where.region}_${id}.json`;
async function pointerOf(
  id: string,
  where: Where = OWN,
): Promise<{ snapshots: { scheduled_time: string; key: string }[] } & Record<string, unknown>> {
  return JSON.parse((await bed.reader.readObject(pointerKey(id, where))).toString('utf8'));
}
async function pointerExists(id: string, where: Where = OWN): Promise<boolean> {
  return (await bed.reader.listKeys(pointerKey(id, where))).length > 0;
}

const warnings = () => bed.output.logs().filter((l) => l.level === 'WARN');
const entryOf = (manifest: RunManifest, id: string, accountId = LOCAL_ACCOUNT_ID) =>
  manifest.collaborations.find((c) => c.collaboration_id === id && c.account_id === accountId)!;
const keyAt = (id: string, time: string, where: Where = OWN, ext = '.ndjson.gz') =>
  objectKey(id, compact(time), ext, where).replace(/dt=2026-11-28/, `dt=${iso(time).slice(0, 10)}`);

describe('status-change events over the wire', () => {
  test('every change type, each with its exact detail and envelope; metrics and manifest count them', async () => {
    const { id, jobs } = seed(['ACTIVE', 'DELETE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'ACTIVE', 'DELETE_PENDING', 'ACTIVE']);
    const [unchanged, deleting, creating, gone, deletePending] = jobs as [EmulatorJob, EmulatorJob, EmulatorJob, EmulatorJob, EmulatorJob];
    await runListed(T1, [id]);
    expect(eventBridge.requests).toEqual([]);

    const deleteFailed = setStatus(deleting, 'DELETE_FAILED');
    const createFailed = setStatus(creating, 'CREATE_FAILED');
    const deleted = setStatus(deletePending, 'DELETE_IN_PROGRESS');
    bed.harness.emulator.removeJob(gone.audienceGenerationJobArn);
    const [born, bornFailed] = generateJobs({
      collaborationId: id,
      count: 2,
      statuses: ['CREATE_PENDING', 'DELETE_FAILED'],
      firstCreateTime: '2026-11-28T09:30:00.000Z',
    }).map((job, i) => ({
      ...job,
      audienceGenerationJobArn: `${job.audienceGenerationJobArn.slice(0, -4)}ff0${i}`,
    })) as [EmulatorJob, EmulatorJob];
    bed.harness.emulator.seed(id, [born, bornFailed]);
    bed.output.clear();

    const manifest = await runListed(T2, [id]);

    const owner = { ...OWN, collaborationId: id };
    const times = { snapshot: T2, previous: T1 };
    const expected = [
      expectedDetail('status_changed', deleteFailed, 'DELETE_IN_PROGRESS', owner, times),
      expectedDetail('status_changed', createFailed, 'CREATE_IN_PROGRESS', owner, times),
      expectedDetail('status_changed', deleted, 'DELETE_PENDING', owner, times),
      expectedDetail('removed', gone, 'ACTIVE', owner, times),
      expectedDetail('created', born, null, owner, times),
      expectedDetail('created', bornFailed, null, owner, times),
    ].sort(byArn);
    const events = eventsOf(id);
    expect(detailsOf(events)).toEqual(expected);
    expect(Object.keys(events[0].detail)).toEqual(Object.keys(expected[0]));
    expect(events.map((e) => e.detail.audience_generation_job_arn)).not.toContain(unchanged.audienceGenerationJobArn);
    for (const event of events) {
      expect(event).toMatchObject({
        eventBusName: 'default',
        accountId: LOCAL_ACCOUNT_ID,
        region: 'us-east-1',
        source: 'audience-jobs-exporter',
        detailType: 'Audience Generation Job Status Change',
        resources: [event.detail.audience_generation_job_arn],
        time: '2026-11-28T10:00:00Z',
        timeGiven: true,
      });
    }
    // The stack's rule (created or status_changed into DELETE_FAILED or CREATE_FAILED) picks exactly the new failures.
    const rule = {
      source: ['audience-jobs-exporter'],
      'detail-type': ['Audience Generation Job Status Change'],
      detail: { change: ['created', 'status_changed'], status: ['DELETE_FAILED', 'CREATE_FAILED'] },
    };
    expect(
      events
        .filter((e) => matchesEventPattern(rule, e.event))
        .map((e) => e.detail.audience_generation_job_arn)
        .sort(),
    ).toEqual([deleteFailed, createFailed, bornFailed].map((j) => j.audienceGenerationJobArn).sort());

    expect(manifest.status).toBe('succeeded');
    expect(entryOf(manifest, id)).toMatchObject({ status_events_sent: 6, status_events_failed: 0 });
    expect(bed.output.total('StatusChanges')).toBe(6);
    expect(bed.output.total('NewDeleteFailedJobs')).toBe(2);
    expect(bed.output.total('NewCreateFailedJobs')).toBe(1);
    expect(bed.output.total('StatusEventsFailed')).toBe(0);
    expect(warnings()).toEqual([]);
    expect(await pointerOf(id)).toEqual({
      pointer_version: 1,
      account_id: LOCAL_ACCOUNT_ID,
      region: 'us-east-1',
      collaboration_id: id,
      snapshots: [
        { scheduled_time: iso(T2), key: keyAt(id, T2) },
        { scheduled_time: iso(T1), key: keyAt(id, T1) },
      ],
    });
  });

  test('the first snapshot emits nothing and logs one WARN; the pointer is written; metrics are still emitted, at 0', async () => {
    const { id } = seed(['ACTIVE', 'DELETE_FAILED']);

    const manifest = await runListed(T1, [id]);

    expect(manifest.status).toBe('succeeded');
    expect(eventBridge.requests).toEqual([]);
    expect(entryOf(manifest, id)).toMatchObject({ status_events_sent: null, status_events_failed: null });
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT,
        collaborationId: id,
        accountId: LOCAL_ACCOUNT_ID,
        region: 'us-east-1',
        reason: 'no_pointer',
        pointerKey: pointerKey(id),
      }),
    ]);
    for (const name of ['StatusChanges', 'NewDeleteFailedJobs', 'NewCreateFailedJobs', 'StatusEventsFailed'])
      expect(bed.output.total(name)).toBe(0);
    expect((await pointerOf(id)).snapshots).toEqual([{ scheduled_time: iso(T1), key: keyAt(id, T1) }]);

    // A backfill of an earlier time than any recorded finds no earlier snapshot: one WARN, and its entry is added.
    bed.output.clear();
    await runListed('2026-11-28T08:00:00Z', [id]);
    expect(eventBridge.requests).toEqual([]);
    expect(warnings().map((w) => [w.message, w.reason])).toEqual([[LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT, 'no_earlier_snapshot']]);
    expect((await pointerOf(id)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T1), '2026-11-28T08:00:00.000Z']);
  });

  test('a rerun of the same scheduled time finds the same previous snapshot and sends the same event ids', async () => {
    const { id, jobs } = seed(['ACTIVE', 'CREATE_IN_PROGRESS', 'ACTIVE']);
    await runListed(T1, [id]);
    setStatus(jobs[1], 'ACTIVE');
    bed.harness.emulator.removeJob(jobs[2].audienceGenerationJobArn);

    await runListed(T2, [id]);
    const first = detailsOf(eventsOf(id));
    eventBridge.clear();
    await runListed(T2, [id]);
    const again = detailsOf(eventsOf(id));

    expect(first).toHaveLength(2);
    expect(again).toEqual(first);
    expect((await pointerOf(id)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T2), iso(T1)]);
    // The next time compares with T2: nothing changed since.
    eventBridge.clear();
    const later = await runListed(T3, [id]);
    expect(eventsOf(id)).toEqual([]);
    expect(entryOf(later, id)).toMatchObject({ status_events_sent: 0, status_events_failed: 0 });
  });

  test('a failed collaboration emits nothing and leaves its pointer alone; the others send theirs', async () => {
    const failing = seed(['ACTIVE', 'ACTIVE']);
    const healthy = seed(['ACTIVE']);
    await runListed(T1, [failing.id, healthy.id]);
    const changed = setStatus(failing.jobs[0], 'DELETE_PENDING');
    setStatus(healthy.jobs[0], 'DELETE_PENDING');
    const pointerBefore = await pointerOf(failing.id);
    bed.harness.emulator.faults.denyCollaboration(failing.id);

    const manifest = await runListed(T2, [failing.id, healthy.id]);

    expect(manifest).toMatchObject({ status: 'failed', reason: 'collaboration_failed' });
    expect(entryOf(manifest, failing.id)).toMatchObject({ status: 'failed', status_events_sent: null, status_events_failed: null });
    expect(entryOf(manifest, healthy.id)).toMatchObject({ status: 'succeeded', status_events_sent: 1, status_events_failed: 0 });
    expect(eventsOf(failing.id)).toEqual([]);
    expect(eventsOf(healthy.id)).toHaveLength(1);
    expect(await pointerOf(failing.id)).toEqual(pointerBefore);

    // Its retry, once the collaboration can be read again, compares with T1 and sends the change.
    bed.harness.emulator.faults.reset();
    eventBridge.clear();
    await runListed(T2, [failing.id]);
    expect(detailsOf(eventsOf(failing.id))).toEqual([
      expectedDetail('status_changed', changed, 'ACTIVE', { ...OWN, collaborationId: failing.id }, { snapshot: T2, previous: T1 }),
    ]);
  });

  test('PutEvents partly failing, then succeeding: every event delivered once the retries pass, the run succeeds', async () => {
    const { id, jobs } = seed(Array.from({ length: 12 }, () => 'ACTIVE'));
    await runListed(T1, [id]);
    for (const job of jobs) setStatus(job, 'DELETE_PENDING');
    eventBridge.faults.failEntries(3, { errorCode: 'ThrottlingException' }).failEntries(2);

    const manifest = await runListed(T2, [id]);

    expect(manifest.status).toBe('succeeded');
    expect(entryOf(manifest, id)).toMatchObject({ status_events_sent: 12, status_events_failed: 0 });
    const arns = eventsOf(id).map((e) => e.detail.audience_generation_job_arn);
    expect(arns.sort()).toEqual(jobs.map((j) => j.audienceGenerationJobArn).sort());
    expect(eventBridge.requests.some((r) => (r.failedEntryCount ?? 0) > 0)).toBe(true);
    expect(eventBridge.requests.every((r) => r.status === 200 && r.entries! <= 10)).toBe(true);
    expect(bed.output.errorLogs()).toEqual([]);
  });

  test.each([
    ['every entry fails', { errorCode: 'InternalFailure' as const }, 'InternalFailure'],
    ['every request fails (500, after the SDK retries)', { status: 500 as const }, 'InternalException'],
  ])(
    'PutEvents that keep failing (%s): counted, StatusEventsFailed, run failed; pointer advanced, snapshot stands; a retry sends them',
    async (_what, failure, code) => {
      const { id, jobs } = seed(['ACTIVE', 'ACTIVE', 'CREATE_IN_PROGRESS']);
      await runListed(T1, [id]);
      setStatus(jobs[0], 'DELETE_PENDING');
      setStatus(jobs[2], 'CREATE_FAILED');
      eventBridge.faults.failAlways(failure);
      bed.harness.applyEnv({ COLLABORATION_IDS: id, EXPORT_SOURCES: undefined });
      bed.output.clear();

      const thrown = await callHandler(T2);
      const manifestKey = `audience-generation-jobs/dt=2026-11-28/_manifest_${compact(T2)}.json`;
      const manifest = await bed.reader.readManifest(manifestKey);

      expect(thrown).toMatchObject({
        name: 'ExportFailedError',
        message: expect.stringContaining('2 status events could not be delivered (status_events_failed)'),
      });
      expect(manifest).toMatchObject({ status: 'failed', reason: 'status_events_failed', totals: { failed: 0, succeeded: 1 } });
      expect(entryOf(manifest, id)).toMatchObject({ status: 'succeeded', status_events_sent: 0, status_events_failed: 2 });
      expect(bed.output.total('StatusEventsFailed')).toBe(2);
      expect(bed.output.total('StatusChanges')).toBe(2);
      expect(bed.output.total('NewCreateFailedJobs')).toBe(1);
      expect(bed.output.total('ExportSucceeded')).toBe(0);
      expect(bed.output.total('FailedCollaborations')).toBe(0);
      const errors = bed.output.errorLogs().filter((l) => l.message === LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED);
      expect(errors).toEqual([
        expect.objectContaining({ collaborationId: id, sent: 0, failed: 2, errorCodes: { [code]: 2 }, eventBusName: 'default' }),
      ]);
      expect(eventsOf(id)).toEqual([]);
      // The snapshot stands and the pointer advanced: a rerun of T2 still compares with T1.
      expect(await bed.reader.readSnapshot(keyAt(id, T2))).toHaveLength(3);
      expect((await pointerOf(id)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T2), iso(T1)]);

      eventBridge.faults.reset();
      bed.output.clear();
      const retried = await runListed(T2, [id]);
      expect(retried.status).toBe('succeeded');
      expect(
        detailsOf(eventsOf(id))
          .map((d) => (d as unknown as { event_id: string }).event_id)
          .sort(),
      ).toEqual(
        [
          expectedEventId([
            LOCAL_ACCOUNT_ID,
            'us-east-1',
            id,
            jobs[0].audienceGenerationJobArn,
            'status_changed',
            'ACTIVE',
            'DELETE_PENDING',
            iso(T2),
          ]),
          expectedEventId([
            LOCAL_ACCOUNT_ID,
            'us-east-1',
            id,
            jobs[2].audienceGenerationJobArn,
            'status_changed',
            'CREATE_IN_PROGRESS',
            'CREATE_FAILED',
            iso(T2),
          ]),
        ].sort(),
      );
    },
  );

  test('more than 10 events, and more than 256 KB of them, in one run: every request within both limits', async () => {
    const small = seed(Array.from({ length: 23 }, () => 'ACTIVE'));
    const large = seed(Array.from({ length: 14 }, () => 'DELETE_IN_PROGRESS'));
    await runListed(T1, [small.id, large.id]);
    for (const job of small.jobs) setStatus(job, 'DELETE_PENDING');
    // 60 KB of status message per event: at most 4 fit in a request of 256 KB.
    for (const job of large.jobs) {
      bed.harness.emulator.updateJob(job.audienceGenerationJobArn, {
        status: 'DELETE_FAILED',
        statusDetails: { statusCode: 'INTERNAL_ERROR', message: 'é'.repeat(30_000) },
      });
    }

    const manifest = await runListed(T2, [small.id, large.id], { MAX_CONCURRENCY: '1' });

    expect(manifest.status).toBe('succeeded');
    expect(entryOf(manifest, small.id)).toMatchObject({ status_events_sent: 23, status_events_failed: 0 });
    expect(entryOf(manifest, large.id)).toMatchObject({ status_events_sent: 14, status_events_failed: 0 });
    expect(eventsOf(small.id)).toHaveLength(23);
    expect(eventsOf(large.id)).toHaveLength(14);
    expect(eventsOf(large.id).every((e) => (e.detail.status_details as { message: string }).message === 'é'.repeat(30_000))).toBe(true);
    // The endpoint refuses a request over either limit (400): every one was accepted, 10 entries at most...
    expect(eventBridge.requests.every((r) => r.status === 200 && r.failedEntryCount === 0 && r.entries! <= 10)).toBe(true);
    // ...and as full as the limits allow: 23 small events in 10 + 10 + 3, 14 large ones (60 KB each) 4 to a request.
    expect(eventBridge.requests.map((r) => r.entries!).sort((x, y) => x - y)).toEqual([2, 3, 4, 4, 4, 10, 10]);
  });

  test('STATUS_EVENTS=off: nothing read, compared or sent, no WARN; pointers still advance, so turning events on compares with the last snapshot', async () => {
    const { id, jobs } = seed(['ACTIVE', 'ACTIVE']);
    await runListed(T1, [id], { STATUS_EVENTS: 'off', ...VIA_PROXY() });
    setStatus(jobs[0], 'DELETE_PENDING');
    expect(warnings()).toEqual([]);
    bed.output.clear();
    const manifest = await runListed(T2, [id], { STATUS_EVENTS: 'off', ...VIA_PROXY() });

    // Not one GetObject (the stack grants none with events off): the pointers are written, never read.
    expect(proxy.count('GetObject')).toBe(0);
    expect(proxy.requests.filter((r) => r.operation === 'PutObject' && r.key === pointerKey(id))).toHaveLength(2);
    expect(eventBridge.requests).toEqual([]);
    expect(warnings()).toEqual([]);
    expect(entryOf(manifest, id)).toMatchObject({ status_events_sent: null, status_events_failed: null });
    expect(bed.output.total('StatusChanges')).toBe(0);
    expect(bed.output.total('StatusEventsFailed')).toBe(0);
    // Unread, its history is unknown: the pointer names this run's snapshot alone, and says it may not name every one.
    expect(await pointerOf(id)).toMatchObject({ snapshots: [{ scheduled_time: iso(T2), key: keyAt(id, T2) }], truncated: true });

    setStatus(jobs[1], 'DELETE_PENDING');
    await runListed(T3, [id]);
    // Only the change since T2: the one of T1 → T2 happened while events were off.
    expect(
      detailsOf(eventsOf(id)).map((d) => [
        d.audience_generation_job_arn,
        (d as unknown as { previous_snapshot_time: string }).previous_snapshot_time,
      ]),
    ).toEqual([[jobs[1].audienceGenerationJobArn, iso(T2)]]);
  });

  test.each([
    ['the pointer: 500 InternalError', 'internalError' as const, (id: string) => pointerKey(id), 'pointer_read_failed'],
    ['the previous snapshot: 503 SlowDown', 'slowDown' as const, (id: string) => keyAt(id, T1), 'previous_read_failed'],
  ])(
    'a read of %s, after the SDK retries: no events, the pointer untouched, one event failed, the handler throws; a clean rerun of the same time sends them',
    async (_what, kind, faultyKey, reason) => {
      const failing = seed(['ACTIVE', 'ACTIVE']);
      const healthy = seed(['ACTIVE']);
      await runListed(T1, [failing.id, healthy.id]);
      const changed = setStatus(failing.jobs[0], 'DELETE_FAILED');
      setStatus(healthy.jobs[0], 'DELETE_PENDING');
      const pointerBefore = await pointerOf(failing.id);
      // More than the S3 client's attempts: the read fails for good in this run.
      proxy.fail('GetObject', 10, kind, { pathContains: faultyKey(failing.id) });
      bed.output.clear();

      const { thrown, manifest } = await runHandler(T2, [failing.id, healthy.id], VIA_PROXY());

      expect(proxy.requests.filter((r) => r.key === faultyKey(failing.id) && r.fault === kind).length).toBeGreaterThanOrEqual(3);
      expect(thrown).toMatchObject({
        name: 'ExportFailedError',
        message: expect.stringContaining('1 status events could not be delivered'),
      });
      expect(manifest).toMatchObject({ status: 'failed', reason: 'status_events_failed', totals: { succeeded: 2, failed: 0 } });
      expect(entryOf(manifest, failing.id)).toMatchObject({ status: 'succeeded', status_events_sent: 0, status_events_failed: 1 });
      expect(entryOf(manifest, healthy.id)).toMatchObject({ status: 'succeeded', status_events_sent: 1, status_events_failed: 0 });
      expect(bed.output.total('StatusEventsFailed')).toBe(1);
      expect(bed.output.errorLogs().filter((l) => l.message === LOG_MESSAGE.STATUS_EVENTS_NOT_COMPARED)).toEqual([
        expect.objectContaining({ collaborationId: failing.id, reason, pointerKey: pointerKey(failing.id), error: expect.anything() }),
      ]);
      expect(warnings()).toEqual([]);
      // Nothing partial was sent for it; its snapshot stands; its pointer still says T1.
      expect(eventsOf(failing.id)).toEqual([]);
      expect(eventsOf(healthy.id)).toHaveLength(1);
      expect(await bed.reader.readSnapshot(keyAt(failing.id, T2))).toHaveLength(2);
      expect(await pointerOf(failing.id)).toEqual(pointerBefore);

      // The retry of the same time compares with T1 again and sends the change.
      proxy.clearFaults();
      eventBridge.clear();
      const retried = await runHandler(T2, [failing.id, healthy.id], VIA_PROXY());
      expect(retried.thrown).toBeUndefined();
      expect(retried.manifest.status).toBe('succeeded');
      expect(detailsOf(eventsOf(failing.id))).toEqual([
        expectedDetail('status_changed', changed, 'ACTIVE', { ...OWN, collaborationId: failing.id }, { snapshot: T2, previous: T1 }),
      ]);
      expect((await pointerOf(failing.id)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T2), iso(T1)]);
    },
  );

  test('AccessDenied on a first pointer (how S3 answers a missing key without s3:ListBucket): the probe reads the new snapshot, so it is a first snapshot', async () => {
    const { id } = seed(['ACTIVE']);
    proxy.fail('GetObject', 1, 'accessDenied', { pathContains: pointerKey(id) });

    const { thrown, manifest } = await runHandler(T1, [id], VIA_PROXY());

    expect(thrown).toBeUndefined();
    expect(entryOf(manifest, id)).toMatchObject({ status_events_sent: null, status_events_failed: null });
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT,
        reason: 'no_pointer',
        error: expect.objectContaining({ name: 'AccessDenied' }),
      }),
    ]);
    expect(proxy.requests.filter((r) => r.operation === 'GetObject').map((r) => [r.key, r.status])).toEqual([
      [pointerKey(id), 403],
      [keyAt(id, T1), 206],
    ]);
    expect((await pointerOf(id)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T1)]);
  });

  test('reads denied (AccessDenied on the pointer and on the new snapshot): no events, the pointer untouched, one event failed, the handler throws', async () => {
    const { id, jobs } = seed(['ACTIVE']);
    await runListed(T1, [id]);
    setStatus(jobs[0], 'DELETE_FAILED');
    const before = await pointerOf(id);
    proxy.fail('GetObject', 2, 'accessDenied', { pathContains: id });
    bed.output.clear();

    const { thrown, manifest } = await runHandler(T2, [id], VIA_PROXY());

    expect(thrown).toMatchObject({ name: 'ExportFailedError' });
    expect(entryOf(manifest, id)).toMatchObject({ status: 'succeeded', status_events_sent: 0, status_events_failed: 1 });
    expect(bed.output.errorLogs().filter((l) => l.message === LOG_MESSAGE.STATUS_EVENTS_NOT_COMPARED)).toEqual([
      expect.objectContaining({ collaborationId: id, reason: 'reads_denied', probeKey: keyAt(id, T2) }),
    ]);
    expect(eventsOf(id)).toEqual([]);
    expect(await pointerOf(id)).toEqual(before);
  });

  test('a previous snapshot that is gone: one WARN, no events, the pointer advances; the run succeeds', async () => {
    const { id, jobs } = seed(['ACTIVE']);
    await runListed(T1, [id]);
    setStatus(jobs[0], 'DELETE_PENDING');
    await bed.harness.s3.send(new DeleteObjectCommand({ Bucket: TEST_BUCKET, Key: keyAt(id, T1) }));
    bed.output.clear();

    const manifest = await runListed(T2, [id]);

    expect(manifest.status).toBe('succeeded');
    expect(eventsOf(id)).toEqual([]);
    expect(entryOf(manifest, id)).toMatchObject({ status_events_sent: null, status_events_failed: null });
    expect(warnings().map((w) => [w.message, w.previousKey])).toEqual([[LOG_MESSAGE.PREVIOUS_SNAPSHOT_MISSING, keyAt(id, T1)]]);
    expect((await pointerOf(id)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T2), iso(T1)]);
  });

  test('a rerun older than every snapshot a truncated pointer keeps: one ERROR naming both times, no events, the pointer untouched, the handler throws', async () => {
    const { id } = seed(['ACTIVE', 'DELETE_FAILED']);
    // The pointer of a collaboration after more than 48 ticks: T2 and T3 kept, older ones dropped.
    const truncated = {
      pointer_version: 1,
      account_id: LOCAL_ACCOUNT_ID,
      region: 'us-east-1',
      collaboration_id: id,
      snapshots: [
        { scheduled_time: iso(T3), key: keyAt(id, T3) },
        { scheduled_time: iso(T2), key: keyAt(id, T2) },
      ],
      truncated: true,
    };
    await bed.harness.s3.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: pointerKey(id), Body: JSON.stringify(truncated) }));

    const { thrown, manifest } = await runHandler(T1, [id]);

    expect(thrown).toMatchObject({ name: 'ExportFailedError' });
    expect(manifest).toMatchObject({ status: 'failed', reason: 'status_events_failed' });
    expect(entryOf(manifest, id)).toMatchObject({ status: 'succeeded', status_events_sent: 0, status_events_failed: 1 });
    expect(bed.output.errorLogs().filter((l) => l.message === LOG_MESSAGE.PREVIOUS_SNAPSHOT_NOT_KEPT)).toEqual([
      expect.objectContaining({ collaborationId: id, scheduledTime: iso(T1), oldestKeptTime: iso(T2), pointerKey: pointerKey(id) }),
    ]);
    expect(bed.output.total('StatusEventsFailed')).toBe(1);
    expect(eventBridge.requests).toEqual([]);
    expect(await bed.reader.readSnapshot(keyAt(id, T1))).toHaveLength(2);
    expect(await pointerOf(id)).toEqual(truncated);
  });

  test('* mode: each collaboration of the walk compared at upload time, with its own pointer', async () => {
    const where = { accountId: OTHER, region: 'ap-southeast-2' };
    const a = seed(['ACTIVE', 'ACTIVE', 'CREATE_IN_PROGRESS'], where);
    const b = seed(['ACTIVE', 'DELETE_IN_PROGRESS'], where);
    const sources = JSON.stringify([{ region: where.region, roleArn: OTHER_ROLE, collaborationIds: '*' }]);
    await run(T1, { EXPORT_SOURCES: sources });
    expect(warnings().filter((w) => w.message === LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT)).toHaveLength(2);
    setStatus(a.jobs[2], 'CREATE_FAILED', where);
    bed.harness.emulator.removeJob(a.jobs[0].audienceGenerationJobArn, where);
    setStatus(b.jobs[1], 'DELETE_FAILED', where);
    bed.output.clear();

    const manifest = await run(T2, { EXPORT_SOURCES: sources });

    expect(manifest.status).toBe('succeeded');
    const times = { snapshot: T2, previous: T1 };
    const currentA2 = bed.harness.emulator.updateJob(a.jobs[2].audienceGenerationJobArn, {}, where);
    const currentB1 = bed.harness.emulator.updateJob(b.jobs[1].audienceGenerationJobArn, {}, where);
    expect(detailsOf(eventsOf(a.id))).toEqual(
      [
        expectedDetail('removed', a.jobs[0], 'ACTIVE', { ...where, collaborationId: a.id }, times),
        expectedDetail('status_changed', currentA2, 'CREATE_IN_PROGRESS', { ...where, collaborationId: a.id }, times),
      ].sort(byArn),
    );
    expect(detailsOf(eventsOf(b.id))).toEqual([
      expectedDetail('status_changed', currentB1, 'DELETE_IN_PROGRESS', { ...where, collaborationId: b.id }, times),
    ]);
    // Sent with the function's own credentials; the detail names the source account.
    expect(eventBridge.events.every((e) => e.accountId === LOCAL_ACCOUNT_ID)).toBe(true);
    expect(entryOf(manifest, a.id, OTHER)).toMatchObject({ status_events_sent: 2, status_events_failed: 0 });
    expect(entryOf(manifest, b.id, OTHER)).toMatchObject({ status_events_sent: 1, status_events_failed: 0 });
    expect(bed.output.total('NewDeleteFailedJobs')).toBe(1);
    expect(bed.output.total('NewCreateFailedJobs')).toBe(1);
    for (const { id } of [a, b]) expect((await pointerOf(id, where)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T2), iso(T1)]);
  });

  test('two accounts of one collaboration keep separate pointers and separate events', async () => {
    const id = bed.newId();
    const eu = 'eu-west-1';
    const mine = seed(['ACTIVE', 'ACTIVE'], { accountId: LOCAL_ACCOUNT_ID, region: eu }, id);
    const theirs = seed(['ACTIVE'], { accountId: OTHER, region: eu }, id);
    const sources = JSON.stringify([
      { region: eu, collaborationIds: [id] },
      { region: eu, roleArn: OTHER_ROLE, collaborationIds: [id] },
    ]);
    await run(T1, { EXPORT_SOURCES: sources });
    expect(
      warnings()
        .filter((w) => w.message === LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT)
        .map((w) => w.accountId)
        .sort(),
    ).toEqual([LOCAL_ACCOUNT_ID, OTHER]);
    setStatus(theirs.jobs[0], 'DELETE_PENDING', { accountId: OTHER, region: eu });
    bed.output.clear();

    const manifest = await run(T2, { EXPORT_SOURCES: sources });

    expect(eventsOf(id).map((e) => [e.detail.account_id, e.detail.region, e.detail.audience_generation_job_arn, e.detail.change])).toEqual([
      [OTHER, eu, theirs.jobs[0].audienceGenerationJobArn, 'status_changed'],
    ]);
    expect(entryOf(manifest, id, LOCAL_ACCOUNT_ID)).toMatchObject({ status_events_sent: 0, status_events_failed: 0 });
    expect(entryOf(manifest, id, OTHER)).toMatchObject({ status_events_sent: 1, status_events_failed: 0 });
    const ownPointer = await pointerOf(id, { accountId: LOCAL_ACCOUNT_ID, region: eu });
    const theirPointer = await pointerOf(id, { accountId: OTHER, region: eu });
    expect(ownPointer.account_id).toBe(LOCAL_ACCOUNT_ID);
    expect(theirPointer.account_id).toBe(OTHER);
    expect(ownPointer.snapshots.map((s) => s.key)).toEqual([
      keyAt(id, T2, { accountId: LOCAL_ACCOUNT_ID, region: eu }),
      keyAt(id, T1, { accountId: LOCAL_ACCOUNT_ID, region: eu }),
    ]);
    expect(theirPointer.snapshots.map((s) => s.key)).toEqual([
      keyAt(id, T2, { accountId: OTHER, region: eu }),
      keyAt(id, T1, { accountId: OTHER, region: eu }),
    ]);
    expect(mine.jobs).toHaveLength(2);
  });

  test('a pointer that is not a pointer, or a previous snapshot that is not lines (a gzip cut in half): one WARN, no events, the pointer written afresh or advanced', async () => {
    const badPointer = seed(['ACTIVE']);
    const badPrevious = seed(['ACTIVE']);
    await runListed(T1, [badPointer.id, badPrevious.id]);
    setStatus(badPointer.jobs[0], 'DELETE_PENDING');
    setStatus(badPrevious.jobs[0], 'DELETE_PENDING');
    await bed.harness.s3.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: pointerKey(badPointer.id), Body: '{"pointer_version":1,' }));
    // A gzip object cut in half.
    const previous = await bed.reader.readObject(keyAt(badPrevious.id, T1));
    await bed.harness.s3.send(
      new PutObjectCommand({
        Bucket: TEST_BUCKET,
        Key: keyAt(badPrevious.id, T1),
        Body: previous.subarray(0, Math.floor(previous.length / 2)),
      }),
    );
    bed.output.clear();

    const manifest = await runListed(T2, [badPointer.id, badPrevious.id]);

    expect(manifest.status).toBe('succeeded');
    expect(eventBridge.requests).toEqual([]);
    expect(
      warnings()
        .map((w) => [w.message, w.collaborationId])
        .sort(),
    ).toEqual(
      [
        [LOG_MESSAGE.STATE_POINTER_UNREADABLE, badPointer.id],
        [LOG_MESSAGE.PREVIOUS_SNAPSHOT_UNREADABLE, badPrevious.id],
      ].sort(),
    );
    expect(warnings().find((w) => w.collaborationId === badPrevious.id)).toMatchObject({
      previousKey: keyAt(badPrevious.id, T1),
      error: { name: expect.any(String) },
    });
    expect(entryOf(manifest, badPointer.id)).toMatchObject({ status_events_sent: null, status_events_failed: null });
    expect(entryOf(manifest, badPrevious.id)).toMatchObject({ status_events_sent: null, status_events_failed: null });
    // The bad pointer starts afresh, saying it may not name every earlier snapshot; the other advances.
    expect(await pointerOf(badPointer.id)).toMatchObject({ snapshots: [{ scheduled_time: iso(T2) }], truncated: true });
    expect((await pointerOf(badPrevious.id)).snapshots.map((s) => s.scheduled_time)).toEqual([iso(T2), iso(T1)]);
    expect(warnings().find((w) => w.collaborationId === badPrevious.id)?.error).toMatchObject({ name: 'CorruptObjectError' });
  });

  test('uncompressed snapshots, a compression change between runs, and a named bus or its ARN', async () => {
    const { id, jobs } = seed(['ACTIVE', 'ACTIVE']);
    await runListed(T1, [id], { COMPRESSION: 'none' });
    setStatus(jobs[0], 'DELETE_PENDING');
    await runListed(T2, [id], { EVENT_BUS_NAME: 'audience-jobs' });
    expect(eventBridge.eventsOn('audience-jobs').map((e) => e.detail.audience_generation_job_arn)).toEqual([
      jobs[0].audienceGenerationJobArn,
    ]);
    expect((await pointerOf(id)).snapshots.map((s) => s.key)).toEqual([keyAt(id, T2), keyAt(id, T1, OWN, '.ndjson')]);

    setStatus(jobs[1], 'DELETE_PENDING');
    eventBridge.clear();
    await runListed(T3, [id], {
      EVENT_BUS_NAME: `arn:aws:events:us-east-1:${LOCAL_ACCOUNT_ID}:event-bus/audience-jobs`,
      COMPRESSION: 'none',
    });
    expect(eventBridge.eventsOn('audience-jobs').map((e) => e.detail.audience_generation_job_arn)).toEqual([
      jobs[1].audienceGenerationJobArn,
    ]);
    expect(await pointerExists(id)).toBe(true);
  });
});
