/**
 * The abort signal against the emulator: it ends the wait for a retry and a request in flight, with the signal's
 * reason, without a further attempt; an already aborted signal sends nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ListAudienceGenerationJobsCommand } from '../../../lambda/cleanroomsml';
import { SMALL, until, useSeededEmulatorClients } from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('retries', () => {
    it("stops waiting for a retry when the abort signal fires, with the signal's reason", async () => {
      // Retry-After 2 s: the retry would wait about 2 s; the signal fires during that wait. (The strategy's
      // own timer cannot be cancelled and runs out in the background, as in the SDK's retry middleware.)
      harness.emulator.faults.throttle(1, { retryAfterSeconds: 2 });
      const controller = new AbortController();
      const reason = new Error('deadline reached');

      const sending = newClient()
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: controller.signal })
        .catch((err: unknown) => err);
      await until(() => harness.emulator.requests[0]?.status === 429);
      await sleep(100);
      controller.abort(reason);

      expect(await sending).toBe(reason);
      expect(harness.emulator.requests).toHaveLength(1);
    });

    it("aborts a request in flight, with the signal's reason, and does not retry it", async () => {
      harness.emulator.faults.slowResponse(1, 3_000);
      const controller = new AbortController();
      const reason = new Error('stop now');

      const sending = newClient()
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: controller.signal })
        .catch((err: unknown) => err);
      // The emulator holds the answer for 3 s; abort while it does.
      await until(() => harness.emulator.requests.length === 1);
      controller.abort(reason);

      expect(await sending).toBe(reason);
      expect(harness.emulator.requests).toHaveLength(1);
    });

    it('does not send at all with an already aborted signal', async () => {
      const reason = new Error('already over');
      const error = await newClient()
        .send(new ListAudienceGenerationJobsCommand({ collaborationId: SMALL }), { abortSignal: AbortSignal.abort(reason) })
        .catch((err: unknown) => err);

      expect(error).toBe(reason);
      expect(harness.emulator.requests).toHaveLength(0);
    });
  });
});
