/**
 * Hostile and bad input, end to end. Configuration and events: every bad value stops the job with one
 * ConfigurationError before any request and any write (the parsers' unit tests in test/lambda/export cover each
 * rule; here the job as a whole is held to "nothing happened"). Data from the API: the model's maximum
 * lengths, control characters, line separators and lone surrogates where the model's patterns allow them,
 * and a 10,240-character nextToken; the output stays one valid JSON object per line, and reads back exact.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateJobs, type EmulatorJob } from '../../../local/emulator';
import { destroyAwsClients } from '../../../lambda/commons/aws-clients';
import { runExportJob } from '../../../lambda/export/export-job';
import { collaborationId } from '../../support/ids';
import { SCHEDULED, expectRunInvariant, expectedRecord, objectKey, parseNdjson } from '../../support/run-checks';
import { useExportTestBed } from '../../support/export-test-bed';

const bed = useExportTestBed({ firstCollaboration: 0xa000 });

const A = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
/** Every collaboration seeded by this file, so that a * walk can be narrowed to one. */
const seededIds: string[] = [];

/**
 * Runs the job and expects it to stop with a ConfigurationError before doing anything: no request to the
 * emulator, no object written, one error log, ExportSucceeded 0. Returns the error.
 */
async function expectRejectedBeforeAnyCall(
  event: unknown,
  overrides: Record<string, string | undefined>,
): Promise<{ message: string; problems: readonly string[] }> {
  const before = await bed.reader.listKeys();
  const env = bed.harness.applyEnv({ COLLABORATION_IDS: A, SNAPSHOT_PREFIX: undefined, ...overrides });
  const error = await runExportJob(event, env).then(
    () => undefined,
    (e: Error & { problems?: readonly string[] }) => e,
  );
  expect(error).toBeDefined();
  expect(error!.name).toBe('ConfigurationError');
  expect(bed.harness.emulator.requests).toHaveLength(0);
  expect(await bed.reader.listKeys()).toEqual(before);
  expect(bed.output.errorLogs()).toEqual([expect.objectContaining({ message: 'Export not started: bad configuration or event' })]);
  expect(bed.output.total('ExportSucceeded')).toBe(0);
  return { message: error!.message, problems: error!.problems ?? [] };
}

