/**
 * The fault matrix of the Clean Rooms ML side: real wire traffic from the Lambda handler to the emulator
 * (SigV4 verified, faults injected on the wire) and to an in-process S3 server. Every row asserts the
 * outcome, not the mechanics: a complete and exact snapshot, or no object for that collaboration and a
 * manifest entry that says why; the run's metrics; and whether the invocation failed (the handler throws,
 * so Lambda counts an error; the CLI exits 1 on the same manifest).
 *
 * S3 faults are in s3-faults.test.ts, the deadline in deadline.test.ts.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { CleanRoomsMLEmulator, generateJobs, type EmulatorJob, type ResetPoint, type ServerErrorStatus } from '../../../local/emulator';
import type { RunManifest } from '../../../lambda/snapshot/manifest';
import type { SnapshotRecord } from '../../../lambda/snapshot/record-schema';
import { LocalIdentities } from '../../../local/emulator/identities';
import { StsEmulator } from '../../../local/sts';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../../support/export-harness';
import { useExportTestBed, callHandler } from '../../support/export-test-bed';
import { SCHEDULED, expectedRecord, objectKey, expectHandlerOutcome } from '../../support/run-checks';

const ROOT = resolve(__dirname, '../../..');

const bed = useExportTestBed({ firstCollaboration: 0x7000 });

interface RunOutcome {
  manifest: RunManifest;
  /** What the handler threw (the invocation failed), or undefined when it resolved. */
  thrown: Error | undefined;
  records: Map<string, SnapshotRecord[]>;
}

/**
 * Runs the Lambda handler with the exporter's environment (unset optional variables stay unset), then
 * checks the invariant of every run against S3 and the manifest, and the metrics against the manifest.
 */
async function runHandler(ids: string[], env: Record<string, string | undefined> = {}): Promise<RunOutcome> {
  bed.output.clear();
  bed.harness.applyEnv({
    COLLABORATION_IDS: ids.join(','),
    CLEANROOMSML_MAX_ATTEMPTS: undefined,
    CLEANROOMSML_REQUEST_TIMEOUT_MS: undefined,
    MAX_CONCURRENCY: undefined,
    COMPRESSION: undefined,
    SNAPSHOT_PREFIX: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_CREDENTIAL_EXPIRATION: undefined,
    ...env,
  });
  const thrown = await callHandler();
  const { manifest, records } = await expectHandlerOutcome(bed.reader, bed.output, thrown);
  return { manifest, thrown, records };
}

const entryOf = (manifest: RunManifest, id: string) => manifest.collaborations.find((c) => c.collaboration_id === id)!;
const requestsOf = (id: string) => bed.harness.emulator.requests.filter((r) => r.query.collaborationId?.[0] === id);

function expectComplete(outcome: RunOutcome, { id, jobs }: { id: string; jobs: EmulatorJob[] }): void {
  expect(entryOf(outcome.manifest, id)).toMatchObject({ status: 'succeeded', job_count: jobs.length, object_key: objectKey(id) });
  expect(outcome.records.get(id)).toEqual(jobs.map((job) => expectedRecord(job, id)));
}

function expectFailed(outcome: RunOutcome, id: string, errorName: string | RegExp): void {
  const entry = entryOf(outcome.manifest, id);
  expect(entry).toMatchObject({ status: 'failed', object_key: null });
  expect(entry.error!.name).toMatch(errorName);
  expect(outcome.manifest).toMatchObject({ status: 'failed', reason: 'collaboration_failed' });
  expect(outcome.thrown?.message).toContain(id);
}

/**
 * A counted fault for the second List page of `id`: the first page takes a harmless 1 ms delay from the
 * queue (faults queue in order, one per request), the second takes `fault`.
 */
function onSecondPage(id: string, fault: (scope: { operation: 'ListAudienceGenerationJobs'; collaborationId: string }) => void): void {
  const scope = { operation: 'ListAudienceGenerationJobs', collaborationId: id } as const;
  bed.harness.emulator.faults.slowResponse(1, 1, scope);
  fault(scope);
}

