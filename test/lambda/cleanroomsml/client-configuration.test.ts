/**
 * The client's configuration: maxAttempts is checked at construction, and the region comes from AWS_REGION.
 */
import { CleanRoomsMLClient } from '../../../lambda/cleanroomsml';
import { useSeededEmulatorClients } from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('configuration', () => {
    it('rejects maxAttempts below 1 or not an integer', () => {
      expect(() => newClient({ maxAttempts: 0 })).toThrow(/maxAttempts must be a positive integer, got 0/);
      expect(() => newClient({ maxAttempts: 1.5 })).toThrow(/maxAttempts must be a positive integer, got 1.5/);
    });

    it('takes the region from AWS_REGION and fails clearly without one', () => {
      const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
      try {
        delete process.env.AWS_REGION;
        delete process.env.AWS_DEFAULT_REGION;
        expect(() => new CleanRoomsMLClient({ endpoint: harness.emulator.endpoint, credentials: harness.emulator.credentials })).toThrow(
          /no AWS region/,
        );
        process.env.AWS_REGION = 'eu-central-1';
        const client = new CleanRoomsMLClient({ endpoint: harness.emulator.endpoint, credentials: harness.emulator.credentials });
        harness.track(client);
        expect(client.region).toBe('eu-central-1');
      } finally {
        for (const [key, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[key];
          else process.env[key] = value;
        }
      }
    });
  });
});