describe('configuration: a clear error before any call', () => {
  const upper = A.toUpperCase();
  const thousand = Array.from({ length: 1_000 }, (_, i) => collaborationId(i)).join(',');
  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['an uppercase UUID', { COLLABORATION_IDS: upper }, new RegExp(`item 1 "${upper}" must be lowercase, as the API returns it: ${A}`)],
    ['a leading space', { COLLABORATION_IDS: ` ${A}` }, /item 1 " 3f1c.*" contains whitespace/],
    ['a space after a comma', { COLLABORATION_IDS: `${A}, ${collaborationId(1)}` }, /item 2 " 0000.*" contains whitespace/],
    ['a newline', { COLLABORATION_IDS: `${A}\n` }, /item 1 "3f1c.*\\n" contains whitespace/],
    ['an empty item', { COLLABORATION_IDS: `${A},,${collaborationId(1)}` }, /item 2 "" is empty/],
    ['a trailing comma', { COLLABORATION_IDS: `${A},` }, /item 2 "" is empty/],
    ['the same id twice', { COLLABORATION_IDS: `${A},${A}` }, /item 2 .* is listed twice/],
    ['* inside a list', { COLLABORATION_IDS: `${A},*` }, /\* must stand alone/],
    ['a NUL byte', { COLLABORATION_IDS: `${A}\u0000` }, /is not a collaboration id/],
    ['a thousand collaborations', { COLLABORATION_IDS: thousand }, /lists 1000 collaborations; at most 500 are supported per run/],
    [
      'a prefix with ..',
      { SNAPSHOT_PREFIX: 'exports/../other/' },
      /SNAPSHOT_PREFIX "exports\/..\/other\/" is not a valid key prefix: it must not contain empty, \. or \.\. path segments/,
    ],
    ['a prefix that is ..', { SNAPSHOT_PREFIX: '../' }, /must not contain empty, \. or \.\. path segments/],
    ['a prefix with a leading /', { SNAPSHOT_PREFIX: '/exports/' }, /must not start with \//],
    ['a prefix with //', { SNAPSHOT_PREFIX: 'exports//jobs/' }, /must not contain empty/],
    ['a prefix without the trailing /', { SNAPSHOT_PREFIX: 'exports' }, /must end with \//],
    ['a prefix with a newline', { SNAPSHOT_PREFIX: 'exports\n/' }, /may contain only letters, digits/],
    ['a prefix with non-ASCII', { SNAPSHOT_PREFIX: 'données/' }, /may contain only letters, digits/],
    ['an uppercase bucket', { SNAPSHOT_BUCKET: 'My-Bucket' }, /SNAPSHOT_BUCKET "My-Bucket" is not a valid bucket name/],
    ['a bucket with an underscore', { SNAPSHOT_BUCKET: 'my_bucket' }, /not a valid bucket name/],
    ['a bucket of 2 characters', { SNAPSHOT_BUCKET: 'ab' }, /must be 3 to 63 characters long/],
    ['a bucket shaped like an IP address', { SNAPSHOT_BUCKET: '192.168.0.1' }, /must not be formatted as an IP address/],
    ['a bucket with ..', { SNAPSHOT_BUCKET: 'my..bucket' }, /must not contain two adjacent dots/],
    ['a bucket with a path', { SNAPSHOT_BUCKET: 'bucket/../other' }, /not a valid bucket name/],
    ['no bucket', { SNAPSHOT_BUCKET: undefined }, /SNAPSHOT_BUCKET is required/],
    ['no collaborations', { COLLABORATION_IDS: '' }, /COLLABORATION_IDS is required/],
    ['a concurrency of 0', { MAX_CONCURRENCY: '0' }, /MAX_CONCURRENCY "0" must be an integer from 1 to 64/],
    ['a negative attempt count', { CLEANROOMSML_MAX_ATTEMPTS: '-1' }, /must be an integer from 1 to 20/],
    ['a timeout in exponent form', { CLEANROOMSML_REQUEST_TIMEOUT_MS: '1e3' }, /must be an integer from 100 to 300000/],
    ['an unknown compression', { COMPRESSION: 'brotli' }, /COMPRESSION "brotli" must be gzip or none/],
    [
      'a model ARN of another resource type',
      { CONFIGURED_AUDIENCE_MODEL_ARN: 'arn:aws:s3:::bucket' },
      /is not a configured audience model ARN/,
    ],
  ])('%s', async (_, overrides, message) => {
    const error = await expectRejectedBeforeAnyCall(
      { scheduledTime: SCHEDULED },
      {
        MAX_CONCURRENCY: undefined,
        CLEANROOMSML_MAX_ATTEMPTS: undefined,
        CLEANROOMSML_REQUEST_TIMEOUT_MS: undefined,
        COMPRESSION: undefined,
        CONFIGURED_AUDIENCE_MODEL_ARN: undefined,
        ...overrides,
      },
    );
    expect(error.message).toMatch(message);
  });

  it('every problem at once: one error that lists each of them', async () => {
    const error = await expectRejectedBeforeAnyCall(
      { scheduledTime: SCHEDULED },
      {
        COLLABORATION_IDS: `${A.toUpperCase()},,x`,
        SNAPSHOT_BUCKET: 'Bad_Bucket',
        SNAPSHOT_PREFIX: '/../',
        COMPRESSION: 'zip',
        MAX_CONCURRENCY: '999',
      },
    );
    expect(error.problems).toHaveLength(7);
    expect(error.message).toMatch(/^Invalid configuration: /);
    for (const fragment of [
      'must be lowercase',
      'is empty',
      'is not a collaboration id',
      'SNAPSHOT_BUCKET',
      'SNAPSHOT_PREFIX',
      'COMPRESSION',
      'MAX_CONCURRENCY',
    ]) {
      expect(error.message).toContain(fragment);
    }
  });
});

