/**
 * Copies every object of the local bucket to plain files, `<destination>/<bucket>/<key>`. s3rver keeps objects as
 * `<key>._S3rver_object` with metadata beside them; the copies are the bytes the exporter wrote, so the user can
 * open the `.ndjson.gz` files and DuckDB can read them by their real names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface CopiedObject {
  key: string;
  /** Absolute path of the copy. */
  file: string;
  bytes: number;
}

/** Copies the bucket's objects (all of them, in key order) and returns where each went. */
export async function copyBucket(s3: S3Client, bucket: string, destination: string): Promise<CopiedObject[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);

  const root = path.resolve(destination, bucket);
  const copies: CopiedObject[] = [];
  for (const key of keys.sort()) {
    const file = path.resolve(root, key);
    // Keys come from our own exporter, but a key with `..` must still not escape the folder.
    if (!file.startsWith(root + path.sep)) throw new Error(`Object key ${JSON.stringify(key)} leaves ${root}`);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await object.Body!.transformToByteArray();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
    copies.push({ key, file, bytes: body.length });
  }
  return copies;
}