describe('throttling (429) bursts of increasing length, against a budget of 3 attempts', () => {
  it.each([1, 2])('a burst of %i: retried, the snapshot is complete', async (burst) => {
    const throttled = bed.seed(60, { statuses: ['ACTIVE'] });
    const healthy = bed.seed(5, { statuses: ['ACTIVE'] });
    bed.harness.emulator.faults.throttle(burst, { collaborationId: throttled.id });

    const outcome = await runHandler([throttled.id, healthy.id], { CLEANROOMSML_MAX_ATTEMPTS: '3' });

    expectComplete(outcome, throttled);
    expectComplete(outcome, healthy);
    expect(requestsOf(throttled.id).filter((r) => r.status === 429)).toHaveLength(burst);
    expect(outcome.thrown).toBeUndefined();
  });

  it.each([4])('a burst of %i (past the budget): that collaboration fails cleanly, the other completes', async (burst) => {
    const throttled = bed.seed(60, { statuses: ['ACTIVE'] });
    const healthy = bed.seed(5, { statuses: ['ACTIVE'] });
    bed.harness.emulator.faults.throttle(burst, { collaborationId: throttled.id });

    const outcome = await runHandler([throttled.id, healthy.id], { CLEANROOMSML_MAX_ATTEMPTS: '3' });

    expectFailed(outcome, throttled.id, 'ThrottlingException');
    expectComplete(outcome, healthy);
    // Exactly the budget was spent: no fourth attempt.
    expect(requestsOf(throttled.id)).toHaveLength(3);
    expect(outcome.manifest.totals).toMatchObject({ succeeded: 1, failed: 1, jobs: 5 });
  });

  it('a sustained rate limit (token bucket, not listed in the issue): every collaboration completes', async () => {
    const collaborations = [
      bed.seed(90, { statuses: ['ACTIVE'] }),
      bed.seed(90, { statuses: ['ACTIVE'] }),
      bed.seed(90, { statuses: ['ACTIVE'] }),
    ];
    bed.harness.emulator.faults.rateLimit({ requestsPerSecond: 4, burst: 1 }); // three first pages at once: two are over

    const outcome = await runHandler(collaborations.map((c) => c.id));

    for (const c of collaborations) expectComplete(outcome, c);
    expect(bed.harness.emulator.requests.some((r) => r.fault === 'rateLimit')).toBe(true);
  });
});

describe('server errors, connection resets, slow answers: retried, complete', () => {
  it.each([500, 503, 502, 504] as ServerErrorStatus[])('a burst of two %i answers', async (status) => {
    const c = bed.seed(150);
    bed.harness.emulator.faults.serverErrors(2, { collaborationId: c.id, status });

    const outcome = await runHandler([c.id]);

    expectComplete(outcome, c);
    expect(bed.harness.emulator.requests.filter((r) => r.status === status)).toHaveLength(2);
  });

  it.each(['before-response', 'after-headers', 'mid-body'] as ResetPoint[])('two connection resets (%s)', async (at) => {
    const c = bed.seed(150);
    bed.harness.emulator.faults.resetConnections(2, { collaborationId: c.id, at });

    const outcome = await runHandler([c.id]);

    expectComplete(outcome, c);
    expect(bed.harness.emulator.requests.filter((r) => r.fault === 'resetConnection')).toHaveLength(2);
  });

  it('an answer slower than the request timeout is abandoned and retried', async () => {
    const c = bed.seed(150);
    bed.harness.emulator.faults.slowResponse(1, 3_000, { collaborationId: c.id });

    const outcome = await runHandler([c.id], { CLEANROOMSML_REQUEST_TIMEOUT_MS: '1000' });

    expectComplete(outcome, c);
    expect(bed.harness.emulator.requests.filter((r) => r.fault === 'slowResponse')).toHaveLength(1);
  });

  it('server errors past the budget: that collaboration fails cleanly with the service error', async () => {
    const c = bed.seed(150);
    const healthy = bed.seed(3);
    bed.harness.emulator.faults.serverErrors(3, { collaborationId: c.id, status: 500 });

    const outcome = await runHandler([c.id, healthy.id], { CLEANROOMSML_MAX_ATTEMPTS: '3' });

    expectFailed(outcome, c.id, 'InternalServiceException');
    expectComplete(outcome, healthy);
  });

  it('every attempt slower than the timeout: that collaboration fails cleanly with a TimeoutError', async () => {
    const c = bed.seed(20);
    bed.harness.emulator.faults.slowResponse(2, 3_000, { collaborationId: c.id });

    const outcome = await runHandler([c.id], { CLEANROOMSML_MAX_ATTEMPTS: '2', CLEANROOMSML_REQUEST_TIMEOUT_MS: '300' });

    expectFailed(outcome, c.id, /Timeout/);
  });
});

