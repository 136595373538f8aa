/**
 * The retry behaviour of the default (standard) strategy against the emulator, with real backoff delays:
 * throttling, server errors, connection resets and timeouts retried up to maxAttempts, and Retry-After honoured.
 * Aborts: client-abort.test.ts. Pacing: client-pacing.test.ts.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CleanRoomsMLServiceException, GetAudienceGenerationJobCommand } from '../../../lambda/cleanroomsml';
import { listSmall, recordArrivals, smallJobs, useSeededEmulatorClients, UUID } from './client-harness';

describe('CleanRoomsMLClient against the emulator', () => {
  const harness = useSeededEmulatorClients();
  const { newClient } = harness;

  describe('retries', () => {
    it('retries a throttled request (429) and succeeds; $metadata.attempts counts both attempts', async () => {
      harness.emulator.faults.throttle(1);

      const output = await listSmall(newClient());

      expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
      expect(output.$metadata).toMatchObject({ httpStatusCode: 200, attempts: 2 });
      expect(output.$metadata.totalRetryDelay).toBeGreaterThanOrEqual(0);
      expect(harness.emulator.requests.map((request) => request.status)).toEqual([429, 200]);
      expect(harness.emulator.requests.map((request) => request.headers['amz-sdk-request'])).toEqual(['attempt=1', 'attempt=2']);
      // Both attempts belong to one invocation.
      expect(new Set(harness.emulator.requests.map((request) => request.headers['amz-sdk-invocation-id'])).size).toBe(1);
    });

    it.each([500, 502, 503, 504] as const)('retries a %i and succeeds', async (status) => {
      harness.emulator.faults.serverErrors(1, { status });

      const output = await listSmall(newClient());

      expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
      expect(output.$metadata.attempts).toBe(2);
      expect(harness.emulator.requests.map((request) => request.status)).toEqual([status, 200]);
    });

    it('retries Get as well as List', async () => {
      harness.emulator.faults.serverErrors(2, { status: 503, operation: 'GetAudienceGenerationJob' });

      const output = await newClient().send(
        new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: smallJobs[0].audienceGenerationJobArn }),
      );

      expect(output.name).toBe(smallJobs[0].name);
      expect(output.$metadata.attempts).toBe(3);
      expect(harness.emulator.requests.map((request) => request.status)).toEqual([503, 503, 200]);
    });

    it('gives up on throttling after exactly maxAttempts requests with a ThrottlingException', async () => {
      harness.emulator.faults.throttle(5);

      const error = await listSmall(newClient({ maxAttempts: 3 })).catch((err: unknown) => err);

      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      expect(error).toMatchObject({
        name: 'ThrottlingException',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 429, attempts: 3, requestId: expect.stringMatching(UUID) },
      });
      expect(harness.emulator.requests).toHaveLength(3);
      expect(harness.emulator.faults.pending).toBe(2);
    });

    it('gives up on server errors after maxAttempts, with the status and a server fault', async () => {
      harness.emulator.faults.serverErrors(3, { status: 502 });

      const error = await listSmall(newClient({ maxAttempts: 2 })).catch((err: unknown) => err);

      expect(error).toBeInstanceOf(CleanRoomsMLServiceException);
      // A load balancer's HTML page has no error type; the status names it.
      expect(error).toMatchObject({ $fault: 'server', $metadata: { httpStatusCode: 502, attempts: 2 } });
      expect((error as Error).name).toBe('InternalServiceException');
      expect(harness.emulator.requests).toHaveLength(2);
    });

    it('maxAttempts 1 sends once', async () => {
      harness.emulator.faults.serverErrors(1, { status: 500 });

      await expect(listSmall(newClient({ maxAttempts: 1 }))).rejects.toMatchObject({
        name: 'InternalServiceException',
        $metadata: { httpStatusCode: 500, attempts: 1 },
      });
      expect(harness.emulator.requests).toHaveLength(1);
    });

    it.each(['before-response', 'after-headers', 'mid-body'] as const)('retries a connection reset %s and succeeds', async (at) => {
      harness.emulator.faults.resetConnections(1, { at });

      const output = await listSmall(newClient());

      expect(output.audienceGenerationJobs.map((job) => job.audienceGenerationJobArn)).toEqual(
        smallJobs.map((job) => job.audienceGenerationJobArn),
      );
      expect(output.$metadata.attempts).toBe(2);
      expect(harness.emulator.requests).toHaveLength(2);
      expect(harness.emulator.requests[0].fault).toBe('resetConnection');
    });

    it('retries a response slower than requestTimeoutMs and succeeds', async () => {
      harness.emulator.faults.slowResponse(1, 3_000);

      // 500 ms: far below the 3 s the emulator holds the first answer, far above what a normal answer takes.
      const output = await listSmall(newClient({ requestTimeoutMs: 500 }));

      expect(output.audienceGenerationJobs).toHaveLength(smallJobs.length);
      expect(output.$metadata.attempts).toBe(2);
      expect(harness.emulator.requests).toHaveLength(2);
      expect(harness.emulator.requests[0].fault).toBe('slowResponse');
      expect(harness.emulator.requests[1].status).toBe(200);
    });

    it('gives up with a TimeoutError when every attempt is slower than requestTimeoutMs', async () => {
      harness.emulator.faults.slowResponse(3, 3_000);

      const error = await listSmall(newClient({ requestTimeoutMs: 300, maxAttempts: 2 })).catch((err: unknown) => err);

      expect(error).toMatchObject({ name: 'TimeoutError', $metadata: { attempts: 2 } });
      expect(harness.emulator.requests).toHaveLength(2);
      expect(harness.emulator.faults.pending).toBe(1);
    });

    // KNOWN BUG (reported, not fixed here): requestTimeoutMs is documented as "time allowed for one attempt,
    // from sending to the whole body received", but NodeHttpHandler clears its request timeout when the
    // headers arrive; afterwards only the socket's inactivity timeout applies, which a body that trickles in
    // never trips. The emulator has no trickling fault, so a bare HTTP server plays the service here.
    it('bounds a whole attempt, body included, by requestTimeoutMs (a trickling body times out)', async () => {
      const body = JSON.stringify({ audienceGenerationJobs: [] });
      const open = new Set<ServerResponse>();
      const server = createServer((_request, response) => {
        open.add(response);
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
        let sent = 0;
        const drip = setInterval(() => {
          response.write(body[sent++]);
          if (sent === body.length) response.end();
        }, 50);
        response.on('close', () => {
          clearInterval(drip);
          open.delete(response);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const client = newClient({
          endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          requestTimeoutMs: 300,
          maxAttempts: 1,
        });
        // About 1.5 s of body at one byte per 50 ms, never 300 ms without a byte.
        await expect(listSmall(client)).rejects.toMatchObject({ name: 'TimeoutError' });
      } finally {
        for (const response of open) response.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });

    it('honours Retry-After on a 429: the retry does not come earlier than the hint', async () => {
      // Without the hint the retry comes after the throttling backoff (< 1 s); the hint asks for 3 s, within
      // the SDK's cap (backoff + 5 s).
      harness.emulator.faults.throttle(1, { retryAfterSeconds: 3 });
      const arrivals = recordArrivals(harness.emulator);

      const started = Date.now();
      const output = await listSmall(newClient());
      const elapsed = Date.now() - started;

      expect(output.$metadata.attempts).toBe(2);
      expect(harness.emulator.requests.map((request) => request.status)).toEqual([429, 200]);
      expect(harness.emulator.requests[0].fault).toBe('throttle');
      expect(arrivals).toHaveLength(2);
      expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(2_990);
      expect(elapsed).toBeGreaterThanOrEqual(2_990);
      expect(output.$metadata.totalRetryDelay).toBeGreaterThanOrEqual(2_950);
    });
  });
});
