/**
 * The export job end to end over the wire: the real Clean Rooms ML client against the emulator (SigV4
 * verified), the real S3 client against an in-process S3 server.
 */
import { generateJobs, type EmulatorJob } from '../../../local/emulator';
import { runExportJob } from '../../../lambda/export/export-job';
import { SNAPSHOT_COLUMNS } from '../../../lambda/snapshot/record-schema';
import { collaborationId } from '../../support/ids';
import { MANIFEST_KEY as MANIFEST, PREFIX, SCHEDULED, expectedRecord, objectKey } from '../../support/run-checks';
import { useExportTestBed, callHandler } from '../../support/export-test-bed';

const bed = useExportTestBed();

describe('export job over the wire', () => {
  test('page boundaries 0, 1, 100, 101 and 250: every job exactly once, in API order, every field exact', async () => {
    const collaborations = [0, 1, 100, 101, 250].map((n) => bed.seed(n));
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: collaborations.map((c) => c.id).join(',') });

    const { manifest, manifestKey } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    expect(manifest.status).toBe('succeeded');
    expect(manifestKey).toBe(MANIFEST);
    for (const { id, jobs } of collaborations) {
      const records = await bed.reader.readSnapshot(objectKey(id));
      expect(records).toEqual(jobs.map((job) => expectedRecord(job, id)));
      const entry = manifest.collaborations.find((c) => c.collaboration_id === id)!;
      expect(entry).toMatchObject({
        status: 'succeeded',
        job_count: jobs.length,
        pages: Math.max(1, Math.ceil(jobs.length / 100)),
        object_key: objectKey(id),
        error: null,
      });
    }
    expect(await bed.reader.readManifest(MANIFEST)).toEqual(manifest);
  });

  test('every key on every line, in schema order; strings with unicode, newlines, tabs, quotes survive exactly', async () => {
    const id = bed.newId();
    const base = generateJobs({ collaborationId: id, count: 7 }); // one per status
    const jobs: EmulatorJob[] = base.map((job, i) => ({
      ...job,
      name: ['Quote " and \\ backslash', 'Tab\there', 'Émoji 🎯 日本語', "Apostrophe's", '{"json":"inside"}', 'line\u2028sep', 'plain'][i],
      description: ['line one\nline two', 'carriage\r\nreturn', '\ttabbed', 'ünïcödé ✓', '', '</script>', 'x'.repeat(255)][i],
      createTime: [
        '2026-01-02T03:04:05Z',
        '2026-01-02T03:04:05.1Z',
        '2026-01-02T03:04:05.123456Z',
        '2026-01-02T05:04:05.5+02:00',
        '2026-01-01T22:04:05.999-05:00',
        '2026-01-02T03:04:05.000Z',
        '2026-01-02T03:04:05.120Z',
      ][i],
    }));
    bed.harness.emulator.seed(id, jobs);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id });

    await runExportJob({ scheduledTime: SCHEDULED }, env);

    const text = await bed.reader.readSnapshotText(objectKey(id));
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(7);
    for (const [i, line] of lines.entries()) {
      const record = JSON.parse(line);
      expect(Object.keys(record)).toEqual(SNAPSHOT_COLUMNS.map((c) => c.name));
      expect(record).toEqual(expectedRecord(jobs[i], id));
    }
    const statuses = lines.map((l) => JSON.parse(l).status);
    expect(new Set(statuses)).toEqual(
      new Set(['CREATE_PENDING', 'CREATE_IN_PROGRESS', 'CREATE_FAILED', 'ACTIVE', 'DELETE_PENDING', 'DELETE_IN_PROGRESS', 'DELETE_FAILED']),
    );
    const failed = lines.map((l) => JSON.parse(l)).filter((r) => r.status.endsWith('_FAILED'));
    expect(failed.every((r) => r.status_details && typeof r.status_details.message === 'string')).toBe(true);
  });

  test('missing optional fields become null, and a summary without collaborationId gets the queried one', async () => {
    const id = bed.newId();
    const [job] = generateJobs({ collaborationId: id, count: 1, statuses: ['ACTIVE'] });
    const bare: EmulatorJob = { ...job, description: undefined, startedBy: undefined, omitCollaborationIdInSummary: true };
    bed.harness.emulator.seed(id, [bare]);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id });

    await runExportJob({ scheduledTime: SCHEDULED }, env);

    const [record] = await bed.reader.readSnapshot(objectKey(id));
    expect(record).toMatchObject({ description: null, started_by: null, collaboration_id: id, status_details: null });
  });

  test('a rerun of the same scheduled time rewrites the same keys with identical bytes; another time writes new objects', async () => {
    const { id } = bed.seed(120);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id });

    await runExportJob({ scheduledTime: SCHEDULED }, env);
    const first = await bed.reader.readObject(objectKey(id));
    const keysAfterFirst = await bed.reader.listKeys(`${PREFIX}111122223333_us-east-1_${id}`);
    await runExportJob({ scheduledTime: SCHEDULED }, env);
    const second = await bed.reader.readObject(objectKey(id));
    await runExportJob({ scheduledTime: '2026-11-28T10:00:00Z' }, env);

    expect(second.equals(first)).toBe(true);
    expect(keysAfterFirst).toEqual([objectKey(id)]);
    expect(await bed.reader.listKeys(`${PREFIX}111122223333_us-east-1_${id}`)).toEqual([objectKey(id), objectKey(id, '20261128T100000Z')]);
    const later = await bed.reader.readSnapshot(objectKey(id, '20261128T100000Z'));
    expect(later).toHaveLength(120);
    expect(later.every((r) => r.snapshot_time === '2026-11-28T10:00:00.000Z')).toBe(true);
  });

  test('throttling and 5xx bursts are retried and the snapshot is complete', async () => {
    const { id, jobs } = bed.seed(230);
    bed.harness.emulator.faults.throttle(2, { collaborationId: id });
    bed.harness.emulator.faults.serverErrors(2, { collaborationId: id, status: 503 });
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id });

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    expect(manifest.status).toBe('succeeded');
    expect(await bed.reader.readSnapshot(objectKey(id))).toEqual(jobs.map((j) => expectedRecord(j, id)));
    const statuses = bed.harness.emulator.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(2);
    expect(statuses.filter((s) => s === 503)).toHaveLength(2);
  });

  test('AccessDenied on one collaboration: no object for it, the others intact, the manifest says why, the handler throws', async () => {
    const ok1 = bed.seed(150);
    const denied = bed.seed(150);
    const ok2 = bed.seed(3);
    bed.harness.emulator.faults.denyCollaboration(denied.id);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: [ok1.id, denied.id, ok2.id].join(',') });
    Object.assign(process.env, env, { COLLABORATION_IDS: [ok1.id, denied.id, ok2.id].join(',') });

    expect((await callHandler())?.message).toMatch(/1 of 3 collaborations failed .*AccessDeniedException/);

    const keys = await bed.reader.listKeys(PREFIX);
    expect(keys).toContain(objectKey(ok1.id));
    expect(keys).toContain(objectKey(ok2.id));
    expect(keys).not.toContain(objectKey(denied.id));
    expect(await bed.reader.readSnapshot(objectKey(ok1.id))).toHaveLength(150);
    const manifest = await bed.reader.readManifest(MANIFEST);
    expect(manifest).toMatchObject({
      status: 'failed',
      reason: 'collaboration_failed',
      totals: { collaborations: 3, succeeded: 2, failed: 1, jobs: 153 },
    });
    expect(manifest.collaborations.find((c) => c.collaboration_id === denied.id)).toMatchObject({
      status: 'failed',
      object_key: null,
      object_bytes: null,
      error: { name: 'AccessDeniedException' },
    });
    expect(bed.output.total('FailedCollaborations')).toBe(1);
    expect(bed.output.total('ExportSucceeded')).toBe(0);
    expect(bed.output.total('ExportedJobs')).toBe(153);
    // The denied collaboration was tried once per request, never retried.
    expect(bed.harness.emulator.requests.filter((r) => r.query.collaborationId?.[0] === denied.id)).toHaveLength(1);
  });

  test('a repeating nextToken fails that collaboration cleanly, with no object', async () => {
    const looping = bed.seed(350);
    const fine = bed.seed(5);
    bed.harness.emulator.faults.repeatToken(looping.id);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: `${looping.id},${fine.id}` });

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    expect(manifest.status).toBe('failed');
    expect(manifest.collaborations[0]).toMatchObject({
      collaboration_id: looping.id,
      status: 'failed',
      error: { name: 'PaginationLoopError' },
    });
    expect(manifest.collaborations[1]).toMatchObject({ collaboration_id: fine.id, status: 'succeeded', job_count: 5 });
    expect(await bed.reader.listKeys(`${PREFIX}111122223333_us-east-1_${looping.id}`)).toEqual([]);
  });

  test('an expired token mid-walk fails that collaboration, with no partial object', async () => {
    const { id } = bed.seed(350);
    bed.harness.emulator.faults.expireTokenAfterPages(id, 2);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id });

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    expect(manifest.collaborations[0]).toMatchObject({
      status: 'failed',
      pages: 2,
      job_count: 200,
      error: { name: 'ValidationException' },
    });
    expect(await bed.reader.listKeys(`${PREFIX}111122223333_us-east-1_${id}`)).toEqual([]);
  });

  test('a job listed on two pages (the listing moved under the walk) is written once', async () => {
    const { id, jobs } = bed.seed(150);
    bed.harness.emulator.faults.duplicateAcrossPages(id);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id });

    await runExportJob({ scheduledTime: SCHEDULED }, env);

    const records = await bed.reader.readSnapshot(objectKey(id));
    expect(records.map((r) => r.audience_generation_job_arn).sort()).toEqual(jobs.map((j) => j.audienceGenerationJobArn).sort());
  });

  test('COLLABORATION_IDS=* walks without a filter and routes each record to its own collaboration object', async () => {
    const before = new Set(bed.harness.emulator.requests);
    const { id: a } = bed.seed(4);
    const { id: b } = bed.seed(2);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: '*', SNAPSHOT_PREFIX: 'all/' });

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    expect(manifest.status).toBe('succeeded');
    expect(manifest.collaboration_selection).toBe('*');
    const lists = bed.harness.emulator.requests.filter((r) => !before.has(r) && r.operation === 'ListAudienceGenerationJobs');
    expect(lists.every((r) => r.query.collaborationId === undefined)).toBe(true);
    const recordsA = await bed.reader.readSnapshot(`all/dt=2026-11-28/111122223333_us-east-1_${a}_20261128T090000Z.ndjson.gz`);
    const recordsB = await bed.reader.readSnapshot(`all/dt=2026-11-28/111122223333_us-east-1_${b}_20261128T090000Z.ndjson.gz`);
    expect(recordsA).toHaveLength(4);
    expect(recordsB).toHaveLength(2);
    expect(recordsA.every((r) => r.collaboration_id === a)).toBe(true);
    // Every seeded collaboration so far has its object, and each object holds only its own jobs.
    const totalJobs = manifest.collaborations.reduce((n, c) => n + c.job_count, 0);
    expect(totalJobs).toBe(manifest.totals.jobs);
  });

  test('CONFIGURED_AUDIENCE_MODEL_ARN is passed to the API as the filter; COMPRESSION=none writes plain .ndjson', async () => {
    const { id, jobs } = bed.seed(9);
    const modelArn = jobs[0].configuredAudienceModelArn;
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id, CONFIGURED_AUDIENCE_MODEL_ARN: modelArn, COMPRESSION: 'none' });

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    const lists = bed.harness.emulator.requests.filter((r) => r.operation === 'ListAudienceGenerationJobs');
    expect(lists.every((r) => r.query.configuredAudienceModelArn?.[0] === modelArn)).toBe(true);
    const key = objectKey(id, '20261128T090000Z', '.ndjson');
    const records = await bed.reader.readSnapshot(key);
    expect(records).toEqual(jobs.filter((j) => j.configuredAudienceModelArn === modelArn).map((j) => expectedRecord(j, id)));
    expect(manifest.configured_audience_model_arn).toBe(modelArn);
    expect(manifest.collaborations[0].object_bytes).toBe((await bed.reader.readObject(key)).length);
  });

  test('metrics: ExportedJobs and DeleteFailedJobs per collaboration and in total, DeleteFailedJobs even when 0', async () => {
    const withFailures = bed.seed(14); // two of each status
    const withoutFailures = bed.seed(5, { statuses: ['ACTIVE'] });
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: `${withFailures.id},${withoutFailures.id}` });

    await runExportJob({ scheduledTime: SCHEDULED }, env);

    const metrics = bed.output.metrics();
    expect(bed.output.text).toContain('"Namespace":"AudienceJobsExporter"');
    const find = (name: string, collaboration?: string) =>
      metrics.filter((m) => m.name === name && m.dimensions.CollaborationId === collaboration).map((m) => m.value);
    expect(find('DeleteFailedJobs', withFailures.id)).toEqual([2]);
    expect(find('DeleteFailedJobs', withoutFailures.id)).toEqual([0]);
    expect(find('ExportedJobs', withFailures.id)).toEqual([14]);
    expect(find('DeleteFailedJobs')).toEqual([2]);
    expect(find('ExportedJobs')).toEqual([19]);
    expect(find('FailedCollaborations')).toEqual([0]);
    expect(find('ExportSucceeded')).toEqual([1]);
    expect(metrics.every((m) => m.dimensions.service === 'audience-jobs-exporter')).toBe(true);
  });

  test('bad configuration fails before any API call and writes nothing', async () => {
    const before = (await bed.reader.listKeys()).length;
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: 'not-a-uuid' });

    await expect(runExportJob({ scheduledTime: SCHEDULED }, env)).rejects.toThrow(/COLLABORATION_IDS item 1 "not-a-uuid"/);
    await expect(runExportJob({ scheduledTime: 'yesterday' }, bed.harness.env({ COLLABORATION_IDS: collaborationId(1) }))).rejects.toThrow(
      /"yesterday"/,
    );

    expect(bed.harness.emulator.requests).toHaveLength(0);
    expect(await bed.reader.listKeys()).toHaveLength(before);
  });
});