describe('bodies the client cannot trust: that collaboration fails with a clear error, never a wrong row', () => {
  const cases: Array<[string, (id: string) => void, RegExp]> = [
    ['a truncated body on page 2', (id) => onSecondPage(id, (s) => bed.harness.emulator.faults.truncateBody(1, s)), /not valid JSON/],
    ['malformed JSON on page 2', (id) => onSecondPage(id, (s) => bed.harness.emulator.faults.malformedJson(1, s)), /not valid JSON/],
    [
      'a summary without its required name on page 2',
      (id) => onSecondPage(id, (s) => bed.harness.emulator.faults.missingRequiredField(1, 'name', s)),
      /audienceGenerationJobs\[0\]\.name is required/,
    ],
    [
      'a page without audienceGenerationJobs',
      (id) => onSecondPage(id, (s) => bed.harness.emulator.faults.missingRequiredField(1, 'audienceGenerationJobs', s)),
      /audienceGenerationJobs is required/,
    ],
    [
      'a GetAudienceGenerationJob answer without createTime',
      (id) =>
        bed.harness.emulator.faults.missingRequiredField(1, 'createTime', { operation: 'GetAudienceGenerationJob', collaborationId: id }),
      /createTime is required/,
    ],
  ];

  it.each(cases)('%s: InvalidResponseError, not retried, no partial object', async (_, inject, message) => {
    const c = bed.seed(250);
    const healthy = bed.seed(3);
    inject(c.id);

    const outcome = await runHandler([c.id, healthy.id]);

    expectFailed(outcome, c.id, 'InvalidResponseError');
    expect(entryOf(outcome.manifest, c.id).error!.message).toMatch(message);
    expectComplete(outcome, healthy);
    // Not retried: the request that carried the bad body was the only one of its kind.
    const bad = requestsOf(c.id).concat(bed.harness.emulator.requests.filter((r) => r.operation === 'GetAudienceGenerationJob'));
    expect(bad.filter((r) => r.fault && r.fault !== 'slowResponse')).toHaveLength(1);
  });

  it('a status outside the model is exported as-is, with a warning; the snapshot is complete', async () => {
    const c = bed.seed(12);
    const arn = c.jobs[3].audienceGenerationJobArn;
    bed.harness.emulator.faults.unknownStatus('ARCHIVED_BY_A_NEWER_API', arn);

    const outcome = await runHandler([c.id]);

    const expected = c.jobs.map((job) =>
      expectedRecord(job.audienceGenerationJobArn === arn ? { ...job, status: 'ARCHIVED_BY_A_NEWER_API' } : job, c.id),
    );
    expect(outcome.records.get(c.id)).toEqual(expected);
    expect(outcome.manifest.collaborations[0].status_counts.ARCHIVED_BY_A_NEWER_API).toBe(1);
    expect(bed.output.logs().filter((l) => l.level === 'WARN' && l.status === 'ARCHIVED_BY_A_NEWER_API')).toHaveLength(1);
  });

  it('a job deleted between List and Get is exported with status_details null', async () => {
    const c = bed.seed(7); // one job per status; index 2 is CREATE_FAILED
    const vanished = c.jobs[2];
    expect(vanished.status).toBe('CREATE_FAILED');
    // The emulator has no delete: drop the job from its Get index only, so that List still serves it.
    (bed.harness.emulator as unknown as { store: { byArn: Map<string, unknown> } }).store.byArn.delete(vanished.audienceGenerationJobArn);

    const outcome = await runHandler([c.id]);

    expect(outcome.records.get(c.id)).toEqual(
      c.jobs.map((job) => ({ ...expectedRecord(job, c.id), ...(job === vanished ? { status_details: null } : {}) })),
    );
  });
});

