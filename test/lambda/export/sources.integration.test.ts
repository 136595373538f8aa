/**
 * Many accounts and Regions, over the wire: the exporter assumes roles through the local STS, learns each source's
 * account with GetCallerIdentity, and reads each (account, Region) of the emulator with its own credentials.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateJobs, type EmulatorJob } from '../../../local/emulator';
import { LOG_MESSAGE } from '../../../lambda/commons/log-messages';
import { runExportJob } from '../../../lambda/export/export-job';
import { ConfigurationError } from '../../../lambda/config-rules/configuration-error';
import type { RunManifest } from '../../../lambda/snapshot/manifest';
import { LOCAL_ACCOUNT_ID } from '../../support/export-harness';
import { collaborationId } from '../../support/ids';
import { SCHEDULED, expectRunInvariant, expectedRecord, objectKey } from '../../support/run-checks';
import { useExportTestBed } from '../../support/export-test-bed';

const MEMBER = '444455556666';
const OTHER = '777788889999';
const ROLE = `arn:aws:iam::${MEMBER}:role/AudienceJobsReader`;
const OTHER_ROLE = `arn:aws:iam::${OTHER}:role/AudienceJobsReader`;
const DENIED_ROLE = `arn:aws:iam::${OTHER}:role/NotTrusted`;

const bed = useExportTestBed({ firstCollaboration: 9000 });

beforeAll(() => {
  bed.harness.sts.addRole({ roleArn: ROLE, externalId: 'member-external-id' });
  bed.harness.sts.addRole({ roleArn: OTHER_ROLE });
  bed.harness.sts.addRole({ roleArn: DENIED_ROLE });
  bed.harness.sts.denyRole(DENIED_ROLE);
});

beforeEach(() => bed.harness.sts.clearRequests());

function seed(count: number, where: { accountId: string; region: string }, id?: string): { id: string; jobs: EmulatorJob[] } {
  return bed.seed(count, { ...where, collaborationId: id });
}

async function run(sources: unknown[]): Promise<RunManifest> {
  const env = bed.harness.applyEnv({ EXPORT_SOURCES: JSON.stringify(sources), COLLABORATION_IDS: undefined });
  const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);
  await expectRunInvariant(bed.reader, manifest);
  return manifest;
}

const key = (id: string, accountId: string, region: string) => objectKey(id, undefined, undefined, { accountId, region });

describe('sources over the wire', () => {
  test('two accounts through STS, and two Regions: each source reads its own jobs into its own keys', async () => {
    const own = seed(120, { accountId: LOCAL_ACCOUNT_ID, region: 'us-east-1' });
    const member = seed(230, { accountId: MEMBER, region: 'eu-west-1' });
    const memberOtherRegion = seed(5, { accountId: MEMBER, region: 'eu-central-1' });

    const manifest = await run([
      { region: 'us-east-1', collaborationIds: [own.id] },
      { region: 'eu-west-1', roleArn: ROLE, externalId: 'member-external-id', collaborationIds: [member.id] },
      { region: 'eu-central-1', roleArn: ROLE, externalId: 'member-external-id', collaborationIds: '*' },
    ]);

    expect(manifest.status).toBe('succeeded');
    expect(await bed.reader.readSnapshot(key(own.id, LOCAL_ACCOUNT_ID, 'us-east-1'))).toEqual(
      own.jobs.map((j) => expectedRecord(j, own.id)),
    );
    expect(await bed.reader.readSnapshot(key(member.id, MEMBER, 'eu-west-1'))).toEqual(
      member.jobs.map((j) => expectedRecord(j, member.id)),
    );
    expect(await bed.reader.readSnapshot(key(memberOtherRegion.id, MEMBER, 'eu-central-1'))).toHaveLength(5);
    expect(manifest.sources).toEqual([
      {
        region: 'us-east-1',
        role_arn: null,
        account_id: LOCAL_ACCOUNT_ID,
        collaboration_selection: [own.id],
        status: 'succeeded',
        error: null,
      },
      { region: 'eu-west-1', role_arn: ROLE, account_id: MEMBER, collaboration_selection: [member.id], status: 'succeeded', error: null },
      { region: 'eu-central-1', role_arn: ROLE, account_id: MEMBER, collaboration_selection: '*', status: 'succeeded', error: null },
    ]);
    expect(manifest.collaboration_selection).toBe('*');
    expect(manifest.collaborations.map((c) => [c.account_id, c.region, c.role_arn, c.collaboration_id])).toEqual([
      [LOCAL_ACCOUNT_ID, 'us-east-1', null, own.id],
      [MEMBER, 'eu-west-1', ROLE, member.id],
      [MEMBER, 'eu-central-1', ROLE, memberOtherRegion.id],
    ]);
    // Each source signed for its own Region; the member's requests were signed with the assumed role's credentials.
    const byRegion = (region: string) => bed.harness.emulator.requests.filter((r) => r.region === region);
    expect(byRegion('us-east-1').every((r) => r.accountId === LOCAL_ACCOUNT_ID)).toBe(true);
    expect(byRegion('eu-west-1').length).toBeGreaterThanOrEqual(3);
    expect([...byRegion('eu-west-1'), ...byRegion('eu-central-1')].every((r) => r.accountId === MEMBER)).toBe(true);
    // One AssumeRole per (role, Region) source, however many requests; one GetCallerIdentity per source.
    expect(bed.harness.sts.assumeRoleCount(ROLE)).toBe(2);
    expect(bed.harness.sts.requests.filter((r) => r.action === 'GetCallerIdentity')).toHaveLength(3);
    // Per-collaboration metrics carry the account and the Region.
    const perCollaboration = bed.output.metrics().filter((m) => m.name === 'ExportedJobs' && m.dimensions.CollaborationId === member.id);
    expect(perCollaboration).toEqual([
      {
        name: 'ExportedJobs',
        value: 230,
        dimensions: { AccountId: MEMBER, CollaborationId: member.id, Region: 'eu-west-1', service: expect.any(String) },
      },
    ]);
  });

  test('a warm second run reuses the assumed session: no second AssumeRole', async () => {
    const member = seed(3, { accountId: MEMBER, region: 'eu-west-1' });
    const sources = [{ region: 'eu-west-1', roleArn: ROLE, externalId: 'member-external-id', collaborationIds: [member.id] }];
    const before = bed.harness.sts.assumeRoleCount(ROLE);
    await run(sources);
    await run(sources);
    expect(bed.harness.sts.assumeRoleCount(ROLE) - before).toBe(1);
  });

  test('a role that cannot be assumed fails its source cleanly; the other sources complete', async () => {
    const own = seed(10, { accountId: LOCAL_ACCOUNT_ID, region: 'us-east-1' });
    const member = seed(10, { accountId: MEMBER, region: 'eu-west-1' });
    const unreachable = bed.newId();

    const manifest = await run([
      { region: 'us-east-1', collaborationIds: [own.id] },
      { region: 'eu-west-1', roleArn: DENIED_ROLE, collaborationIds: [unreachable, member.id] },
      { region: 'eu-west-1', roleArn: ROLE, externalId: 'wrong-external-id', collaborationIds: '*' },
      { region: 'eu-west-2', roleArn: ROLE, externalId: 'member-external-id', collaborationIds: [member.id] },
    ]);

    expect(manifest).toMatchObject({
      status: 'failed',
      reason: 'collaboration_failed',
      totals: { collaborations: 5, succeeded: 2, failed: 3 },
    });
    const denied = manifest.collaborations.filter((c) => c.role_arn === DENIED_ROLE);
    expect(denied.map((c) => c.collaboration_id)).toEqual([unreachable, member.id]);
    for (const entry of denied) {
      expect(entry).toMatchObject({
        status: 'failed',
        account_id: OTHER,
        region: 'eu-west-1',
        object_key: null,
        error: { name: 'SourceUnavailableError' },
      });
      expect(entry.error!.message).toContain(`The role ${DENIED_ROLE} could not be assumed in eu-west-1 (AccessDenied:`);
    }
    const wrongExternalId = manifest.collaborations.find((c) => c.role_arn === ROLE && c.region === 'eu-west-1')!;
    expect(wrongExternalId).toMatchObject({
      collaboration_id: '*',
      status: 'failed',
      account_id: MEMBER,
      error: { name: 'SourceUnavailableError' },
    });
    expect(manifest.sources.map((s) => s.status)).toEqual(['succeeded', 'failed', 'failed', 'succeeded']);
    expect(manifest.sources[1].error!.message).toContain(DENIED_ROLE);
    // The other sources completed; eu-west-2 of the member has no jobs of that collaboration: an empty object.
    expect(await bed.reader.readSnapshot(key(own.id, LOCAL_ACCOUNT_ID, 'us-east-1'))).toHaveLength(10);
    expect(await bed.reader.readSnapshot(key(member.id, MEMBER, 'eu-west-2'))).toEqual([]);
    expect(await bed.reader.listKeys(`audience-generation-jobs/dt=2026-11-28/${OTHER}_`)).toEqual([]);
    expect(bed.output.errorLogs().map((l) => l.message)).toContain(LOG_MESSAGE.SOURCE_NOT_EXPORTED);
  });

  test('the same collaboration seen from two accounts: two objects, never one key', async () => {
    const id = bed.newId();
    const mine = seed(40, { accountId: LOCAL_ACCOUNT_ID, region: 'eu-west-1' }, id);
    const theirs = seed(60, { accountId: OTHER, region: 'eu-west-1' }, id);

    const manifest = await run([
      { region: 'eu-west-1', collaborationIds: [id] },
      { region: 'eu-west-1', roleArn: OTHER_ROLE, collaborationIds: [id] },
    ]);

    expect(manifest.status).toBe('succeeded');
    expect(await bed.reader.readSnapshot(key(id, LOCAL_ACCOUNT_ID, 'eu-west-1'))).toEqual(mine.jobs.map((j) => expectedRecord(j, id)));
    expect(await bed.reader.readSnapshot(key(id, OTHER, 'eu-west-1'))).toEqual(theirs.jobs.map((j) => expectedRecord(j, id)));
    expect(manifest.totals.jobs).toBe(100);
  });

  test('* with collaborations interleaved in the listing: one complete object each, no spill file left', async () => {
    const where = { accountId: OTHER, region: 'ap-southeast-2' };
    const ids = Array.from({ length: 40 }, () => bed.newId());
    const expected = new Map<string, EmulatorJob[]>(ids.map((id) => [id, []]));
    // Seeding one job at a time, round-robin, interleaves the collaborations across every page of the listing.
    const jobsOf = new Map(ids.map((id, i) => [id, generateJobs({ collaborationId: id, count: 3 + (i % 5), ...where })]));
    for (let round = 0; round < 8; round++) {
      for (const id of ids) {
        const job = jobsOf.get(id)![round];
        if (!job) continue;
        bed.harness.emulator.seed(id, [job], where);
        expected.get(id)!.push(job);
      }
    }

    const spillParent = mkdtempSync(path.join(tmpdir(), 'spill-parent-'));
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = spillParent;
    let manifest: RunManifest;
    try {
      manifest = await run([{ region: 'ap-southeast-2', roleArn: OTHER_ROLE, collaborationIds: '*' }]);
      expect(readdirSync(spillParent)).toEqual([]);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      rmSync(spillParent, { recursive: true, force: true });
    }

    expect(manifest.status).toBe('succeeded');
    expect(manifest.collaborations).toHaveLength(40);
    for (const [id, jobs] of expected) {
      expect(await bed.reader.readSnapshot(key(id, OTHER, 'ap-southeast-2'))).toEqual(jobs.map((j) => expectedRecord(j, id)));
    }
    expect(manifest.totals.jobs).toBe([...expected.values()].reduce((n, j) => n + j.length, 0));
  });

  test('EXPORT_SOURCES and COLLABORATION_IDS together: one clear error, before any request', async () => {
    const keysBefore = await bed.reader.listKeys();
    const env = bed.harness.applyEnv({
      EXPORT_SOURCES: JSON.stringify([{ region: 'us-east-1', collaborationIds: '*' }]),
      COLLABORATION_IDS: collaborationId(1),
    });
    // A time no other test writes: had the run started, its manifest would be a new key.
    const event = { scheduledTime: '2026-11-28T23:00:00Z' };
    await expect(runExportJob(event, env)).rejects.toThrow(ConfigurationError);
    await expect(runExportJob(event, env)).rejects.toThrow('EXPORT_SOURCES and COLLABORATION_IDS are both set');
    expect(bed.harness.emulator.requests).toHaveLength(0);
    expect(bed.harness.sts.requests).toHaveLength(0);
    expect(await bed.reader.listKeys()).toEqual(keysBefore);
  });
});
