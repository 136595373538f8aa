/**
 * The floor of W3: a handler that imports only @aws-sdk/client-s3 and @aws-sdk/lib-storage, the two packages any
 * design that streams a multipart upload to S3 must load. Bundled with the stack's esbuild options; the exporter's
 * bundle cannot import faster than this.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

export const handler = async (event: { bucket: string; key: string; body: string }) => {
  const s3 = new S3Client({});
  await new Upload({ client: s3, params: { Bucket: event.bucket, Key: event.key, Body: event.body } }).done();
  s3.destroy();
  return { status: 'succeeded' };
};
