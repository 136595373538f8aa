/**
 * Deserialization of the emulator's answers: every member of a summary, values at the edges of the model, timestamps
 * of any precision and offset, statuses outside the model passed through, and invalid 2xx bodies (not retried).
 */
import { GetAudienceGenerationJobCommand, InvalidResponseError, ListAudienceGenerationJobsCommand } from '../../../lambda/cleanroomsml';
import { generateJobs } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import {
  EDGES,
  edgeJobs,
  jobsOfSize,
  listSmall,
  sizedCollaboration,
  smallJobs,
  TIMES,
  TIMESTAMPS,
  timeJobs,
  useSeededEmulatorClients,
  UUID,
  walk,
} from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('ListAudienceGenerationJobs through the paginator', () => {
    it('deserializes every member of a summary, absent optional members as undefined', async () => {
      const [page] = await walk(newClient(), sizedCollaboration(250));
      const jobs = page.audienceGenerationJobs;
      const wire = jobsOfSize(250);

      for (const [i, job] of jobs.entries()) {
        const seeded = wire[i];
        expect(job).toEqual({
          createTime: new Date(seeded.createTime),
          updateTime: new Date(seeded.updateTime),
          audienceGenerationJobArn: seeded.audienceGenerationJobArn,
          name: seeded.name,
          description: seeded.description,
          status: seeded.status,
          configuredAudienceModelArn: seeded.configuredAudienceModelArn,
          collaborationId: seeded.omitCollaborationIdInSummary ? undefined : sizedCollaboration(250),
          startedBy: seeded.startedBy,
        });
      }
      // The generator leaves some optional members out; make sure this test saw them absent.
      expect(jobs.some((job) => job.description === undefined)).toBe(true);
      expect(jobs.some((job) => job.startedBy === undefined)).toBe(true);
      expect(jobs.some((job) => job.collaborationId === undefined)).toBe(true);
    });

    it('reads jobs at the edges of the model: 2048-character ARNs, tabs and non-ASCII, empty descriptions', async () => {
      const pages = await walk(newClient(), EDGES);

      const jobs = pages.flatMap((page) => page.audienceGenerationJobs);
      expect(jobs.map((job) => [job.audienceGenerationJobArn, job.name, job.description])).toEqual(
        edgeJobs.map((job) => [job.audienceGenerationJobArn, job.name, job.description]),
      );
      expect(jobs.some((job) => job.audienceGenerationJobArn.length === 2048)).toBe(true);
      expect(jobs.some((job) => job.description === '')).toBe(true);
    });
  });

  describe('timestamps', () => {
    it('turns RFC 3339 timestamps of any fractional precision and offset into the right Date (List and Get)', async () => {
      const client = newClient();
      const [page] = await walk(client, TIMES);
      const listed = page.audienceGenerationJobs;

      expect(listed.map((job) => job.createTime.toISOString())).toEqual(TIMESTAMPS.map(([, iso]) => iso));
      expect(listed.map((job) => job.updateTime.toISOString())).toEqual(
        TIMESTAMPS.map((_, i) => TIMESTAMPS[(i + 1) % TIMESTAMPS.length][1]),
      );
      for (const job of listed) expect(job.createTime).toBeInstanceOf(Date);

      for (const [i, job] of timeJobs.entries()) {
        const got = await client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }));
        expect(got.createTime.toISOString()).toBe(TIMESTAMPS[i][1]);
      }
    });
  });

  describe('invalid 2xx bodies: InvalidResponseError, not retried', () => {
    const expectInvalidResponse = async (promise: Promise<unknown>, message: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(InvalidResponseError);
      expect((error as InvalidResponseError).name).toBe('InvalidResponseError');
      expect((error as InvalidResponseError).message).toMatch(message);
      expect((error as InvalidResponseError).$metadata).toMatchObject({
        httpStatusCode: 200,
        requestId: expect.stringMatching(UUID),
        attempts: 1,
      });
      expect(harness.emulator.requests).toHaveLength(1);
    };

    it('malformed JSON', async () => {
      harness.emulator.faults.malformedJson(2);
      await expectInvalidResponse(listSmall(newClient()), /not valid JSON/);
    });

    it('a truncated body', async () => {
      harness.emulator.faults.truncateBody(2);
      await expectInvalidResponse(listSmall(newClient()), /not valid JSON/);
    });

    it('a List output without audienceGenerationJobs', async () => {
      harness.emulator.faults.missingRequiredField(2, 'audienceGenerationJobs');
      await expectInvalidResponse(listSmall(newClient()), /audienceGenerationJobs is required/);
    });

    it('a summary without its name', async () => {
      harness.emulator.faults.missingRequiredField(2, 'name');
      await expectInvalidResponse(listSmall(newClient()), /audienceGenerationJobs\[0\]\.name is required/);
    });

    it('a Get output without createTime', async () => {
      harness.emulator.faults.missingRequiredField(2, 'createTime');
      await expectInvalidResponse(
        newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: smallJobs[0].audienceGenerationJobArn })),
        /GetAudienceGenerationJobResponse\.createTime is required/,
      );
    });

    it('a timestamp that is not RFC 3339', async () => {
      const collaboration = collaborationId(4);
      const [job] = generateJobs({ collaborationId: collaboration, count: 1 });
      harness.emulator.seed(collaboration, [{ ...job, createTime: '2024-03-01 09:00:00' }]);
      await expectInvalidResponse(
        newClient().send(new ListAudienceGenerationJobsCommand({ collaborationId: collaboration })),
        /createTime is not an RFC 3339 date-time: "2024-03-01 09:00:00"/,
      );
    });
  });

  describe('service behaviours passed through', () => {
    it('passes a status outside the model through as-is (List and Get)', async () => {
      const job = smallJobs[1];
      harness.emulator.faults.unknownStatus('ARCHIVED', job.audienceGenerationJobArn);
      const client = newClient();

      const listed = await listSmall(client);
      const got = await client.send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }));

      expect(listed.audienceGenerationJobs.map((j) => j.status)).toEqual([smallJobs[0].status, 'ARCHIVED', smallJobs[2].status]);
      expect(got.status).toBe('ARCHIVED');
    });
  });
});
