import { pipeline } from 'node:stream';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * The lines of a chunked text, a chunk's worth at a time, `\n`-terminated, decoded as UTF-8 across chunk boundaries. Text after the last `\n`
 * means the object was cut short (every snapshot line ends in `\n`): that throws, rather than passing a partial line
 * or a partial snapshot on as whole.
 */
export async function* splitLines(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    // The lines of a chunk at once: an await per line would cost more than reading them.
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      lines.push(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
    if (lines.length > 0) yield lines;
  }
  rest += decoder.end();
  if (rest !== '') throw new TruncatedObjectError(`The object ends in a partial line of ${rest.length} characters`);
}

/** The object ended in the middle of a line, or was shorter than its Content-Length. */
export class TruncatedObjectError extends Error {
  override readonly name = 'TruncatedObjectError';
}

/**
 * Every byte of the object arrived, or its gzip data is invalid, and it still is no sequence of lines: the object
 * itself is bad, and reading it again would give the same (unlike a body cut short on the way).
 */
export class CorruptObjectError extends Error {
  override readonly name = 'CorruptObjectError';
}

export interface ObjectLinesOptions {
  /** Read only this version of the object (its ETag from an earlier read): a changed object fails with 412. */
  ifMatch?: string;
  abortSignal?: AbortSignal;
  /** Called with the object's ETag once its headers are in. */
  onETag?: (etag: string | undefined) => void;
}

/**
 * The lines of an NDJSON object in S3, streamed: GetObject, gunzipped when the key ends in `.gz`, split on `\n`, a
 * chunk's lines at a time (a chunk is 16 to 64 KB). Only a chunk's worth is in memory at a time. Throws when the object is missing,
 * unreadable, or cut short on the way; {@link CorruptObjectError} when the object itself is not lines.
 */
export async function* objectLines(s3: S3Client, bucket: string, key: string, options: ObjectLinesOptions = {}): AsyncGenerator<string[]> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: options.ifMatch }), {
    abortSignal: options.abortSignal,
  });
  options.onETag?.(object.ETag);
  const body = object.Body as Readable | undefined;
  if (!body) throw new TruncatedObjectError(`GetObject of ${key} returned no body`);
  let received = 0;
  const counted = countBytes(body, (n) => (received += n));
  const text: AsyncIterable<Buffer> = key.endsWith('.gz') ? gunzipped(counted) : counted;
  try {
    try {
      yield* splitLines(text);
    } catch (error) {
      const whole = object.ContentLength !== undefined && received === object.ContentLength;
      if (!options.abortSignal?.aborted && (whole || isGzipDataError(error))) {
        throw new CorruptObjectError(`${key} is not NDJSON lines: ${(error as Error).message}`);
      }
      throw error;
    }
    if (object.ContentLength !== undefined && received !== object.ContentLength) {
      throw new TruncatedObjectError(`Read ${received} of the ${object.ContentLength} bytes of ${key}`);
    }
  } finally {
    body.destroy();
  }
}

/** zlib's "incorrect header check" and kin: the bytes are not gzip, whatever arrives after them. */
function isGzipDataError(error: unknown): boolean {
  return (error as { code?: unknown } | undefined)?.code === 'Z_DATA_ERROR';
}

async function* countBytes(body: AsyncIterable<Buffer>, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    add(chunk.length);
    yield chunk;
  }
}

function gunzipped(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  const gunzip = createGunzip();
  // pipeline() destroys the gunzip stream with the source's error (a reset connection), which ends the iteration.
  pipeline(source, gunzip, () => undefined);
  return gunzip;
}
