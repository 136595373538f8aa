/**
 * Log messages are an interface (lambda/commons/log-messages.ts): the dashboard's Logs Insights query, `npm start` and
 * operators' queries match them exactly. Runs of the export job over the wire, down the paths that log (a healthy run
 * that warns, failed collaborations, a failed `*` walk, a source that cannot be opened, S3 refusing an upload or the
 * manifest, bad input, no credentials), print no log line whose message is not one of LOG_MESSAGE.
 */
import { LOG_MESSAGE } from '../../../lambda/commons/log-messages';
import { runExportJob } from '../../../lambda/export/export-job';
import { LOCAL_ACCOUNT_ID } from '../../support/export-harness';
import { SCHEDULED, type S3UnderTest, startS3, stopS3 } from '../../support/run-checks';
import { useExportTestBed } from '../../support/export-test-bed';

const BUCKET = 'snapshots-log-messages';
const DENIED_ROLE = 'arn:aws:iam::777788889999:role/NotTrusted';
const MESSAGES: ReadonlySet<string> = new Set(Object.values(LOG_MESSAGE));

let s3: S3UnderTest | undefined;

const bed = useExportTestBed({ firstCollaboration: 0xa000 });

beforeAll(async () => {
  bed.harness.sts.addRole({ roleArn: DENIED_ROLE });
  bed.harness.sts.denyRole(DENIED_ROLE);
  s3 = await startS3('s3rver', BUCKET);
});

afterAll(() => stopS3(s3));

beforeEach(() => s3!.proxy.reset());

/** A collaboration of `count` jobs (one per status, in model order), in the local account and `region`. */
const seeded = (count: number, region = 'us-east-1') => bed.seed(count, { accountId: LOCAL_ACCOUNT_ID, region });

/**
 * Runs the export job in-process with the exporter's environment towards the local servers (S3 behind the fault
 * proxy) plus `env`; whether it resolves or throws, returns the messages of the log lines it printed, after checking
 * that each one is a LOG_MESSAGE.
 */
async function logMessagesOf(env: Record<string, string | undefined>): Promise<string[]> {
  bed.output.clear();
  const runEnv = bed.harness.applyEnv({
    COLLABORATION_IDS: undefined,
    EXPORT_SOURCES: undefined,
    CLEANROOMSML_MAX_ATTEMPTS: undefined,
    SNAPSHOT_BUCKET: BUCKET,
    AWS_ENDPOINT_URL_S3: s3!.proxy.endpoint,
    ...env,
  });
  await runExportJob({ scheduledTime: SCHEDULED }, runEnv).catch(() => undefined);
  const messages = bed.output.logs().map((line) => line.message);
  expect(messages.length).toBeGreaterThan(0);
  expect(messages.filter((message) => !MESSAGES.has(message))).toEqual([]);
  return messages;
}

/** The messages a path must log (the run may log others, e.g. per collaboration; each still a LOG_MESSAGE). */
const including = (expected: string[]) => expect.arrayContaining(expected);

