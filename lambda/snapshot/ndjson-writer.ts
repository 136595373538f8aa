import { once } from 'node:events';
import { PassThrough, Transform, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Compression } from '../config-rules/compression';

export interface NdjsonWriterOptions {
  s3: S3Client;
  bucket: string;
  key: string;
  compression: Compression;
  /** Multipart part size in bytes. Default 5 MiB, S3's minimum: the parts are most of a writer's memory. */
  partSize?: number;
  /** Parts uploaded in parallel; memory is bounded by partSize × (queueSize + 1). Default 2. */
  queueSize?: number;
  /**
   * Stops waiting for S3 (the run's deadline): once it fires, a pending {@link NdjsonObjectWriter.write} or
   * {@link NdjsonObjectWriter.complete} gets `abortGraceMs` more to finish, then rejects with the signal's reason.
   */
  abortSignal?: AbortSignal;
  /** How long, after the signal or in abort(), the writer waits for S3 before giving up on it. Default 5 s. */
  abortGraceMs?: number;
}

const DEFAULT_ABORT_GRACE_MS = 5_000;

export interface CompletedObject {
  key: string;
  bytes: number;
}

/**
 * Characters that JSON.stringify leaves raw but that some line readers treat as a line end (Python's
 * `str.splitlines()`, editors): NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR. In JSON text they can only occur
 * inside strings, where their `\uXXXX` escape is the same value.
 */
const UNSAFE_LINE_BREAK = /[\u0085\u2028\u2029]/;

/** Escapes {@link UNSAFE_LINE_BREAK}s in JSON text, so that `\n` is the only line end of the output. */
export function escapeUnsafeLineBreaks(json: string): string {
  if (!UNSAFE_LINE_BREAK.test(json)) return json;
  return json.replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `reason` itself when it is an Error (callers tell a deadline from a stop by it), else an Error that says it. */
function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Raised inside the pipeline to make lib-storage stop and abort its multipart upload. */
class WriterAbortedError extends Error {
  override readonly name = 'WriterAbortedError';
}

/**
 * Streams NDJSON lines into one S3 object through gzip and lib-storage's multipart upload, with
 * backpressure, so memory stays flat however many lines there are. The object exists only after
 * {@link complete}: {@link abort} (or any upload failure) ends in no object and no open multipart upload.
 */
export class NdjsonObjectWriter {
  private readonly input: Transform;
  private readonly upload: Upload;
  private readonly uploadDone: Promise<unknown>;
  private uploadError: Error | undefined;
  private bytes = 0;
  private state: 'open' | 'completing' | 'completed' | 'aborted' = 'open';
  /** S3 did not answer within the grace period after the signal: abort() does not wait for it again. */
  private unresponsive = false;

  constructor(private readonly options: NdjsonWriterOptions) {
    const { compression } = options;
    this.input = compression === 'gzip' ? createGzip({ level: 6 }) : new PassThrough();
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.bytes += chunk.length;
        callback(null, chunk);
      },
    });
    // pipeline() destroys the counter when the input fails, which ends lib-storage's read with an error.
    pipeline(this.input, counter, () => undefined);
    this.upload = new Upload({
      client: options.s3,
      params: {
        Bucket: options.bucket,
        Key: options.key,
        Body: counter,
        ContentType: compression === 'gzip' ? 'application/gzip' : 'application/x-ndjson',
      },
      partSize: options.partSize ?? 5 * 1024 * 1024,
      queueSize: options.queueSize ?? 2,
      leavePartsOnError: false,
    });
    this.uploadDone = this.upload.done();
    // Remember an early failure (S3 down) so that writes stop waiting for a drain that will never come.
    this.uploadDone.catch((err: Error) => {
      this.uploadError = err;
      this.input.destroy(err);
    });
  }

  /**
   * Writes a block of complete JSON lines (each ending in `\n`), waiting while the upload is behind. NEL,
   * U+2028 and U+2029 inside strings are written escaped, so every reader splits the records alike.
   */
  async write(lines: string): Promise<void> {
    if (this.state !== 'open') throw new Error(`NDJSON writer for ${this.options.key} is ${this.state}`);
    this.throwIfUploadFailed();
    if (lines.length === 0) return;
    if (!this.input.write(escapeUnsafeLineBreaks(lines))) {
      await this.unlessAborted(Promise.race([once(this.input, 'drain'), this.uploadDone.then(() => undefined)]));
      // Checked again: the upload may have failed while this write waited.
      this.throwIfUploadFailed();
    }
  }

  private throwIfUploadFailed(): void {
    if (this.uploadError) throw this.uploadError;
  }

  /** Ends the stream and waits until the object is in S3. */
  async complete(): Promise<CompletedObject> {
    if (this.state !== 'open') throw new Error(`NDJSON writer for ${this.options.key} is ${this.state}`);
    this.state = 'completing';
    this.input.end();
    await this.unlessAborted(this.uploadDone);
    this.state = 'completed';
    return { key: this.options.key, bytes: this.bytes };
  }

  /**
   * `promise`, unless the abort signal fires and S3 then takes longer than the grace period: a hung request
   * must not hold the run past its deadline.
   */
  private unlessAborted<T>(promise: Promise<T>): Promise<T> {
    const signal = this.options.abortSignal;
    if (!signal) return promise;
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        timer = setTimeout(() => {
          this.unresponsive = true;
          reject(asError(signal.reason));
        }, this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          reject(asError(error));
        },
      );
    });
  }

  /**
   * Stops the upload before it completes. Resolves once lib-storage has given up, which includes
   * AbortMultipartUpload when parts were already sent; rejects if that abort itself failed, or if S3 did not
   * answer within the grace period (a request in flight hangs: its multipart upload, if any, is left to the
   * bucket's lifecycle rule).
   */
  async abort(reason = 'aborted'): Promise<void> {
    if (this.state !== 'open' && this.state !== 'completing') return;
    this.state = 'aborted';
    const failedBefore = this.uploadError;
    this.input.destroy(new WriterAbortedError(reason));
    const grace = this.unresponsive ? 0 : (this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((resolve) => {
      timer = setTimeout(() => resolve('gave up'), grace);
    });
    try {
      if ((await Promise.race([this.uploadDone, gaveUp])) === 'gave up') {
        void this.upload.abort();
        throw new Error(
          `S3 did not answer the upload of ${this.options.key} in time after the abort; an open multipart upload is left to the bucket's lifecycle rule`,
        );
      }
    } catch (err) {
      // Our own abort, or a failure lib-storage had already cleaned up after: nothing is left in S3.
      if ((err as Error).name === 'WriterAbortedError' || err === failedBefore) return;
      throw err;
    } finally {
      clearTimeout(timer);
    }
    throw new Error(`Upload of ${this.options.key} completed although it was aborted`);
  }
}
