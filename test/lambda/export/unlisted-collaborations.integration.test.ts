/**
 * `*` and collaborations that disappear, over the wire: the exporter against the Clean Rooms ML emulator, s3rver
 * (behind the fault proxy, which counts the requests and injects S3 faults) and the local EventBridge. A `*` source's
 * collaboration index names the collaborations its walks listed; one the walk no longer lists (its last job is gone)
 * gets an empty snapshot, compared with its previous one, for 7 days after it was last listed.
 *
 * Each test reads its own Region of the account behind OTHER_ROLE, so that its `*` walk lists only its own jobs.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { EmulatorJob } from '../../../local/emulator';
import type { EventBridgeEmulator, RecordedEvent } from '../../../local/eventbridge';
import { LOG_MESSAGE } from '../../../lambda/commons/log-messages';
import type { RunManifest } from '../../../lambda/snapshot/manifest';
import { TEST_BUCKET } from '../../support/export-harness';
import { callHandler } from '../../support/export-test-bed';
import { expectRunInvariant } from '../../support/run-checks';
import type { S3FaultProxy } from '../../support/s3-fault-proxy';
import { expectedDetail } from '../../support/status-event-checks';
import { useStatusEventsBed } from '../../support/status-events-bed';

// In the past, as every scheduled time of the tests (the exporter refuses one more than a day ahead of the clock).
const T1 = '2026-11-20T09:00:00Z';
const T2 = '2026-11-20T10:00:00Z';
const T3 = '2026-11-20T11:00:00Z';
/** Exactly 7 days after T1, then one tick more. */
const T1_PLUS_7_DAYS = '2026-11-27T09:00:00Z';
const T1_PLUS_7_DAYS_1_HOUR = '2026-11-27T10:00:00Z';
const iso = (t: string) => new Date(t).toISOString();
const compact = (t: string) =>
  iso(t)
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
const PREFIX = 'audience-generation-jobs/';
const OTHER = '777788889999';
const OTHER_ROLE = `arn:aws:iam::${OTHER}:role/AudienceJobsReader`;

const fixtures = useStatusEventsBed({ firstCollaboration: 0xc000, roleArns: [OTHER_ROLE] });
const { bed } = fixtures;
let eventBridge: EventBridgeEmulator;
let proxy: S3FaultProxy;
beforeAll(() => ({ eventBridge, proxy } = fixtures));

interface Where {
  accountId: string;
  region: string;
}
const inRegion = (region: string): Where => ({ accountId: OTHER, region });

function seed(statuses: string[], where: Where): { id: string; jobs: EmulatorJob[] } {
  return bed.seed(statuses.length, { statuses, ...where });
}

/** Moves a job to `status` in the emulator, an hour later. */
function setStatus(job: EmulatorJob, status: string, where: Where): EmulatorJob {
  const updateTime = new Date(Date.parse(job.updateTime) + 3_600_000).toISOString();
  return bed.harness.emulator.updateJob(job.audienceGenerationJobArn, { status, updateTime }, where);
}

/**
 * The Lambda handler, as Lambda calls it, for one `*` source of `where` (through OTHER_ROLE), its S3 requests through
 * the fault proxy: what it threw, and the manifest it wrote (checked against the run invariant).
 */
async function runAll(time: string, where: Where, env: Record<string, string> = {}): Promise<{ thrown?: Error; manifest: RunManifest }> {
  bed.harness.applyEnv({
    COLLABORATION_IDS: undefined,
    STATUS_EVENTS: undefined,
    EXPORT_SOURCES: JSON.stringify([{ region: where.region, roleArn: OTHER_ROLE, collaborationIds: '*' }]),
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    ...env,
  });
  const thrown = await callHandler(time);
  const manifest = await bed.reader.readManifest(`${PREFIX}dt=${iso(time).slice(0, 10)}/_manifest_${compact(time)}.json`);
  await expectRunInvariant(bed.reader, manifest);
  return { thrown, manifest };
}