describe('the listing itself misbehaves', () => {
  it('a ValidationException on a nextToken mid-walk (an expired token): that collaboration fails, no partial object', async () => {
    const c = bed.seed(350);
    const healthy = bed.seed(120);
    bed.harness.emulator.faults.expireTokenAfterPages(c.id, 2);

    const outcome = await runHandler([c.id, healthy.id]);

    expectFailed(outcome, c.id, 'ValidationException');
    expect(entryOf(outcome.manifest, c.id)).toMatchObject({ pages: 2, job_count: 200 });
    expectComplete(outcome, healthy);
  });

  it('a job that appears on two pages (the listing moved under the walk) is exported once', async () => {
    const c = bed.seed(250);
    bed.harness.emulator.faults.duplicateAcrossPages(c.id);

    const outcome = await runHandler([c.id]);

    expectComplete(outcome, c);
  });

  it('AccessDenied for one collaboration: an isolated failure, tried once, the others complete', async () => {
    const a = bed.seed(150);
    const denied = bed.seed(150);
    const b = bed.seed(30);
    bed.harness.emulator.faults.denyCollaboration(denied.id);

    const outcome = await runHandler([a.id, denied.id, b.id]);

    expectFailed(outcome, denied.id, 'AccessDeniedException');
    expectComplete(outcome, a);
    expectComplete(outcome, b);
    expect(requestsOf(denied.id)).toHaveLength(1);
    expect(outcome.manifest.totals).toMatchObject({ collaborations: 3, succeeded: 2, failed: 1, jobs: 180 });
  });
});