describe('events: garbage is refused before any call; extra fields are ignored', () => {
  it.each<[string, unknown]>([
    ['a word', { scheduledTime: 'yesterday' }],
    ['an empty string', { scheduledTime: '' }],
    ['a date without a time', { scheduledTime: '2026-11-28' }],
    ['a time without a zone', { scheduledTime: '2026-11-28T09:00:00' }],
    ['30 February', { scheduledTime: '2026-02-30T09:00:00Z' }],
    ['an offset of +25:00', { scheduledTime: '2026-11-28T09:00:00+25:00' }],
    ['a trailing newline', { scheduledTime: `${SCHEDULED}\n` }],
    ['SQL', { scheduledTime: "2026-11-28T09:00:00Z'; DROP TABLE jobs; --" }],
    ['a megabyte of text', { scheduledTime: 'x'.repeat(1_000_000) }],
    ['a number', { scheduledTime: 1_795_914_000_000 }],
    ['null', { scheduledTime: null }],
    ['an object', { scheduledTime: { $date: SCHEDULED } }],
    ['an EventBridge event with a bad time', { 'detail-type': 'Scheduled Event', time: 'now' }],
    ['the year 9999', { scheduledTime: '9999-12-31T23:59:59Z' }],
    ['a week ahead', { scheduledTime: new Date(Date.now() + 7 * 86_400_000).toISOString() }],
    ['the epoch', { scheduledTime: '1970-01-01T00:00:00Z' }],
    ['the last second of 2022', { scheduledTime: '2022-12-31T23:59:59Z' }],
    ['a string event', SCHEDULED],
    ['an array event', [SCHEDULED]],
  ])('%s', async (_, event) => {
    const error = await expectRejectedBeforeAnyCall(event, {});
    expect(error.message.length).toBeLessThan(300); // the value is named, but shortened
  });

  it('extra fields, and a __proto__ key, are ignored: the run writes at the scheduled time and pollutes nothing', async () => {
    const id = bed.newId();
    const jobs = generateJobs({ collaborationId: id, count: 3 });
    bed.harness.emulator.seed(id, jobs);
    seededIds.push(id);
    const event: unknown = JSON.parse(
      `{"__proto__": {"polluted": true}, "scheduledTime": "${SCHEDULED}", "time": "garbage, not read", "detail": {"x": [1, 2]}, "extra": "${'y'.repeat(10_000)}"}`,
    );
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id, SNAPSHOT_PREFIX: undefined });

    const { manifest } = await runExportJob(event, env);

    expect(manifest).toMatchObject({ status: 'succeeded', scheduled_time: '2026-11-28T09:00:00.000Z' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await bed.reader.readSnapshot(objectKey(id))).toEqual(jobs.map((j) => expectedRecord(j, id)));
  });
});

