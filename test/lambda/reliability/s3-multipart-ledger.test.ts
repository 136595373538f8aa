/**
 * The checker of the no-orphan tests: the fault proxy's ledger of multipart uploads (created − completed − aborted,
 * per key), which stands in for ListMultipartUploads on s3rver, and the answers the proxy gives in s3rver's place.
 *
 * First, what s3rver itself does with the multipart requests (pinned here: if an s3rver upgrade changes it, the
 * proxy's gap filling must be revisited); then the ledger on each backend, through the proxy (on moto_server the
 * server's own ListMultipartUploads must agree with it: BucketReader.openUploads).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type S3UnderTest, startS3, stopS3 } from '../../support/run-checks';
import { type S3Backend, describeEachS3Backend, startS3Backend } from '../../support/s3-backends';
import { localS3Client } from '../../../local/s3/local-s3-client';

const BUCKET = 'multipart-ledger';
const PART = Buffer.alloc(5 * 1024 * 1024, 'a');

/** The error name and HTTP status of a failed request, or 'ok' and the status of a successful one. */
async function outcome(request: Promise<{ $metadata: { httpStatusCode?: number } }>): Promise<[string, number | undefined]> {
  try {
    return ['ok', (await request).$metadata.httpStatusCode];
  } catch (error) {
    return [(error as Error).name, (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode];
  }
}

/** One upload with two parts, not completed. */
async function createWithParts(
  s3: S3Client,
  key: string,
): Promise<{ uploadId: string; parts: Array<{ PartNumber: number; ETag: string }> }> {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
  const parts = [];
  for (const [n, body] of [PART, Buffer.from('tail')].entries()) {
    const { ETag } = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId, PartNumber: n + 1, Body: body }));
    parts.push({ PartNumber: n + 1, ETag: ETag! });
  }
  return { uploadId: UploadId!, parts };
}

const complete = (s3: S3Client, key: string, upload: { uploadId: string; parts: Array<{ PartNumber: number; ETag: string }> }) =>
  s3.send(
    new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: upload.uploadId, MultipartUpload: { Parts: upload.parts } }),
  );

describe('s3rver 3.7 without the proxy: the multipart gaps the proxy fills', () => {
  let backend: S3Backend;
  beforeAll(async () => {
    backend = await startS3Backend('s3rver', [BUCKET]);
  });
  afterAll(() => backend?.stop());

  test('Create, UploadPart and Complete work; a repeated Complete is a 500; Abort is a 405; the listing a 501', async () => {
    const s3 = backend.s3;
    const upload = await createWithParts(s3, 'raw');
    expect(
      await outcome(s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'raw', UploadId: 'never-issued', PartNumber: 1, Body: 'x' }))),
    ).toEqual(['ok', 200]);
    expect(await outcome(s3.send(new ListMultipartUploadsCommand({ Bucket: BUCKET })))).toEqual(['NotImplemented', 501]);
    expect(await outcome(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'raw', UploadId: upload.uploadId })))).toEqual([
      'MethodNotAllowed',
      405,
    ]);
    // The refused abort left the upload as it was: it still completes, byte for byte.
    expect(await outcome(complete(s3, 'raw', upload))).toEqual(['ok', 200]);
    const stored = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'raw' }))).Body!.transformToByteArray());
    expect(stored.equals(Buffer.concat([PART, Buffer.from('tail')]))).toBe(true);
    expect(await outcome(complete(s3, 'raw', upload))).toEqual(['InternalError', 500]);
  });
});