describe('credentials: one clear message, not one failure per collaboration', () => {
  /** The handler with these credential variables; no manifest can be written without credentials. */
  async function runWithoutUsableCredentials(credentials: Record<string, string | undefined>): Promise<Error> {
    const ids = [bed.seed(3).id, bed.seed(3).id, bed.seed(3).id];
    const before = await bed.reader.listKeys();
    bed.harness.applyEnv({
      COLLABORATION_IDS: ids.join(','),
      AWS_SESSION_TOKEN: undefined,
      AWS_CREDENTIAL_EXPIRATION: undefined,
      ...credentials,
    });
    const thrown = await callHandler();
    expect(thrown).toBeDefined();
    expect(bed.harness.emulator.requests).toHaveLength(0);
    expect(await bed.reader.listKeys()).toEqual(before);
    expect(bed.output.errorLogs()).toHaveLength(1);
    expect(bed.output.total('ExportSucceeded')).toBe(0);
    return thrown!;
  }

  it('missing credentials: the run stops before any request, with one CredentialsError', async () => {
    const thrown = await runWithoutUsableCredentials({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });

    expect(thrown).toMatchObject({ name: 'CredentialsError', message: expect.stringMatching(/^No AWS credentials could be resolved/) });
    expect(bed.output.errorLogs()[0]).toMatchObject({
      message: 'Export not started: no usable AWS credentials',
      error: { name: 'CredentialsError' },
    });
  });

  it('credentials that have expired (AWS_CREDENTIAL_EXPIRATION in the past): the same, before any request', async () => {
    const thrown = await runWithoutUsableCredentials({ AWS_CREDENTIAL_EXPIRATION: '2026-01-01T00:00:00Z' });

    expect(thrown).toMatchObject({
      name: 'CredentialsError',
      message: 'The AWS credentials expired at 2026-01-01T00:00:00.000Z; refresh them and run again',
    });
  });

  it('credentials the service rejects (a stale session token): the run stops after the first answer, one error log', async () => {
    // An emulator that expects the current session token; the exporter holds a stale one (s3rver ignores tokens).
    const strict = await CleanRoomsMLEmulator.start({ credentials: { ...LOCAL_CREDENTIALS, sessionToken: 'current-session-token' } });
    // STS still knows the stale session (it was valid when the role session began), so the source opens.
    const sts = await StsEmulator.start({
      identities: new LocalIdentities([{ ...LOCAL_CREDENTIALS, sessionToken: 'stale-session-token', accountId: LOCAL_ACCOUNT_ID }]),
    });
    try {
      const ids = Array.from({ length: 6 }, () => bed.newId());
      for (const id of ids) strict.seed(id, generateJobs({ collaborationId: id, count: 3 }));

      const outcome = await runHandler(ids, {
        AWS_ENDPOINT_URL_CLEANROOMSML: strict.endpoint,
        AWS_ENDPOINT_URL_STS: sts.endpoint,
        AWS_SESSION_TOKEN: 'stale-session-token',
        MAX_CONCURRENCY: '2',
      });

      expect(outcome.manifest.totals).toMatchObject({ collaborations: 6, succeeded: 0, failed: 6, jobs: 0 });
      // At most the requests already in flight; the four collaborations not yet started are never tried.
      expect(strict.requests.length).toBeLessThanOrEqual(2);
      expect(strict.requests.every((r) => r.status !== 200)).toBe(true);
      const names = outcome.manifest.collaborations.map((c) => c.error!.name);
      expect(names.filter((n) => n === 'CredentialsRejectedError').length).toBeGreaterThanOrEqual(4);
      expect(names.every((n) => n === 'CredentialsRejectedError' || n === 'UnrecognizedClientException')).toBe(true);
      const errors = bed.output.errorLogs().map((l) => l.message);
      expect(errors).toEqual([
        'Export stopped: the credentials were rejected; the remaining collaborations are not exported',
        'Export finished',
      ]);
    } finally {
      await Promise.all([strict.stop(), sts.stop()]);
    }
  });

  it('the CLI without credentials: exit status 1 and one line that says so', async () => {
    const env = bed.harness.env({ COLLABORATION_IDS: bed.newId(), AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const result = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'lambda/cli/export-cli.ts', '--scheduled-time', SCHEDULED],
        {
          cwd: ROOT,
          env: { PATH: process.env.PATH, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', ...stripUndefined(env) },
        },
        (error, _stdout, stderr) => done({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });

    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter((l) => l && !l.startsWith('{'));
    expect(lines).toEqual([expect.stringMatching(/^error: export failed: CredentialsError: No AWS credentials could be resolved/)]);
    expect(bed.harness.emulator.requests).toHaveLength(0);
  });
});

describe('reruns and scheduled times', () => {
  it('two runs of the same time: same keys, identical bytes; another time the same day: distinct objects; never a duplicate row', async () => {
    const c = bed.seed(230);
    bed.harness.emulator.faults.duplicateAcrossPages(c.id);

    const first = await runHandler([c.id]);
    const bytes = await bed.reader.readObject(objectKey(c.id));
    const manifestBytes = (await bed.reader.readManifest()).collaborations;
    const second = await runHandler([c.id]);
    bed.harness.applyEnv({ COLLABORATION_IDS: c.id });
    expect(await callHandler('2026-11-28T10:00:00Z')).toBeUndefined();

    expect((await bed.reader.readObject(objectKey(c.id))).equals(bytes)).toBe(true);
    expect(second.records.get(c.id)).toEqual(first.records.get(c.id));
    expect(manifestBytes.map((e) => e.object_key)).toEqual([objectKey(c.id)]);
    expect(await bed.reader.listKeys(`audience-generation-jobs/dt=2026-11-28/111122223333_us-east-1_${c.id}`)).toEqual([
      objectKey(c.id),
      objectKey(c.id, '20261128T100000Z'),
    ]);
    const later = await bed.reader.readSnapshot(objectKey(c.id, '20261128T100000Z'));
    expect(later.map((r) => r.audience_generation_job_arn)).toEqual(c.jobs.map((j) => j.audienceGenerationJobArn));
    expect(later.every((r) => r.snapshot_time === '2026-11-28T10:00:00.000Z')).toBe(true);
  });

  it('a retry after a failed run writes the complete snapshot and a manifest that says so', async () => {
    const c = bed.seed(350);
    bed.harness.emulator.faults.expireTokenAfterPages(c.id, 2);
    const failed = await runHandler([c.id]);
    expectFailed(failed, c.id, 'ValidationException');
    bed.harness.emulator.faults.reset();

    const retried = await runHandler([c.id]);

    expectComplete(retried, c);
    expect(retried.manifest).toMatchObject({ status: 'succeeded', reason: null });
  });
});

describe("reruns and scheduled times: an earlier attempt's object", () => {
  it('a later attempt of the same time that fails leaves the earlier complete object in place; its manifest reports the failure', async () => {
    const c = bed.seed(40);
    await runHandler([c.id]);
    const before = await bed.reader.readObject(objectKey(c.id));
    bed.harness.emulator.faults.denyCollaboration(c.id);
    bed.harness.applyEnv({ COLLABORATION_IDS: c.id });

    expect((await callHandler())?.message).toMatch(/AccessDenied/);

    // The function may not delete (least privilege): the object of the earlier attempt stays, complete and
    // unchanged; the latest manifest, which overwrote the earlier one, says this attempt exported nothing.
    expect((await bed.reader.readObject(objectKey(c.id))).equals(before)).toBe(true);
    expect((await bed.reader.readManifest()).collaborations[0]).toMatchObject({
      status: 'failed',
      object_key: null,
      error: { name: 'AccessDeniedException' },
    });
  });
});

function stripUndefined(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