const indexKey = (where: Where) => `${PREFIX}_state/${where.accountId}_${where.region}_collaborations.json`;
const readJson = async (key: string) => JSON.parse((await bed.reader.readObject(key)).toString('utf8')) as Record<string, unknown>;
const indexOf = (where: Where) => readJson(indexKey(where));
/** The index a run must leave: these collaborations, last seen at these times, sorted by id. */
const expectedIndex = (where: Where, seen: [string, string][]) => ({
  index_version: 1,
  account_id: where.accountId,
  region: where.region,
  collaborations: seen
    .map(([id, time]) => ({ collaboration_id: id, last_seen: iso(time) }))
    .sort((a, b) => a.collaboration_id.localeCompare(b.collaboration_id)),
});
const pointerTimes = async (id: string, where: Where) =>
  ((await readJson(`${PREFIX}_state/${where.accountId}_${where.region}_${id}.json`)).snapshots as { scheduled_time: string }[]).map(
    (s) => s.scheduled_time,
  );
const keyAt = (id: string, time: string, where: Where) =>
  `${PREFIX}dt=${iso(time).slice(0, 10)}/${where.accountId}_${where.region}_${id}_${compact(time)}.ndjson.gz`;
const exists = async (key: string) => (await bed.reader.listKeys(key)).includes(key);

const entryOf = (manifest: RunManifest, id: string) => manifest.collaborations.find((c) => c.collaboration_id === id);
const eventsOf = (id: string): RecordedEvent[] => eventBridge.events.filter((e) => e.detail.collaboration_id === id);
const byArn = (a: { audience_generation_job_arn: unknown }, b: { audience_generation_job_arn: unknown }) =>
  String(a.audience_generation_job_arn).localeCompare(String(b.audience_generation_job_arn));
const detailsOf = (events: RecordedEvent[]) => events.map((e) => e.detail as { audience_generation_job_arn: string }).sort(byArn);
const eventIds = (events: RecordedEvent[]) => events.map((e) => String(e.detail.event_id)).sort();
const logsOf = (message: string) => bed.output.logs().filter((l) => l.message === message);
const warnings = () => bed.output.logs().filter((l) => l.level === 'WARN');
const indexRequests = (where: Where) => proxy.requests.filter((r) => r.key === indexKey(where)).map((r) => [r.operation, r.status]);

