/**
 * How a GetObject of the status events failed, and what S3's AccessDenied means. The function may read the pointers
 * and the snapshots but not list the bucket, so S3 answers a key that does not exist with 403 AccessDenied, as it
 * answers a read that is really denied (a bucket policy, a KMS key). {@link probeDenied} tells the two apart.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * `missing`: NoSuchKey (404). `denied`: 403 AccessDenied, a missing key or a refused read. `failed`: anything else
 * (5xx, throttling, a timeout, the network, a body cut short, the run stopped): reading again may succeed.
 */
export type ReadFailure = 'missing' | 'denied' | 'failed';

export function readFailureOf(error: unknown): ReadFailure {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (name === 'NoSuchKey' || (name !== 'AbortError' && $metadata?.httpStatusCode === 404)) return 'missing';
  if (name === 'AccessDenied') return 'denied';
  return 'failed';
}

/** What an AccessDenied meant, as the probe found. */
export type ProbeVerdict = { verdict: 'missing' } | { verdict: 'denied' | 'failed'; error: unknown };

/** The probe gets this long; it is one small GetObject. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * After an AccessDenied, reads the first byte of `knownKey`, a snapshot this run has just written, under the same
 * policy statement and key as the pointers and the previous snapshots. Readable: the function may read what it
 * writes, so the AccessDenied meant the key does not exist (`missing`). AccessDenied again: reads are refused
 * (`denied`, a misconfiguration). Any other error: `failed`.
 */
export async function probeDenied(s3: S3Client, bucket: string, knownKey: string): Promise<ProbeVerdict> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: knownKey, Range: 'bytes=0-0' }), {
      abortSignal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    await object.Body?.transformToString();
    return { verdict: 'missing' };
  } catch (error) {
    return { verdict: readFailureOf(error) === 'denied' ? 'denied' : 'failed', error };
  }
}
