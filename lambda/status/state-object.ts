/**
 * The small JSON objects of the `{prefix}_state/` folder (the state pointers, the collaboration indexes of `*`
 * sources), read and written whole. Each kind brings its own parser; how a read failed is read-failure.ts's rule.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readFailureOf } from './read-failure';

/**
 * A state object as read: present and valid; missing (NoSuchKey, 404); denied (403 AccessDenied: without
 * `s3:ListBucket`, which the function has none of, it is also how S3 answers a missing key); invalid (not one of its
 * kind, or too large: reading it again gives the same); or failed (anything else: 5xx, throttling, a timeout, the
 * network, the run stopped).
 */
export type StateObjectRead<T> =
  | { state: 'found'; value: T }
  | { state: 'missing' }
  | { state: 'denied'; error: unknown }
  | { state: 'invalid'; error: unknown }
  | { state: 'failed'; error: unknown };

export interface StateObjectReadOptions<T> {
  /** Larger than any valid object of its kind: a bigger one is not read, it is invalid. */
  maxBytes: number;
  /** Parses and checks the text; throws (the object is invalid) when it is not one of its kind. */
  parse: (text: string) => T;
  /** The error of an object of `bytes` bytes, over `maxBytes`. */
  tooLarge: (bytes: number) => Error;
  abortSignal?: AbortSignal;
}

export async function readStateObject<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  options: StateObjectReadOptions<T>,
): Promise<StateObjectRead<T>> {
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: options.abortSignal });
    if ((object.ContentLength ?? 0) > options.maxBytes) {
      (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
      return { state: 'invalid', error: options.tooLarge(object.ContentLength ?? 0) };
    }
    text = (await object.Body?.transformToString('utf8')) ?? '';
  } catch (error) {
    const failure = readFailureOf(error);
    if (failure === 'missing') return { state: 'missing' };
    return failure === 'denied' ? { state: 'denied', error } : { state: 'failed', error };
  }
  try {
    return { state: 'found', value: options.parse(text) };
  } catch (error) {
    return { state: 'invalid', error };
  }
}

/** A state object's write gets this long even after the run's signal fired: it is one small PutObject. */
const STATE_WRITE_TIMEOUT_MS = 10_000;

/** Writes `value` as one line of JSON; rejects with the S3 error. */
export async function writeStateObject(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${JSON.stringify(value)}\n`, ContentType: 'application/json' }), {
    abortSignal: AbortSignal.timeout(STATE_WRITE_TIMEOUT_MS),
  });
}
