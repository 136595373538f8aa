/**
 * GetAudienceGenerationJob against the emulator: the ARN as one percent-encoded path label, the job with its
 * statusDetails, and an empty ARN refused before anything is sent.
 */
import { GetAudienceGenerationJobCommand } from '../../../lambda/cleanroomsml';
import { edgeJobs, SMALL, smallJobs, useSeededEmulatorClients, UUID } from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('GetAudienceGenerationJob', () => {
    it('sends the ARN percent-encoded as one path label and reads the job with its statusDetails', async () => {
      const job = smallJobs[2];
      expect(job.status).toBe('CREATE_FAILED');

      const output = await newClient().send(
        new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }),
      );

      expect(harness.emulator.requests).toHaveLength(1);
      const [request] = harness.emulator.requests;
      const encodedLabel = job.audienceGenerationJobArn.replace(/:/g, '%3A').replace(/\//g, '%2F');
      expect(request.path).toBe(`/audience-generation-job/${encodedLabel}`);
      expect(request.path.split('/')).toHaveLength(3);
      expect(request).toMatchObject({ operation: 'GetAudienceGenerationJob', status: 200 });
      expect(output).toEqual({
        createTime: new Date(job.createTime),
        updateTime: new Date(job.updateTime),
        audienceGenerationJobArn: job.audienceGenerationJobArn,
        name: job.name,
        description: job.description,
        status: 'CREATE_FAILED',
        configuredAudienceModelArn: job.configuredAudienceModelArn,
        collaborationId: SMALL,
        startedBy: job.startedBy,
        statusDetails: job.statusDetails,
        protectedQueryIdentifier: undefined,
        $metadata: { httpStatusCode: 200, requestId: expect.stringMatching(UUID), attempts: 1, totalRetryDelay: 0 },
      });
      expect(output.statusDetails?.statusCode).toBe('INSUFFICIENT_SEED_SIZE');
    });

    it('gets a job whose 2048-character ARN has several / and . in its resource part', async () => {
      const job = edgeJobs[2];
      expect(job.audienceGenerationJobArn).toHaveLength(2048);

      const output = await newClient().send(
        new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }),
      );

      expect(output.audienceGenerationJobArn).toBe(job.audienceGenerationJobArn);
      expect(harness.emulator.requests[0].path).not.toMatch(/^\/audience-generation-job\/.*\//);
    });

    it('rejects an empty ARN before sending anything', async () => {
      await expect(newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: '' }))).rejects.toThrow(
        /audienceGenerationJobArn is required/,
      );
      expect(harness.emulator.requests).toHaveLength(0);
    });
  });
});
