/**
 * The streaming writer against real S3 wire protocol: s3rver for single-part objects; multipart uploads on s3rver
 * and, as a second opinion, on moto_server when it is on PATH (test/support/s3-backends.ts), through the fault proxy
 * whose ledger tells which uploads are open (s3rver implements no ListMultipartUploads; the proxy answers the
 * AbortMultipartUpload that s3rver refuses, as S3 does; on moto_server the server's own listing must agree).
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LocalS3Server } from '../../../local/s3/local-s3-server';
import { NdjsonObjectWriter } from '../../../lambda/snapshot/ndjson-writer';
import { type S3UnderTest, startS3, stopS3 } from '../../support/run-checks';
import { describeEachS3Backend } from '../../support/s3-backends';
import { localS3Client } from '../../../local/s3/local-s3-client';

const BUCKET = 'writer-test';

const s3For = (endpoint: string, credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }) =>
  localS3Client(endpoint, credentials);

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

describe('NdjsonObjectWriter multipart, through the fault proxy', () => {
  describeEachS3Backend('the multipart writer tests of test/lambda/snapshot/ndjson-writer.test.ts', (backend) => {
    let server: S3UnderTest | undefined;
    let s3: S3Client;
    const MiB = 1024 * 1024;
    const chunk = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`.repeat(1024); // ~1 MiB of lines

    beforeAll(async () => {
      server = await startS3(backend, BUCKET);
      s3 = localS3Client(server.proxy.endpoint, server.backend.credentials);
    });
    afterAll(async () => {
      s3?.destroy();
      await stopS3(server);
      server = undefined;
    });
    beforeEach(() => server!.proxy.reset());

    test('a multi-part object completes with every byte in order', async () => {
      const writer = new NdjsonObjectWriter({ s3, bucket: BUCKET, key: 'big.ndjson', compression: 'none', partSize: 5 * MiB });
      for (let i = 0; i < 12; i++) await writer.write(chunk);
      const done = await writer.complete();

      const stored = await body(server!.backend.s3, 'big.ndjson');
      expect(stored.length).toBe(12 * Buffer.byteLength(chunk));
      expect(stored.toString('utf8')).toBe(chunk.repeat(12));
      expect(done.bytes).toBe(stored.length);
      // It was a multipart upload (three parts of at most 5 MiB), completed: none left open.
      expect(server!.proxy.count('UploadPart')).toBe(3);
      expect(server!.proxy.multipartUploads()).toEqual([
        { bucket: BUCKET, key: 'big.ndjson', created: 1, completed: 1, aborted: 0, open: 0 },
      ]);
      expect(await server!.reader.openUploads()).toEqual([]);
    });

    test('abort after parts were uploaded: no object and no open multipart upload', async () => {
      const writer = new NdjsonObjectWriter({
        s3,
        bucket: BUCKET,
        key: 'half.ndjson',
        compression: 'none',
        partSize: 5 * MiB,
        queueSize: 1,
      });
      for (let i = 0; i < 16; i++) await writer.write(chunk); // backpressure: parts went out meanwhile
      expect(server!.proxy.count('UploadPart')).toBeGreaterThanOrEqual(1);
      expect(await server!.reader.openUploads()).toEqual(['half.ndjson']);
      await writer.abort('collaboration failed');

      expect(await keys(server!.backend.s3)).not.toContain('half.ndjson');
      expect(server!.proxy.count('AbortMultipartUpload')).toBe(1);
      expect(await server!.reader.openUploads()).toEqual([]);
    });
  });
});
