/**
 * The naive reference exporter: the version a user writes first. Collaborations one after another, pages one
 * after another, a GetAudienceGenerationJob awaited inline for each failed job, every record buffered in memory,
 * then one gzip and one PutObject per collaboration. The SDK's default retry behaviour (standard mode, 3 attempts).
 * Like the exporter, it learns its account from STS GetCallerIdentity (the keys name it), and reads COLLABORATION_IDS
 * in its own Region only (no EXPORT_SOURCES, no `*`).
 *
 * It writes the same records to the same keys as the exporter (it reuses the record mapper and key layout; the
 * comparison is about the architecture, not the mapping). It writes no manifest. Bundled with the stack's esbuild
 * options and run by local/lambda-runtime's invokeHandler exactly like the exporter's handler.
 *
 * One concession: the lines are joined per page and the pages concatenated as Buffers. A single
 * `lines.join('\n')` of a million ~600-byte lines exceeds V8's maximum string length (2^29 - 24 characters) and
 * throws `RangeError: Invalid string length`, which would leave W2 without a memory figure to compare.
 */
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { StandardRetryStrategy } from '@smithy/util-retry';
import { CleanRoomsMLClient } from '../lambda/cleanroomsml/client';
import { GetAudienceGenerationJobCommand, ListAudienceGenerationJobsCommand } from '../lambda/cleanroomsml/commands';
import { DEFAULTS, ENV, PAGE_SIZE } from '../lambda/commons/constants';
import { resolveScheduledTime } from '../lambda/export/scheduled-time';
import { snapshotObjectKey } from '../lambda/snapshot/key-layout';
import { toSnapshotRecord } from '../lambda/snapshot/record-mapper';
import type { SnapshotRecord } from '../lambda/snapshot/record-schema';

export const handler = async (event: unknown) => {
  const collaborationIds = (process.env[ENV.COLLABORATION_IDS] ?? '').split(',').filter(Boolean);
  const bucket = process.env[ENV.SNAPSHOT_BUCKET]!;
  const prefix = process.env[ENV.SNAPSHOT_PREFIX] ?? DEFAULTS.SNAPSHOT_PREFIX;
  const scheduledTime = resolveScheduledTime(event, new Date());
  const snapshotTime = scheduledTime.toISOString();
  // What `new CleanRoomsMLClient({})` of the AWS SDK does by default: standard retries, 3 attempts.
  const cleanRooms = new CleanRoomsMLClient({ retryStrategy: new StandardRetryStrategy(3) });
  const s3 = new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });
  const sts = new STSClient({});
  const { region } = cleanRooms;
  let jobs = 0;
  try {
    const { Account: accountId } = await sts.send(new GetCallerIdentityCommand({}));
    for (const collaborationId of collaborationIds) {
      const pages: SnapshotRecord[][] = [];
      let nextToken: string | undefined;
      do {
        const page = await cleanRooms.send(new ListAudienceGenerationJobsCommand({ collaborationId, nextToken, maxResults: PAGE_SIZE }));
        const records: SnapshotRecord[] = [];
        for (const job of page.audienceGenerationJobs) {
          let statusDetails = null;
          if (job.status === 'CREATE_FAILED' || job.status === 'DELETE_FAILED') {
            const full = await cleanRooms.send(
              new GetAudienceGenerationJobCommand({ audienceGenerationJobArn: job.audienceGenerationJobArn }),
            );
            statusDetails = full.statusDetails ?? null;
          }
          records.push(toSnapshotRecord(job, { queriedCollaborationId: collaborationId, snapshotTime, statusDetails }));
        }
        pages.push(records);
        nextToken = page.nextToken || undefined;
      } while (nextToken);
      const body = gzipSync(Buffer.concat(pages.map((records) => Buffer.from(records.map((r) => `${JSON.stringify(r)}\n`).join('')))));
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: snapshotObjectKey(prefix, scheduledTime, { accountId: accountId!, region, collaborationId }, 'gzip'),
          Body: body,
          ContentType: 'application/gzip',
        }),
      );
      jobs += pages.reduce((n, records) => n + records.length, 0);
    }
  } finally {
    cleanRooms.destroy();
    s3.destroy();
    sts.destroy();
  }
  return { status: 'succeeded', jobs, collaborations: collaborationIds.length };
};
