import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A new HTTP server of the local AWS, listening on 127.0.0.1 (port 0: an ephemeral one). Resolves once the port is
 * bound, with the base URL to give a client, e.g. `http://127.0.0.1:43123`.
 */
export async function listenOnLoopback(port = 0): Promise<{ server: Server; endpoint: string }> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes the server and every open connection: clients keep sockets alive, and close() would wait for them. */
export async function closeServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