describe('data from the API at the edges of the model', () => {
  /** Characters no line reader may split a record on, and that JSON.stringify leaves raw unless told. */
  const RAW_FORBIDDEN = /[\u0000-\u001f\u0085\u2028\u2029]/;
  const LONE = ['\ud800', '\udbff', '\udc00', '\udfff'];

  it('maximum lengths, control characters, line separators and lone surrogates: one valid JSON object per line, values exact', async () => {
    const id = bed.newId();
    seededIds.push(id);
    const base = generateJobs({ collaborationId: id, count: 8, statuses: ['CREATE_FAILED', 'ACTIVE', 'DELETE_FAILED'] });
    const fill = (text: string, length: number) => text.repeat(Math.ceil(length / text.length)).slice(0, length);
    const longArn = (arn: string) => arn + fill('/segment_v2.', 2_048 - arn.length);
    const jobs: EmulatorJob[] = base.map((job, i) => {
      switch (i) {
        case 0: // the model's maximum lengths
          return {
            ...job,
            name: fill('Zielgruppe été 日本 ', 63),
            description: fill('Line one ✓\r\nline two\t', 255),
            audienceGenerationJobArn: longArn(job.audienceGenerationJobArn),
            configuredAudienceModelArn: longArn(job.configuredAudienceModelArn),
          };
        case 1: // line and paragraph separators, NEL and a BOM, allowed by NameString and ResourceDescription
          return { ...job, name: `a\u2028b\u2029c\u0085d\ufeff`, description: 'x\u2028\r\n\u2029\u0085y' };
        case 2: // lone surrogates, which the patterns' \uD800, \uDBFF-\uDC00 and \uDFFF allow
          return {
            ...job,
            name: `lone ${LONE.join(' ')}`,
            description: LONE.join('') + '\ud800\udc00',
            statusDetails: { statusCode: '\udfff', message: `bad ${LONE.join('')}` },
          };
        case 3: // every C0 control character and DEL, in the unconstrained statusDetails
          return {
            ...job,
            statusDetails: {
              statusCode: 'CTRL',
              message: Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('') + '\u007f',
            },
          };
        case 4: // JSON and HTML inside strings
          return { ...job, name: '{"name":"inner"}\\"', description: '</script><script>alert(1)</script>\n"]}' };
        case 5: // a 1-character name and an empty description
          return { ...job, name: '\t', description: '' };
        default:
          return job;
      }
    });
    bed.harness.emulator.seed(id, jobs);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: id, SNAPSHOT_PREFIX: undefined });

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    expect(manifest.status).toBe('succeeded');
    await expectRunInvariant(bed.reader, manifest);
    const text = await bed.reader.readSnapshotText(objectKey(id));
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(jobs.length);
    for (const line of lines) {
      expect(line).not.toMatch(RAW_FORBIDDEN);
      expect(() => JSON.parse(line)).not.toThrow();
    }
    // Any line splitter sees the same records: Python's str.splitlines() also breaks on U+2028, U+2029 and U+0085.
    expect(text.split(/\r\n|[\n\r\u000b\u000c\u001c-\u001e\u0085\u2028\u2029]/).filter(Boolean)).toHaveLength(jobs.length);
    expect(parseNdjson(text)).toEqual(jobs.map((j) => expectedRecord(j, id)));
  });

  it('a collaborationId that is not a UUID in a * walk fails the walk instead of naming an object after it', async () => {
    const id = bed.newId();
    const [job] = generateJobs({ collaborationId: id, count: 1, statuses: ['ACTIVE'] });
    // Only this collaboration is visible to the * walk: every other one is denied.
    const hostile: EmulatorJob = { ...job, collaborationId: '../../../evil\n' };
    bed.harness.emulator.seed(id, [hostile]);
    for (const other of seededIds) bed.harness.emulator.faults.denyCollaboration(other);
    const env = bed.harness.applyEnv({ COLLABORATION_IDS: '*', SNAPSHOT_PREFIX: 'hostile/' });

    const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

    expect(manifest.status).toBe('failed');
    expect(manifest.collaborations[0]).toMatchObject({
      collaboration_id: '*',
      status: 'failed',
      error: { message: expect.stringContaining('is not a collaboration id') },
    });
    expect(await bed.reader.listKeys('hostile/')).toEqual(['hostile/dt=2026-11-28/_manifest_20261128T090000Z.json']);
  });

  describe('a 10,240-character nextToken (the model maximum), through a minimal server that serves it', () => {
    let server: Server;
    let endpoint: string;
    const received: string[] = [];
    const id = collaborationId(0xafff);
    const jobs = generateJobs({ collaborationId: id, count: 3, statuses: ['ACTIVE'] });
    // Every character a query string must escape, and some it need not; 10,240 code points.
    const token = ('+/=&#%? é日\u0000~' + 'A'.repeat(100)).repeat(100).slice(0, 10_240 - 3) + 'end';

    beforeAll(async () => {
      server = createServer({ maxHeaderSize: 256 * 1024 }, (req: IncomingMessage, res: ServerResponse) => {
        const url = new URL(req.url!, 'http://localhost');
        const nextToken = url.searchParams.get('nextToken');
        if (nextToken !== null) received.push(nextToken);
        const page =
          nextToken === null
            ? { audienceGenerationJobs: [wire(jobs[0])], nextToken: token }
            : { audienceGenerationJobs: jobs.slice(1).map(wire) };
        const body = JSON.stringify(page);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      destroyAwsClients();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('is sent back exactly, and the snapshot is complete', async () => {
      expect([...token]).toHaveLength(10_240);
      const env = bed.harness.applyEnv({ COLLABORATION_IDS: id, SNAPSHOT_PREFIX: undefined, AWS_ENDPOINT_URL_CLEANROOMSML: endpoint });

      const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

      expect(received).toEqual([token]);
      expect(manifest.collaborations[0]).toMatchObject({ status: 'succeeded', pages: 2, job_count: 3 });
      expect(await bed.reader.readSnapshot(objectKey(id))).toEqual(jobs.map((j) => expectedRecord(j, id)));
    });
  });
});

/** An emulator job as the wire carries it (the emulator's own serialization, minus its private flags). */
function wire(job: EmulatorJob): Record<string, unknown> {
  const { statusDetails: _details, omitCollaborationIdInSummary: _omit, ...summary } = job;
  return summary;
}
