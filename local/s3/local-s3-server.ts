import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The object s3rver hands its store on a PUT (and on CompleteMultipartUpload, with the parts as one stream). */
interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: Record<string, string>;
}

/** The part of s3rver's filesystem store that `putObject` below relies on. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: 'object'): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

// s3rver ships no types; this is the part of its API we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
  store: FilesystemStore;
};

/**
 * s3rver 3.7.1 answers a PUT before the object's bytes reach its file (it resolves on the hashing stream's
 * `finish`, not the file's), and it writes in place, so a GET right after the answer can read an empty or
 * partial object (seen once in CI: a manifest read back as zero bytes). Real S3 is atomic for readers. This
 * writes to a temporary name, waits for the file to close, then renames it into place.
 */
async function putObjectAtomically(this: FilesystemStore, object: StoredObject): Promise<{ size: number; md5: string }> {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  const temporary = `${objectPath}.${randomUUID()}.partial`;
  const md5 = createHash('md5');
  let size = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      md5.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  try {
    await pipeline(content, counted, createWriteStream(temporary));
    await rename(temporary, objectPath);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  const digest = md5.digest('hex');
  await this.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
}

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
 * stream bodies with their framing). It implements no AbortMultipartUpload or ListMultipartUploads. Its PUT is
 * atomic for readers, as on S3 (`putObjectAtomically`).
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
    server.store.putObject = putObjectAtomically;
    const address = await server.run();
    return new LocalS3Server(server, `http://127.0.0.1:${address.port}`, directory);
  }

  async stop(): Promise<void> {
    // Clients keep sockets alive; close them so that close() does not wait for their idle timeout.
    this.server.httpServer?.closeAllConnections();
    await this.server.close();
  }
}