describe('* and collaborations whose last job is gone', () => {
  test('an empty snapshot and its removed event, the same again on a rerun, then empty snapshots for 7 days, then dropped', async () => {
    const where = inRegion('eu-north-1');
    const a = seed(['ACTIVE', 'CREATE_IN_PROGRESS'], where);
    const b = seed(['DELETE_IN_PROGRESS'], where);

    // Run 1: both listed; the source's first run with events has no index yet.
    const first = await runAll(T1, where);
    expect(first.thrown).toBeUndefined();
    expect(logsOf(LOG_MESSAGE.COLLABORATION_INDEX_MISSING)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        accountId: OTHER,
        region: where.region,
        roleArn: OTHER_ROLE,
        indexKey: indexKey(where),
        scheduledTime: iso(T1),
        written: true,
      }),
    ]);
    expect(await indexOf(where)).toEqual(
      expectedIndex(where, [
        [a.id, T1],
        [b.id, T1],
      ]),
    );

    // Between runs B's only job finishes deleting, and one of A's fails.
    const gone = bed.harness.emulator.removeJob(b.jobs[0].audienceGenerationJobArn, where);
    const failed = setStatus(a.jobs[1], 'CREATE_FAILED', where);
    bed.output.clear();

    // Run 2: the walk lists only A; B, still in the index, gets an empty snapshot and its job comes out removed.
    const second = await runAll(T2, where);
    expect(second.thrown).toBeUndefined();
    expect(second.manifest.status).toBe('succeeded');
    const times = { snapshot: T2, previous: T1 };
    expect(detailsOf(eventsOf(b.id))).toEqual([
      expectedDetail('removed', gone, 'DELETE_IN_PROGRESS', { ...where, collaborationId: b.id }, times),
    ]);
    expect(detailsOf(eventsOf(a.id))).toEqual([
      expectedDetail('status_changed', failed, 'CREATE_IN_PROGRESS', { ...where, collaborationId: a.id }, times),
    ]);
    expect(entryOf(second.manifest, b.id)).toMatchObject({
      account_id: OTHER,
      region: where.region,
      role_arn: OTHER_ROLE,
      status: 'succeeded',
      job_count: 0,
      object_key: keyAt(b.id, T2, where),
      error: null,
      status_events_sent: 1,
      status_events_failed: 0,
    });
    expect(await bed.reader.readSnapshot(keyAt(b.id, T2, where))).toEqual([]);
    expect(logsOf(LOG_MESSAGE.UNLISTED_COLLABORATION_EXPORTED)).toEqual([
      expect.objectContaining({
        level: 'INFO',
        collaborationId: b.id,
        lastSeen: iso(T1),
        key: keyAt(b.id, T2, where),
        statusEventsSent: 1,
        statusEventsFailed: 0,
      }),
    ]);
    expect(warnings()).toEqual([]);
    expect(bed.output.total('StatusChanges')).toBe(2);
    expect(await pointerTimes(b.id, where)).toEqual([iso(T2), iso(T1)]);
    const indexAfterT2 = expectedIndex(where, [
      [a.id, T2],
      [b.id, T1],
    ]);
    expect(await indexOf(where)).toEqual(indexAfterT2);

    // A rerun of run 2's time: the same objects, the same events with the same ids, the same index.
    const objects = [await bed.reader.readObject(keyAt(a.id, T2, where)), await bed.reader.readObject(keyAt(b.id, T2, where))];
    const ids = eventIds(eventBridge.events);
    eventBridge.clear();
    const rerun = await runAll(T2, where);
    expect(rerun.thrown).toBeUndefined();
    expect(eventIds(eventBridge.events)).toEqual(ids);
    expect(ids).toHaveLength(2);
    expect([await bed.reader.readObject(keyAt(a.id, T2, where)), await bed.reader.readObject(keyAt(b.id, T2, where))]).toEqual(objects);
    expect(entryOf(rerun.manifest, b.id)).toMatchObject({ status: 'succeeded', job_count: 0, status_events_sent: 1 });
    expect(await indexOf(where)).toEqual(indexAfterT2);

    // Run 3, an hour later: B's empty snapshot again, compared with the empty one of run 2: no events.
    eventBridge.clear();
    const third = await runAll(T3, where);
    expect(eventBridge.events).toEqual([]);
    expect(entryOf(third.manifest, b.id)).toMatchObject({
      status: 'succeeded',
      job_count: 0,
      status_events_sent: 0,
      status_events_failed: 0,
    });
    expect(await bed.reader.readSnapshot(keyAt(b.id, T3, where))).toEqual([]);
    expect(await indexOf(where)).toEqual(
      expectedIndex(where, [
        [a.id, T3],
        [b.id, T1],
      ]),
    );

    // Exactly 7 days after B was last listed, it is still exported; one tick later it is dropped: no entry, no object.
    const lastWeek = await runAll(T1_PLUS_7_DAYS, where);
    expect(entryOf(lastWeek.manifest, b.id)).toMatchObject({ status: 'succeeded', job_count: 0, status_events_sent: 0 });
    expect(await exists(keyAt(b.id, T1_PLUS_7_DAYS, where))).toBe(true);
    const dropped = await runAll(T1_PLUS_7_DAYS_1_HOUR, where);
    expect(dropped.manifest.status).toBe('succeeded');
    expect(entryOf(dropped.manifest, b.id)).toBeUndefined();
    expect(dropped.manifest.collaborations.map((c) => c.collaboration_id)).toEqual([a.id]);
    expect(await exists(keyAt(b.id, T1_PLUS_7_DAYS_1_HOUR, where))).toBe(false);
    expect(await indexOf(where)).toEqual(expectedIndex(where, [[a.id, T1_PLUS_7_DAYS_1_HOUR]]));
    expect(eventBridge.events).toEqual([]);
  });

  test('events off: the index is neither read nor written; turning them on starts it', async () => {
    const where = inRegion('eu-south-1');
    const a = seed(['ACTIVE'], where);
    const b = seed(['ACTIVE'], where);
    await runAll(T1, where, { STATUS_EVENTS: 'off' });
    bed.harness.emulator.removeJob(b.jobs[0].audienceGenerationJobArn, where);
    const off = await runAll(T2, where, { STATUS_EVENTS: 'off' });

    expect(proxy.count('GetObject')).toBe(0);
    expect(indexRequests(where)).toEqual([]);
    expect(await exists(indexKey(where))).toBe(false);
    expect(entryOf(off.manifest, b.id)).toBeUndefined();
    expect(await exists(keyAt(b.id, T2, where))).toBe(false);
    expect(warnings()).toEqual([]);

    // The first run with events: no index yet (B went while events were off, so nothing names it), one WARN.
    proxy.reset();
    bed.output.clear();
    await runAll(T3, where);
    expect(logsOf(LOG_MESSAGE.COLLABORATION_INDEX_MISSING)).toHaveLength(1);
    expect(indexRequests(where)).toEqual([
      ['GetObject', 404],
      ['PutObject', 200],
    ]);
    expect(await indexOf(where)).toEqual(expectedIndex(where, [[a.id, T3]]));
  });

  test('an index read that keeps failing (500): one ERROR, no empty snapshot, the index unchanged, the run succeeds; the next run does it', async () => {
    const where = inRegion('ca-central-1');
    const a = seed(['ACTIVE'], where);
    const b = seed(['ACTIVE'], where);
    await runAll(T1, where);
    const gone = bed.harness.emulator.removeJob(b.jobs[0].audienceGenerationJobArn, where);
    const before = await indexOf(where);
    proxy.reset();
    // More than the S3 client's attempts: the read fails for good in this run.
    proxy.fail('GetObject', 10, 'internalError', { pathContains: indexKey(where) });
    bed.output.clear();

    const { thrown, manifest } = await runAll(T2, where);

    expect(thrown).toBeUndefined();
    expect(manifest.status).toBe('succeeded');
    expect(proxy.requests.filter((r) => r.key === indexKey(where) && r.fault === 'internalError').length).toBeGreaterThanOrEqual(3);
    expect(bed.output.errorLogs()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.COLLABORATION_INDEX_NOT_READ,
        reason: 'index_read_failed',
        accountId: OTHER,
        region: where.region,
        indexKey: indexKey(where),
        scheduledTime: iso(T2),
        error: expect.objectContaining({ name: 'InternalError' }),
      }),
    ]);
    expect(indexRequests(where).filter(([operation]) => operation === 'PutObject')).toEqual([]);
    expect(await indexOf(where)).toEqual(before);
    expect(entryOf(manifest, b.id)).toBeUndefined();
    expect(await exists(keyAt(b.id, T2, where))).toBe(false);
    expect(eventsOf(b.id)).toEqual([]);

    // The next run reads the index: B's empty snapshot, and its job removed since B's last snapshot (T1).
    proxy.clearFaults();
    bed.output.clear();
    const next = await runAll(T3, where);
    expect(next.manifest.status).toBe('succeeded');
    expect(detailsOf(eventsOf(b.id))).toEqual([
      expectedDetail('removed', gone, 'ACTIVE', { ...where, collaborationId: b.id }, { snapshot: T3, previous: T1 }),
    ]);
    expect(await bed.reader.readSnapshot(keyAt(b.id, T3, where))).toEqual([]);
    expect(bed.output.errorLogs()).toEqual([]);
    expect(await indexOf(where)).toEqual(
      expectedIndex(where, [
        [a.id, T3],
        [b.id, T1],
      ]),
    );
  });

  test('an index that is not an index: one WARN, written afresh from the walk (the ids it held are lost)', async () => {
    const where = inRegion('sa-east-1');
    const a = seed(['ACTIVE'], where);
    const b = seed(['ACTIVE'], where);
    await runAll(T1, where);
    await bed.harness.s3.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: indexKey(where), Body: '{"index_version":1,' }));
    bed.harness.emulator.removeJob(b.jobs[0].audienceGenerationJobArn, where);
    bed.output.clear();

    const { thrown, manifest } = await runAll(T2, where);

    expect(thrown).toBeUndefined();
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.COLLABORATION_INDEX_UNREADABLE,
        indexKey: indexKey(where),
        error: expect.objectContaining({ name: 'UnreadableIndexError', message: expect.stringContaining('not JSON') }),
      }),
    ]);
    expect(entryOf(manifest, b.id)).toBeUndefined();
    expect(await indexOf(where)).toEqual(expectedIndex(where, [[a.id, T2]]));
  });

  test('AccessDenied on the index: a missing key when the probe reads a new snapshot (WARN, written); reads denied when it cannot (ERROR, left alone)', async () => {
    const where = inRegion('ap-south-1');
    const a = seed(['ACTIVE'], where);
    // Without s3:ListBucket, S3 answers a missing key with 403.
    proxy.fail('GetObject', 1, 'accessDenied', { pathContains: indexKey(where) });

    const first = await runAll(T1, where);

    expect(first.thrown).toBeUndefined();
    expect(warnings().filter((w) => w.message === LOG_MESSAGE.COLLABORATION_INDEX_MISSING)).toEqual([
      expect.objectContaining({ indexKey: indexKey(where), error: expect.objectContaining({ name: 'AccessDenied' }) }),
    ]);
    const gets = proxy.requests.filter((r) => r.operation === 'GetObject').map((r) => [r.key, r.status]);
    expect(gets.slice(gets.findIndex(([key]) => key === indexKey(where)))).toEqual([
      [indexKey(where), 403],
      [keyAt(a.id, T1, where), 206],
    ]);
    expect(await indexOf(where)).toEqual(expectedIndex(where, [[a.id, T1]]));

    // Reads refused: the index and the probe of the new snapshot both denied.
    proxy.reset();
    proxy.fail('GetObject', 1, 'accessDenied', { pathContains: indexKey(where) });
    proxy.fail('GetObject', 5, 'accessDenied', { pathContains: `_${compact(T2)}.ndjson` });
    bed.output.clear();
    await runAll(T2, where);
    expect(bed.output.errorLogs()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.COLLABORATION_INDEX_NOT_READ,
        reason: 'reads_denied',
        probeKey: keyAt(a.id, T2, where),
        error: expect.objectContaining({ name: 'AccessDenied' }),
        probeError: expect.objectContaining({ name: 'AccessDenied' }),
      }),
    ]);
    expect(indexRequests(where)).toEqual([['GetObject', 403]]);
    expect(await indexOf(where)).toEqual(expectedIndex(where, [[a.id, T1]]));
  });

  test('AccessDenied on the index of a walk that wrote no snapshot (nothing to probe with): as missing, one WARN, but not written', async () => {
    const where = inRegion('ap-east-1');
    const index = expectedIndex(where, [[bed.newId(), T1]]);
    await bed.harness.s3.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: indexKey(where), Body: JSON.stringify(index) }));
    proxy.fail('GetObject', 1, 'accessDenied', { pathContains: indexKey(where) });

    const { thrown, manifest } = await runAll(T2, where);

    expect(thrown).toBeUndefined();
    expect(manifest.collaborations).toEqual([]);
    expect(warnings()).toEqual([
      expect.objectContaining({
        message: LOG_MESSAGE.COLLABORATION_INDEX_MISSING,
        written: false,
        error: expect.objectContaining({ name: 'AccessDenied' }),
      }),
    ]);
    expect(indexRequests(where)).toEqual([['GetObject', 403]]);
    expect(await indexOf(where)).toEqual(index);
  });

  test('an index that cannot be written: one ERROR, the run succeeds; the next run reads the previous index', async () => {
    const where = inRegion('af-south-1');
    const a = seed(['ACTIVE'], where);
    const b = seed(['ACTIVE'], where);
    await runAll(T1, where);
    bed.harness.emulator.removeJob(b.jobs[0].audienceGenerationJobArn, where);
    proxy.fail('PutObject', 10, 'internalError', { pathContains: indexKey(where) });
    bed.output.clear();

    const { thrown, manifest } = await runAll(T2, where);

    expect(thrown).toBeUndefined();
    expect(manifest.status).toBe('succeeded');
    expect(bed.output.errorLogs()).toEqual([
      expect.objectContaining({ message: LOG_MESSAGE.COLLABORATION_INDEX_WRITE_FAILED, indexKey: indexKey(where) }),
    ]);
    expect(entryOf(manifest, b.id)).toMatchObject({ status: 'succeeded', job_count: 0, status_events_sent: 1 });
    expect(await indexOf(where)).toEqual(
      expectedIndex(where, [
        [a.id, T1],
        [b.id, T1],
      ]),
    );

    proxy.clearFaults();
    eventBridge.clear();
    const next = await runAll(T3, where);
    expect(entryOf(next.manifest, b.id)).toMatchObject({ status: 'succeeded', job_count: 0, status_events_sent: 0 });
    expect(eventBridge.events).toEqual([]);
    expect(await indexOf(where)).toEqual(
      expectedIndex(where, [
        [a.id, T3],
        [b.id, T1],
      ]),
    );
  });
});
