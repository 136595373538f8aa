import { CleanRoomsMLEmulator, generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, listAllPages, listJobs } from '../../support/signed-http';

describe('emulator: ListAudienceGenerationJobs paging', () => {
  let emulator: CleanRoomsMLEmulator;
  beforeAll(async () => {
    emulator = await CleanRoomsMLEmulator.start();
  });
  afterAll(() => emulator.stop());

  /** Seeds a fresh collaboration (ids never repeat within this file) and returns its id and jobs. */
  let nextCollaboration = 100;
  function seedCollaboration(count: number, configuredAudienceModels?: number) {
    const collaboration = collaborationId(nextCollaboration++);
    const jobs = generateJobs({ collaborationId: collaboration, count, configuredAudienceModels });
    emulator.seed(collaboration, jobs);
    return { collaboration, jobs };
  }

  async function firstToken(collaboration: string, target = emulator): Promise<string> {
    return JSON.parse((await listJobs(target, { collaborationId: collaboration, maxResults: 1 })).body).nextToken;
  }

  it.each([
    [0, [0]],
    [1, [1]],
    [100, [100]],
    [101, [100, 1]],
    [250, [100, 100, 50]],
  ])('walks %i jobs in pages of %j, each job once, in seeding order', async (count, pageSizes) => {
    const { collaboration, jobs } = seedCollaboration(count);

    const pages = await listAllPages(emulator, { collaborationId: collaboration });

    expect(pages.map((page) => page.audienceGenerationJobs.length)).toEqual(pageSizes);
    expect(pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn))).toEqual(
      jobs.map((job) => job.audienceGenerationJobArn),
    );
    expect(pages[pages.length - 1]).not.toHaveProperty('nextToken');
  });

  it('issues tokens that contain +, / and =', async () => {
    const { collaboration } = seedCollaboration(30);

    const pages = await listAllPages(emulator, { collaborationId: collaboration, maxResults: 1 });

    const tokens = pages.flatMap((page) => (page.nextToken === undefined ? [] : [page.nextToken]));
    expect(tokens).toHaveLength(29);
    for (const token of tokens) expect([token.includes('+'), token.includes('/'), token.includes('=')]).toEqual([true, true, true]);
  });

  it('honours maxResults, and lets it change between pages', async () => {
    const { collaboration } = seedCollaboration(7);

    const first = JSON.parse((await listJobs(emulator, { collaborationId: collaboration, maxResults: 3 })).body);
    const second = JSON.parse(
      (await listJobs(emulator, { collaborationId: collaboration, maxResults: 10, nextToken: first.nextToken })).body,
    );

    expect(first.audienceGenerationJobs).toHaveLength(3);
    expect(second.audienceGenerationJobs).toHaveLength(4);
    expect(second.nextToken).toBeUndefined();
  });

  it('filters by configuredAudienceModelArn', async () => {
    const { collaboration, jobs } = seedCollaboration(9, 3);
    const modelArn = jobs[1].configuredAudienceModelArn;

    const pages = await listAllPages(emulator, { collaborationId: collaboration, configuredAudienceModelArn: modelArn });

    expect(pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn))).toEqual(
      jobs.filter((job) => job.configuredAudienceModelArn === modelArn).map((job) => job.audienceGenerationJobArn),
    );
  });

  it('lists the jobs of every collaboration when no collaborationId is given', async () => {
    const other = await CleanRoomsMLEmulator.start();
    try {
      const [a, b] = [collaborationId(1), collaborationId(2)];
      const jobs = [...generateJobs({ collaborationId: a, count: 60 }), ...generateJobs({ collaborationId: b, count: 60 })];
      other.seed(a, jobs.slice(0, 60));
      other.seed(b, jobs.slice(60));

      const pages = await listAllPages(other, {});

      expect(pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn))).toEqual(
        jobs.map((job) => job.audienceGenerationJobArn),
      );
    } finally {
      await other.stop();
    }
  });

  it('rejects a token used with another collaborationId or model filter', async () => {
    const { collaboration, jobs } = seedCollaboration(3);
    const { collaboration: otherCollaboration } = seedCollaboration(3);
    const nextToken = await firstToken(collaboration);

    const responses = [
      await listJobs(emulator, { collaborationId: otherCollaboration, nextToken }),
      await listJobs(emulator, {
        collaborationId: collaboration,
        configuredAudienceModelArn: jobs[0].configuredAudienceModelArn,
        nextToken,
      }),
      await listJobs(emulator, { nextToken }),
    ];

    for (const response of responses) {
      expect(errorOf(response)).toEqual({
        status: 400,
        type: 'ValidationException',
        message: expect.stringContaining('different collaborationId'),
      });
    }
  });

  it.each([
    ['garbled', (token: string) => token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11)],
    ['truncated', (token: string) => token.slice(0, -4)],
    ['made up', () => 'bm90IGEgdG9rZW4='],
  ])('rejects a %s token with ValidationException', async (_, mangle) => {
    const { collaboration } = seedCollaboration(3);
    const token = await firstToken(collaboration);

    const response = await listJobs(emulator, { collaborationId: collaboration, nextToken: mangle(token) });

    expect(errorOf(response)).toEqual({ status: 400, type: 'ValidationException', message: expect.stringContaining('nextToken') });
  });

  it('rejects a token issued by another emulator instance', async () => {
    const { collaboration, jobs } = seedCollaboration(3);
    const other = await CleanRoomsMLEmulator.start();
    other.seed(collaboration, jobs);
    const foreignToken = await firstToken(collaboration, other);
    await other.stop();

    const response = await listJobs(emulator, { collaborationId: collaboration, nextToken: foreignToken });

    expect(errorOf(response).type).toBe('ValidationException');
  });
});
