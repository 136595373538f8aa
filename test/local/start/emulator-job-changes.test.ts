/** The emulator's updateJob and removeJob, which the status-changes scenario of npm start uses between its two runs. */
import { CleanRoomsMLEmulator, generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, listAllPages } from '../../support/signed-http';

const A = collaborationId(1);
const MEMBER = { accessKeyId: 'AKIDMEMBER0000000001', secretAccessKey: 'member', accountId: '444455556666' };

describe('emulator: updateJob and removeJob', () => {
  let emulator: CleanRoomsMLEmulator;
  const jobs = generateJobs({ collaborationId: A, count: 4, statuses: ['ACTIVE'] });
  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start();
    emulator.identities.add(MEMBER);
    emulator.seed(A, jobs);
    emulator.seed(A, generateJobs({ collaborationId: A, count: 1, accountId: MEMBER.accountId }), { accountId: MEMBER.accountId });
  });
  afterAll(() => emulator.stop());

  const listed = async () => (await listAllPages(emulator, { collaborationId: A })).flatMap((p) => p.audienceGenerationJobs);

  it('updateJob changes what List and Get answer, in place', async () => {
    const arn = jobs[1].audienceGenerationJobArn;
    const updated = emulator.updateJob(arn, {
      status: 'DELETE_FAILED',
      updateTime: '2026-11-28T09:30:00.000Z',
      statusDetails: { statusCode: 'INTERNAL_ERROR', message: 'Could not delete.' },
    });
    expect(updated).toMatchObject({ audienceGenerationJobArn: arn, name: jobs[1].name, status: 'DELETE_FAILED' });

    const summaries = await listed();
    expect(summaries.map((j) => j.audienceGenerationJobArn)).toEqual(jobs.map((j) => j.audienceGenerationJobArn));
    expect(summaries[1]).toMatchObject({ status: 'DELETE_FAILED', updateTime: '2026-11-28T09:30:00.000Z' });
    const got = JSON.parse((await getJob(emulator, arn)).body) as Record<string, unknown>;
    expect(got).toMatchObject({ status: 'DELETE_FAILED', statusDetails: { statusCode: 'INTERNAL_ERROR', message: 'Could not delete.' } });
  });

  it('removeJob makes the job unknown to List and Get; the others keep their order', async () => {
    const arn = jobs[2].audienceGenerationJobArn;
    expect(emulator.removeJob(arn).audienceGenerationJobArn).toBe(arn);

    expect((await listed()).map((j) => j.audienceGenerationJobArn)).toEqual(
      [jobs[0], jobs[1], jobs[3]].map((j) => j.audienceGenerationJobArn),
    );
    const answer = await getJob(emulator, arn);
    expect(errorOf(answer)).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
    // Seeding it again is allowed once it is gone (a new job with the same ARN cannot happen on AWS, but the store allows it).
    emulator.seed(A, [jobs[2]]);
    expect((await listed()).at(-1)!.audienceGenerationJobArn).toBe(arn);
  });

  it('acts in one account and Region only, and throws on a job that is not seeded there', () => {
    const own = jobs[0].audienceGenerationJobArn;
    expect(() => emulator.updateJob(own, { status: 'ACTIVE' }, { accountId: MEMBER.accountId })).toThrow(/not seeded/);
    expect(() => emulator.removeJob('arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/nope')).toThrow(/not seeded/);
  });
});
