/**
 * SigV4 as the emulator verifies it: every request signed for the region and the cleanrooms-ml service, with
 * static credentials and with temporary ones from a provider (x-amz-security-token), as on Lambda.
 */
import { CleanRoomsMLClient, ListAudienceGenerationJobsCommand } from '../../../lambda/cleanroomsml';
import { CleanRoomsMLEmulator } from '../../../local/emulator';
import { SMALL, sizedCollaboration, smallJobs, useSeededEmulatorClients, walk } from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('ListAudienceGenerationJobs through the paginator', () => {
    it('signs every request with SigV4 for the region and the cleanrooms-ml service', async () => {
      await walk(newClient(), sizedCollaboration(101));

      expect(harness.emulator.requests).toHaveLength(2);
      for (const request of harness.emulator.requests) {
        expect(request.headers.authorization).toMatch(
          new RegExp(
            `^AWS4-HMAC-SHA256 Credential=${harness.emulator.credentials.accessKeyId}/\\d{8}/us-east-1/cleanrooms-ml/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$`,
          ),
        );
        expect(request.headers['amz-sdk-request']).toBe('attempt=1');
        expect(request.status).toBe(200);
      }
      // One invocation id per send, so two pages carry two ids.
      expect(new Set(harness.emulator.requests.map((request) => request.headers['amz-sdk-invocation-id'])).size).toBe(2);
    });
  });

  describe('service behaviours passed through', () => {
    it('signs with temporary credentials from a provider (x-amz-security-token), as on Lambda', async () => {
      const credentials = {
        accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
        sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE+/=',
      };
      const sessionEmulator = await CleanRoomsMLEmulator.start({ region: 'eu-west-1', credentials });
      try {
        sessionEmulator.seed(SMALL, smallJobs);
        let calls = 0;
        const client = new CleanRoomsMLClient({
          region: 'eu-west-1',
          endpoint: sessionEmulator.endpoint,
          credentials: async () => {
            calls++;
            return credentials;
          },
        });
        harness.track(client);
        const output = await client.send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }));
        expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
        expect(calls).toBeGreaterThanOrEqual(1);
        expect(sessionEmulator.requests[0].headers['x-amz-security-token']).toBe(credentials.sessionToken);

        const withoutToken = new CleanRoomsMLClient({
          region: 'eu-west-1',
          endpoint: sessionEmulator.endpoint,
          credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
        });
        harness.track(withoutToken);
        await expect(withoutToken.send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }))).rejects.toMatchObject({
          name: 'UnrecognizedClientException',
          $metadata: { httpStatusCode: 403, attempts: 1 },
        });
        expect(sessionEmulator.requests).toHaveLength(2);
      } finally {
        await sessionEmulator.stop();
      }
    });
  });
});