describe('every log line of a run takes its message from LOG_MESSAGE', () => {
  it('a healthy run that warns about a status outside the model and a job gone between List and Get', async () => {
    const c = seeded(7); // index 2 is CREATE_FAILED (read with Get), index 3 ACTIVE
    bed.harness.emulator.faults.unknownStatus('ARCHIVED_BY_A_NEWER_API', c.jobs[3].audienceGenerationJobArn);
    // The emulator has no delete: drop the job from its Get index only, so that List still serves it.
    (bed.harness.emulator as unknown as { store: { byArn: Map<string, unknown> } }).store.byArn.delete(c.jobs[2].audienceGenerationJobArn);

    const messages = await logMessagesOf({ COLLABORATION_IDS: c.id });

    expect(messages).toEqual(
      including([
        LOG_MESSAGE.EXPORT_STARTED,
        LOG_MESSAGE.UNKNOWN_JOB_STATUS,
        LOG_MESSAGE.JOB_VANISHED,
        LOG_MESSAGE.COLLABORATION_EXPORTED,
        LOG_MESSAGE.EXPORT_FINISHED,
      ]),
    );
  });

  it('a listed collaboration that fails', async () => {
    const ok = seeded(3);
    const denied = seeded(3);
    bed.harness.emulator.faults.denyCollaboration(denied.id);

    const messages = await logMessagesOf({ COLLABORATION_IDS: `${ok.id},${denied.id}` });

    expect(messages).toEqual(
      including([
        LOG_MESSAGE.EXPORT_STARTED,
        LOG_MESSAGE.COLLABORATION_EXPORTED,
        LOG_MESSAGE.COLLABORATION_EXPORT_FAILED,
        LOG_MESSAGE.EXPORT_FINISHED,
      ]),
    );
  });

  it('a `*` walk that fails', async () => {
    seeded(3, 'eu-north-1');
    bed.harness.emulator.faults.serverErrors(1, { status: 500 });

    const messages = await logMessagesOf({
      EXPORT_SOURCES: JSON.stringify([{ region: 'eu-north-1', collaborationIds: '*' }]),
      CLEANROOMSML_MAX_ATTEMPTS: '1',
    });

    expect(messages).toEqual(
      including([LOG_MESSAGE.EXPORT_STARTED, LOG_MESSAGE.ALL_COLLABORATIONS_EXPORT_FAILED, LOG_MESSAGE.EXPORT_FINISHED]),
    );
  });

  it('a source whose role cannot be assumed', async () => {
    const ok = seeded(3);

    const messages = await logMessagesOf({
      EXPORT_SOURCES: JSON.stringify([
        { region: 'us-east-1', collaborationIds: [ok.id] },
        { region: 'eu-west-1', roleArn: DENIED_ROLE, collaborationIds: [bed.newId()] },
      ]),
    });

    expect(messages).toEqual(
      including([
        LOG_MESSAGE.EXPORT_STARTED,
        LOG_MESSAGE.COLLABORATION_EXPORTED,
        LOG_MESSAGE.SOURCE_NOT_EXPORTED,
        LOG_MESSAGE.EXPORT_FINISHED,
      ]),
    );
  });

  it('an upload of a `*` walk that S3 keeps refusing', async () => {
    const refused = seeded(3, 'eu-south-1');
    seeded(3, 'eu-south-1');
    s3!.proxy.fail('PutObject', 10, 'internalError', { pathContains: refused.id });

    const messages = await logMessagesOf({ EXPORT_SOURCES: JSON.stringify([{ region: 'eu-south-1', collaborationIds: '*' }]) });

    expect(messages).toEqual(including([LOG_MESSAGE.EXPORT_STARTED, LOG_MESSAGE.SNAPSHOT_UPLOAD_FAILED, LOG_MESSAGE.EXPORT_FINISHED]));
  });

  it('a manifest that S3 keeps refusing', async () => {
    const c = seeded(3);
    s3!.proxy.fail('PutObject', 10, 'internalError', { pathContains: '_manifest_' });

    const messages = await logMessagesOf({ COLLABORATION_IDS: c.id });

    expect(messages).toEqual(
      including([LOG_MESSAGE.EXPORT_STARTED, LOG_MESSAGE.COLLABORATION_EXPORTED, LOG_MESSAGE.MANIFEST_WRITE_FAILED]),
    );
  });

  it('a run that does not start: bad configuration, then no credentials', async () => {
    expect(await logMessagesOf({ COLLABORATION_IDS: 'not-a-collaboration-id' })).toEqual([LOG_MESSAGE.EXPORT_NOT_STARTED_BAD_INPUT]);
    expect(
      await logMessagesOf({ COLLABORATION_IDS: seeded(1).id, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined }),
    ).toEqual([LOG_MESSAGE.EXPORT_NOT_STARTED_NO_CREDENTIALS]);
  });
});

it('no two log messages are the same', () => {
  expect(MESSAGES.size).toBe(Object.keys(LOG_MESSAGE).length);
});
