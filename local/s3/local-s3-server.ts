import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// s3rver ships no types; this is the part of its API we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
};

export interface LocalS3ServerOptions {
  /** Where objects are kept on disk. Default: a new temporary folder. */
  directory?: string;
  /** Buckets to create at start. */
  buckets?: string[];
  /** Default 0: an ephemeral port. */
  port?: number;
}

/**
 * An in-process S3-compatible server (s3rver) on 127.0.0.1, for tests and `npm start`. Clients must use
 * path-style addressing and `AWS_REQUEST_CHECKSUM_CALCULATION=WHEN_REQUIRED` (s3rver stores aws-chunked
 * stream bodies with their framing). It implements no AbortMultipartUpload or ListMultipartUploads.
 */
export class LocalS3Server {
  private constructor(
    private readonly server: InstanceType<typeof S3rver>,
    readonly endpoint: string,
    readonly directory: string,
  ) {}

  static async start(options: LocalS3ServerOptions = {}): Promise<LocalS3Server> {
    const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'local-s3-'));
    const server = new S3rver({
      address: '127.0.0.1',
      port: options.port ?? 0,
      silent: true,
      directory,
      configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
    });
    const address = await server.run();
    return new LocalS3Server(server, `http://127.0.0.1:${address.port}`, directory);
  }

  async stop(): Promise<void> {
    // Clients keep sockets alive; close them so that close() does not wait for their idle timeout.
    this.server.httpServer?.closeAllConnections();
    await this.server.close();
  }
}
