/**
 * Typed service errors from the emulator, not retried: the name, message, fault and $metadata of each, after
 * exactly one request (access denied, validation, not found, and signatures the emulator refuses).
 */
import {
  CleanRoomsMLServiceException,
  GetAudienceGenerationJobCommand,
  ListAudienceGenerationJobsCommand,
} from '../../../lambda/cleanroomsml';
import { listSmall, SMALL, UNKNOWN_JOB_ARN, useSeededEmulatorClients, UUID } from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('typed errors, not retried', () => {
    const expectServiceError = async (promise: Promise<unknown>, name: string, status: number, message: RegExp) => {
      const error = await promise.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      const serviceError = error as CleanRoomsMLServiceException;
      expect(serviceError.name).toBe(name);
      expect(serviceError.message).toMatch(message);
      expect(serviceError.$fault).toBe('client');
      expect(serviceError.$metadata).toMatchObject({ httpStatusCode: status, requestId: expect.stringMatching(UUID), attempts: 1 });
      return serviceError;
    };

    it('AccessDeniedException: 403, one request', async () => {
      harness.emulator.faults.denyCollaboration(SMALL);

      await expectServiceError(listSmall(newClient()), 'AccessDeniedException', 403, new RegExp(`access to collaboration ${SMALL}`));

      expect(harness.emulator.requests).toHaveLength(1);
      expect(harness.emulator.requests[0]).toMatchObject({ status: 403, errorType: 'AccessDeniedException' });
    });

    it('ValidationException: 400, one request, message names the member', async () => {
      await expectServiceError(
        newClient().send(new ListAudienceGenerationJobsCommand({ collaborationId: 'not-a-collaboration-id' })),
        'ValidationException',
        400,
        /'collaborationId'/,
      );

      expect(harness.emulator.requests).toHaveLength(1);
    });

    it('ValidationException for maxResults out of range', async () => {
      await expectServiceError(
        newClient().send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL, maxResults: 101 })),
        'ValidationException',
        400,
        /'maxResults'/,
      );
      expect(harness.emulator.requests).toHaveLength(1);
    });

    it('ResourceNotFoundException: 404, one request', async () => {
      await expectServiceError(
        newClient().send(new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: UNKNOWN_JOB_ARN })),
        'ResourceNotFoundException',
        404,
        /not found/,
      );

      expect(harness.emulator.requests).toHaveLength(1);
    });

    it('a wrong secret key: 403 InvalidSignatureException from the emulator, one request', async () => {
      const client = newClient({
        credentials: { ...harness.emulator.credentials, secretAccessKey: 'not-the-secret-key-at-all-000000000000000' },
      });

      await expectServiceError(listSmall(client), 'InvalidSignatureException', 403, /signature we calculated does not match/);

      expect(harness.emulator.requests).toHaveLength(1);
    });

    it('an unknown access key: 403 UnrecognizedClientException, one request', async () => {
      const client = newClient({ credentials: { ...harness.emulator.credentials, accessKeyId: 'AKIAI44QH8DHBEXAMPLE' } });

      await expectServiceError(listSmall(client), 'UnrecognizedClientException', 403, /security token/);

      expect(harness.emulator.requests).toHaveLength(1);
    });

    it('signing for another region: 403 InvalidSignatureException, one request', async () => {
      await expectServiceError(listSmall(newClient({ region: 'eu-west-1' })), 'InvalidSignatureException', 403, /region/);
      expect(harness.emulator.requests).toHaveLength(1);
    });
  });
});
