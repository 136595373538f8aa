/**
 * The local S3 server's PUT is atomic for readers and answered only once the object is in place, as on S3:
 * a reader never sees an empty or partial object, and a PUT cut off mid-body leaves nothing behind.
 */
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { LocalS3Server } from '../../../local/s3/local-s3-server';
import { localS3Client } from '../../../local/s3/local-s3-client';

const BUCKET = 'atomic-test';
let server: LocalS3Server;
let s3: S3Client;

beforeAll(async () => {
  server = await LocalS3Server.start({ buckets: [BUCKET] });
  s3 = localS3Client(server.endpoint, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
});

afterAll(async () => {
  s3.destroy();
  await server.stop();
});

const read = async (key: string): Promise<string> =>
  (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString();

/** Every file under the bucket's folder, so that a temporary file left behind would show. */
function filesOnDisk(): string[] {
  return readdirSync(join(server.directory, BUCKET), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

it('a GET during a PUT reads the previous object whole; after the answer, the new one', async () => {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'manifest.json', Body: 'old object\n' }));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const first = 'n'.repeat(64 * 1024);
  const body = Readable.from(
    (async function* () {
      yield Buffer.from(first);
      await released;
      yield Buffer.from('ew\n');
    })(),
  );
  const put = s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'manifest.json', Body: body, ContentLength: first.length + 3 }));

  // The first half has reached the server (it is on disk under a temporary name) before this reads.
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await read('manifest.json')).toBe('old object\n');

  release();
  await put;
  expect(await read('manifest.json')).toBe(`${first}ew\n`);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['manifest.json', first.length + 3]]);
});

it('every PUT is readable, exact, as soon as it is answered', async () => {
  const mismatches: number[] = [];
  for (let i = 0; i < 40; i++) {
    const text = `${JSON.stringify({ run: i, pad: 'x'.repeat(i * 997) })}\n`;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'again.json', Body: text }));
    if ((await read('again.json')) !== text) mismatches.push(i);
  }
  expect(mismatches).toEqual([]);
});

it('a PUT cut off mid-body leaves the previous object and no temporary file', async () => {
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'cut.json', Body: 'kept\n' }));
  const before = filesOnDisk();
  const { port } = new URL(server.endpoint);
  await new Promise<void>((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'PUT', path: `/${BUCKET}/cut.json`, headers: { 'content-length': 1_000_000 } });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(4096, 0x61), () => setTimeout(() => req.destroy(), 100));
  });
  // The server sees the reset and cleans up asynchronously.
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await read('cut.json')).toBe('kept\n');
  expect(filesOnDisk()).toEqual(before);
});
