/**
 * The streaming writer against real S3 wire protocol: s3rver for single-part objects, moto_server for
 * multipart uploads (s3rver implements no AbortMultipartUpload or ListMultipartUploads).
 */
import { gunzipSync } from 'node:zlib';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { LocalS3Server } from '../../local/s3/local-s3-server';
import { NdjsonObjectWriter } from '../../lambda/snapshot/ndjson-writer';
import { MotoServer } from '../support/moto-server';

const BUCKET = 'writer-test';

function s3For(endpoint: string, credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }): S3Client {
  return new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED' });
}

async function body(s3: S3Client, key: string): Promise<Buffer> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function keys(s3: S3Client): Promise<string[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listed.Contents ?? []).map((o) => o.Key!);
}

describe('NdjsonObjectWriter on s3rver (single part)', () => {
  let server: LocalS3Server;
  let s3: S3Client;

  beforeAll(async () => {
    server = await LocalS3Server.start({ buckets: [BUCKET] });
    s3 = s3For(server.endpoint);
  });
  afterAll(async () => {
    s3.destroy();
    await server.stop();
  });

  test('gzip: the object decompresses to exactly the lines written; bytes are the object size', async () => {
    const writer = new NdjsonObjectWriter({ s3, bucket: BUCKET, key: 'a.ndjson.gz', compression: 'gzip' });
    const lines = Array.from({ length: 1000 }, (_, i) => `${JSON.stringify({ i, text: 'é\n"\t' })}\n`);
    for (let i = 0; i < lines.length; i += 100) await writer.write(lines.slice(i, i + 100).join(''));
    const done = await writer.complete();

    const stored = await body(s3, 'a.ndjson.gz');
    expect(gunzipSync(stored).toString('utf8')).toBe(lines.join(''));
    expect(done).toEqual({ key: 'a.ndjson.gz', bytes: stored.length });
  });

  test('none: plain NDJSON; an empty snapshot is an empty object', async () => {
    const writer = new NdjsonObjectWriter({ s3, bucket: BUCKET, key: 'b.ndjson', compression: 'none' });
    await writer.write('{"x":1}\n');
    await writer.complete();
    const empty = new NdjsonObjectWriter({ s3, bucket: BUCKET, key: 'empty.ndjson', compression: 'none' });
    expect(await empty.complete()).toEqual({ key: 'empty.ndjson', bytes: 0 });

    expect((await body(s3, 'b.ndjson')).toString()).toBe('{"x":1}\n');
    expect((await body(s3, 'empty.ndjson')).length).toBe(0);
  });

  test('abort before complete leaves no object, and the writer refuses further writes', async () => {
    const writer = new NdjsonObjectWriter({ s3, bucket: BUCKET, key: 'aborted.ndjson.gz', compression: 'gzip' });
    await writer.write('{"partial":true}\n');
    await writer.abort('test');

    expect(await keys(s3)).not.toContain('aborted.ndjson.gz');
    await expect(writer.write('{"more":1}\n')).rejects.toThrow(/aborted/);
  });
});

describe('NdjsonObjectWriter on moto_server (multipart)', () => {
  let moto: MotoServer;
  let s3: S3Client;
  const MiB = 1024 * 1024;
  const chunk = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`.repeat(1024); // ~1 MiB of lines

  beforeAll(async () => {
    moto = await MotoServer.start();
    s3 = s3For(moto.endpoint, { accessKeyId: 'testing', secretAccessKey: 'testing' });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });
  afterAll(async () => {
    s3.destroy();
    await moto?.stop();
  });

  test('a multi-part object completes with every byte in order', async () => {
    const writer = new NdjsonObjectWriter({ s3, bucket: BUCKET, key: 'big.ndjson', compression: 'none', partSize: 5 * MiB });
    for (let i = 0; i < 12; i++) await writer.write(chunk);
    const done = await writer.complete();

    const stored = await body(s3, 'big.ndjson');
    expect(stored.length).toBe(12 * Buffer.byteLength(chunk));
    expect(stored.toString('utf8')).toBe(chunk.repeat(12));
    expect(done.bytes).toBe(stored.length);
  });

  test('abort after parts were uploaded: no object and no open multipart upload', async () => {
    const writer = new NdjsonObjectWriter({ s3, bucket: BUCKET, key: 'half.ndjson', compression: 'none', partSize: 5 * MiB, queueSize: 1 });
    for (let i = 0; i < 16; i++) await writer.write(chunk); // backpressure: parts went out meanwhile
    const open = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect((open.Uploads ?? []).map((u) => u.Key)).toEqual(['half.ndjson']);
    await writer.abort('collaboration failed');

    expect(await keys(s3)).not.toContain('half.ndjson');
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
    expect(uploads.Uploads ?? []).toEqual([]);
  });
});
