/**
 * Paging through the paginator against the emulator: every job once and in order, page sizes and a filter, tokens
 * passed back intact, a listing that moves or whose token expires, and the guard against a repeated token.
 */
import {
  CleanRoomsMLServiceException,
  PaginationLoopError,
  paginateListAudienceGenerationJobs,
  type ListAudienceGenerationJobsCommandOutput,
} from '../../../lambda/cleanroomsml';
import { jobsOfSize, SIZES, sizedCollaboration, useSeededEmulatorClients, walk } from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('ListAudienceGenerationJobs through the paginator', () => {
    it.each(SIZES)('lists a collaboration of %i jobs: every job once, in order', async (size) => {
      const pages = await walk(newClient(), sizedCollaboration(size));

      const listed = pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn));
      expect(listed).toEqual(jobsOfSize(size).map((job) => job.audienceGenerationJobArn));
      expect(new Set(listed).size).toBe(size);
      const expectedPages = Math.max(1, Math.ceil(size / 100));
      expect(pages).toHaveLength(expectedPages);
      expect(pages.at(-1)!.nextToken).toBeUndefined();
      expect(harness.emulator.requests).toHaveLength(expectedPages);
      for (const request of harness.emulator.requests) {
        expect(request).toMatchObject({
          method: 'GET',
          path: '/audience-generation-job',
          operation: 'ListAudienceGenerationJobs',
          status: 200,
        });
        expect(request.query.collaborationId).toEqual([sizedCollaboration(size)]);
        expect(request.query.maxResults).toEqual(['100']);
      }
    });

    it('sends tokens with + / = intact: the emulator receives exactly the token it issued', async () => {
      const pages = await walk(newClient(), sizedCollaboration(250));

      const tokens = pages.slice(0, -1).map((page) => page.nextToken!);
      expect(tokens).toHaveLength(2);
      for (const token of tokens) {
        expect(token).toMatch(/\+/);
        expect(token).toMatch(/\//);
        expect(token).toMatch(/=$/);
      }
      expect(harness.emulator.requests.map((request) => request.query.nextToken)).toEqual([undefined, [tokens[0]], [tokens[1]]]);
      // Had a token been garbled on the way (e.g. + sent raw and read as a space), the emulator would have
      // answered ValidationException or a signature mismatch instead.
      expect(harness.emulator.requests.map((request) => request.status)).toEqual([200, 200, 200]);
    });

    it('walks small pages with a configuredAudienceModelArn filter (an ARN in the query)', async () => {
      const modelArn = jobsOfSize(250)[1].configuredAudienceModelArn;
      const client = newClient();
      const pages: ListAudienceGenerationJobsCommandOutput[] = [];
      for await (const page of paginateListAudienceGenerationJobs(
        { client, pageSize: 40 },
        { collaborationId: sizedCollaboration(250), configuredAudienceModelArn: modelArn },
      )) {
        pages.push(page);
      }

      const expected = jobsOfSize(250).filter((job) => job.configuredAudienceModelArn === modelArn);
      expect(expected.length).toBeGreaterThan(80);
      expect(pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn))).toEqual(
        expected.map((job) => job.audienceGenerationJobArn),
      );
      expect(pages).toHaveLength(Math.ceil(expected.length / 40));
      for (const request of harness.emulator.requests) {
        expect(request.query.configuredAudienceModelArn).toEqual([modelArn]);
        expect(request.query.maxResults).toEqual(['40']);
      }
    });
  });

  describe('service behaviours passed through', () => {
    it("yields a job repeated across pages as the service sent it (deduplication is the exporter's job)", async () => {
      harness.emulator.faults.duplicateAcrossPages(sizedCollaboration(250));

      const pages = await walk(newClient(), sizedCollaboration(250));

      const first = pages[0].audienceGenerationJobs;
      expect(pages[1].audienceGenerationJobs[0].audienceGenerationJobArn).toBe(first.at(-1)!.audienceGenerationJobArn);
      const listed = pages.flatMap((page) => page.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn));
      expect(listed).toHaveLength(251);
      expect(new Set(listed).size).toBe(250);
    });

    it('an expired token ends the walk with ValidationException, not retried', async () => {
      harness.emulator.faults.expireTokenAfterPages(sizedCollaboration(250), 1);
      const client = newClient();
      const pages: ListAudienceGenerationJobsCommandOutput[] = [];

      const error = await (async () => {
        for await (const page of paginateListAudienceGenerationJobs({ client }, { collaborationId: sizedCollaboration(250) })) {
          pages.push(page);
        }
      })().catch((err: unknown) => err);

      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      expect(error).toMatchObject({
        name: 'ValidationException',
        message: 'The pagination token has expired.',
        $metadata: { httpStatusCode: 400, attempts: 1 },
      });
      expect(pages).toHaveLength(1);
      expect(harness.emulator.requests).toHaveLength(2);
    });
  });

  describe('pagination loop guard', () => {
    it('stops with PaginationLoopError when a token repeats, without yielding the repeated page', async () => {
      harness.emulator.faults.repeatToken(sizedCollaboration(250));
      const client = newClient();
      const pages: ListAudienceGenerationJobsCommandOutput[] = [];

      const error = await (async () => {
        for await (const page of paginateListAudienceGenerationJobs({ client }, { collaborationId: sizedCollaboration(250) })) {
          pages.push(page);
        }
      })().catch((err: unknown) => err);

      expect(error).toBeInstanceOf(PaginationLoopError);
      expect(error).toMatchObject({ name: 'PaginationLoopError', pageNumber: 2 });
      expect(pages).toHaveLength(1);
      expect(pages[0].audienceGenerationJobs.map((job) => job.audienceGenerationJobArn)).toEqual(
        jobsOfSize(250)
          .slice(0, 100)
          .map((job) => job.audienceGenerationJobArn),
      );
      // The repeated page was fetched (that is how the loop shows), but no third request followed.
      expect(harness.emulator.requests).toHaveLength(2);
      expect(harness.emulator.requests[1].query.nextToken).toEqual([pages[0].nextToken]);
    });
  });
});