describe("the fault proxy's ledger of multipart uploads", () => {
  describeEachS3Backend('the ledger checks of test/lambda/reliability/s3-multipart-ledger.test.ts', (name) => {
    let server: S3UnderTest | undefined;
    let s3: S3Client;

    beforeAll(async () => {
      server = await startS3(name, BUCKET);
      // One attempt per request: each test sees each answer (the SDK's retries would hide the faults).
      s3 = localS3Client(server.proxy.endpoint, server.backend.credentials, { maxAttempts: 1 });
    });
    afterAll(async () => {
      s3?.destroy();
      await stopS3(server);
      server = undefined;
    });
    beforeEach(() => server!.proxy.reset());

    test('completed: created 1, completed 1, none open; a repeated Complete is answered 200 and completes nothing more', async () => {
      const upload = await createWithParts(s3, 'done');
      expect(await server!.reader.openUploads()).toEqual(['done']);
      expect(await outcome(complete(s3, 'done', upload))).toEqual(['ok', 200]);
      expect(await outcome(complete(s3, 'done', upload))).toEqual(['ok', 200]);

      expect(server!.proxy.multipartUploads()).toEqual([{ bucket: BUCKET, key: 'done', created: 1, completed: 1, aborted: 0, open: 0 }]);
      expect(await server!.reader.openUploads()).toEqual([]);
    });

    test('aborted: answered 204, none open; the upload is then gone (UploadPart and Complete refused)', async () => {
      const upload = await createWithParts(s3, 'dropped');
      expect(
        await outcome(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'dropped', UploadId: upload.uploadId }))),
      ).toEqual(['ok', 204]);

      expect(server!.proxy.multipartUploads()).toEqual([{ bucket: BUCKET, key: 'dropped', created: 1, completed: 0, aborted: 1, open: 0 }]);
      expect(await server!.reader.openUploads()).toEqual([]);
      const partAfterAbort = await outcome(
        s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'dropped', UploadId: upload.uploadId, PartNumber: 3, Body: 'x' })),
      );
      const completeAfterAbort = await outcome(complete(s3, 'dropped', upload));
      // S3 answers both 404 NoSuchUpload, and so does the proxy for s3rver; moto_server (5.2) answers both 500 (an
      // error of its own): refused either way, and nothing is completed.
      expect([partAfterAbort[0], completeAfterAbort[0]]).not.toContain('ok');
      if (name === 's3rver')
        expect([partAfterAbort, completeAfterAbort]).toEqual([
          ['NoSuchUpload', 404],
          ['NoSuchUpload', 404],
        ]);
      expect(server!.proxy.multipartUploads()).toEqual([{ bucket: BUCKET, key: 'dropped', created: 1, completed: 0, aborted: 1, open: 0 }]);
    });

    test('an abort that failed does not count: the upload is open until an abort succeeds', async () => {
      const upload = await createWithParts(s3, 'stuck');
      server!.proxy.fail('AbortMultipartUpload', 1, 'internalError');
      expect(await outcome(s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'stuck', UploadId: upload.uploadId })))).toEqual([
        'InternalError',
        500,
      ]);

      expect(await server!.reader.openUploads()).toEqual(['stuck']);
      await server!.reader.abortOpenUploads();
      expect(server!.proxy.multipartUploads()).toEqual([{ bucket: BUCKET, key: 'stuck', created: 1, completed: 0, aborted: 1, open: 0 }]);
    });

    test('what the server did counts, heard or not: a Create whose answer was lost is an open upload (an orphan); a lost Complete completed', async () => {
      server!.proxy.fail('CreateMultipartUpload', 1, 'resetAfterForward', { pathContains: 'orphan' });
      await expect(s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'orphan' }))).rejects.toThrow();
      expect(await server!.reader.openUploads()).toEqual(['orphan']);

      const upload = await createWithParts(s3, 'lost-answer');
      server!.proxy.fail('CompleteMultipartUpload', 1, 'resetAfterForward');
      await expect(complete(s3, 'lost-answer', upload)).rejects.toThrow();
      expect(server!.proxy.multipartUploads().find((t) => t.key === 'lost-answer')).toMatchObject({ created: 1, completed: 1, open: 0 });
      // The retry an S3 client makes is answered 200 (moto_server, as S3; for s3rver, the proxy replays the first answer).
      expect(await outcome(complete(s3, 'lost-answer', upload))).toEqual(['ok', 200]);

      await server!.reader.abortOpenUploads();
      expect(server!.proxy.openUploads()).toEqual([]);
    });
  });
});
