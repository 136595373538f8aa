/**
 * Property: for any list of job summaries within the model's constraints, emulator → client → NDJSON in S3 →
 * parse gives back the same values. The strings are drawn from the model's own patterns (NameString and
 * ResourceDescription allow lone surrogates and, for descriptions, CR and LF; statusDetails is any string),
 * the lengths up to the model's maxima, the timestamps in any offset and fractional precision.
 */
import fc from 'fast-check';
import {
  AUDIENCE_GENERATION_JOB_STATUSES,
  ARN_MAX_LENGTH,
  DESCRIPTION_MAX_LENGTH,
  NAME_MAX_LENGTH,
} from '../../../lambda/cleanroomsml/model-constants';
import { runExportJob } from '../../../lambda/export/export-job';
import type { SnapshotRecord } from '../../../lambda/snapshot/record-schema';
import type { EmulatorJob } from '../../../local/emulator';
import { SCHEDULED, SNAPSHOT_TIME, objectKey, parseNdjson } from '../../support/run-checks';
import { useExportTestBed } from '../../support/export-test-bed';

const bed = useExportTestBed({ firstCollaboration: 0xb000 });

const code = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));
/** One UTF-16 code unit allowed by `[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDBFF-\uDC00\uDFFF\t]` (plus `\r\n` for descriptions). */
const patternChar = (extra: string[]) =>
  fc.oneof(
    { weight: 6, arbitrary: code(0x20, 0x7e) },
    { weight: 2, arbitrary: code(0x20, 0xd7ff) },
    { weight: 1, arbitrary: code(0xe000, 0xfffd) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '\ud800',
        '\udbff',
        '\udc00',
        '\udfff',
        '\t',
        '\u2028',
        '\u2029',
        '\u0085',
        '\u007f',
        '\ufeff',
        '"',
        '\\',
        ...extra,
      ),
    },
  );
const nameArb = fc
  .array(patternChar([]), { minLength: 1, maxLength: NAME_MAX_LENGTH })
  .map((chars) => chars.join(''))
  .filter((name) => !/^\s*$/.test(name)); // (?!\s*$)
const descriptionArb = fc.array(patternChar(['\r', '\n']), { maxLength: DESCRIPTION_MAX_LENGTH }).map((chars) => chars.join(''));
/** statusDetails members are unconstrained strings: any UTF-16 code unit, control characters included. */
const anyString = (maxLength: number) => fc.array(code(0, 0xffff), { maxLength }).map((chars) => chars.join(''));

const partitionArb = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov', 'aws-iso-b');
const regionArb = fc.constantFrom('us-east-1', 'eu-west-3', 'cn-north-1', 'us-gov-west-1', 'ap-southeast-5');
const accountArb = fc.stringMatching(/^[0-9]{12}$/);
const resourceArb = (maxLength: number) => fc.stringMatching(/^[-a-zA-Z0-9_/.]+$/).map((s) => s.slice(0, Math.max(1, maxLength)));

/** An RFC 3339 date-time of `ms`, written at `offsetMinutes` with `extraDigits` beyond the milliseconds. */
function rfc3339(ms: number, offsetMinutes: number, fractionDigits: number, extraDigits: string, lowercase: boolean): string {
  const local = new Date(ms + offsetMinutes * 60_000).toISOString(); // the wall clock at that offset
  let fraction = '';
  if (fractionDigits > 0) fraction = `.${(local.slice(20, 23) + extraDigits).slice(0, fractionDigits)}`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const zone =
    offsetMinutes === 0 && fractionDigits % 2 === 0
      ? 'Z'
      : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const text = `${local.slice(0, 19)}${fraction}${zone}`;
  return lowercase ? text.replace('T', 't').replace('Z', 'z') : text;
}
/** A timestamp as the wire carries it, and the instant it stands for at millisecond precision. */
const timestampArb = fc
  .record({
    ms: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) }),
    offset: fc.integer({ min: -14 * 60, max: 14 * 60 }),
    fractionDigits: fc.integer({ min: 0, max: 9 }),
    extra: fc.stringMatching(/^[0-9]{6}$/),
    lowercase: fc.boolean(),
  })
  .map(({ ms, offset, fractionDigits, extra, lowercase }) => {
    // Digits beyond the wire's precision are dropped; the instant is what the wire says, to the millisecond.
    const kept = fractionDigits >= 3 ? ms : ms - (ms % 10 ** (3 - fractionDigits));
    return { wire: rfc3339(kept, offset, fractionDigits, extra, lowercase), iso: new Date(kept).toISOString() };
  });

const statusArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...AUDIENCE_GENERATION_JOB_STATUSES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Z][A-Z_]{0,30}$/) },
);

const jobArb = fc.record({
  partition: partitionArb,
  region: regionArb,
  account: accountArb,
  jobResource: resourceArb(ARN_MAX_LENGTH - 100),
  longArn: fc.boolean(),
  modelResource: resourceArb(200),
  name: nameArb,
  description: fc.option(descriptionArb, { nil: undefined }),
  status: statusArb,
  startedBy: fc.option(accountArb, { nil: undefined }),
  omitCollaborationId: fc.boolean(),
  createTime: timestampArb,
  updateTime: timestampArb,
  statusDetails: fc.option(
    fc.record(
      { statusCode: fc.option(anyString(40), { nil: undefined }), message: fc.option(anyString(300), { nil: undefined }) },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  ),
});
type GeneratedJob = typeof jobArb extends fc.Arbitrary<infer T> ? T : never;

/** Jobs with distinct ARNs: a job's index is part of its ARN, padded to 2,048 characters when `longArn`. */
function toEmulatorJob(job: GeneratedJob, index: number, collaboration: string): EmulatorJob {
  const prefix = `arn:${job.partition}:cleanrooms-ml:${job.region}:${job.account}:`;
  let arn = `${prefix}audience-generation-job/${collaboration}/${index}/${job.jobResource}`;
  if (job.longArn) arn = (arn + '/x'.repeat(ARN_MAX_LENGTH)).slice(0, ARN_MAX_LENGTH);
  return {
    audienceGenerationJobArn: arn.slice(0, ARN_MAX_LENGTH),
    name: job.name,
    description: job.description,
    status: job.status,
    configuredAudienceModelArn: `${prefix}configured-audience-model/${job.modelResource}`,
    collaborationId: collaboration,
    omitCollaborationIdInSummary: job.omitCollaborationId || undefined,
    startedBy: job.startedBy,
    createTime: job.createTime.wire,
    updateTime: job.updateTime.wire,
    statusDetails: job.statusDetails,
  };
}

/** The record each generated job must come back as, derived from the generator's values, not from the wire. */
function expected(job: GeneratedJob, wire: EmulatorJob, collaboration: string): SnapshotRecord {
  const failed = job.status === 'CREATE_FAILED' || job.status === 'DELETE_FAILED';
  return {
    audience_generation_job_arn: wire.audienceGenerationJobArn,
    name: job.name,
    description: job.description ?? null,
    status: job.status,
    configured_audience_model_arn: wire.configuredAudienceModelArn,
    collaboration_id: collaboration,
    started_by: job.startedBy ?? null,
    create_time: job.createTime.iso,
    update_time: job.updateTime.iso,
    status_details:
      failed && job.statusDetails
        ? { status_code: job.statusDetails.statusCode ?? null, message: job.statusDetails.message ?? null }
        : null,
    snapshot_time: SNAPSHOT_TIME,
    account_id: job.account,
    region: job.region,
  };
}

test('emulator → client → NDJSON → parse gives back the same values, one valid JSON object per line', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(jobArb, { minLength: 0, maxLength: 130 }),
      fc.constantFrom('gzip', 'none'),
      async (generated, compression) => {
        const id = bed.newId();
        const wire = generated.map((job, i) => toEmulatorJob(job, i, id));
        bed.harness.emulator.seed(id, wire);
        const env = bed.harness.applyEnv({ COLLABORATION_IDS: id, COMPRESSION: compression });

        const { manifest } = await runExportJob({ scheduledTime: SCHEDULED }, env);

        expect(manifest.collaborations[0]).toMatchObject({
          status: 'succeeded',
          job_count: generated.length,
          pages: Math.max(1, Math.ceil(generated.length / 100)),
        });
        const text = await bed.reader.readSnapshotText(
          objectKey(id, '20261128T090000Z', compression === 'gzip' ? '.ndjson.gz' : '.ndjson'),
        );
        // Only \n ends a line; nothing inside a line that any reader could take for one.
        expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u0085\u2028\u2029]/);
        expect(text.split('\n')).toHaveLength(generated.length + 1);
        expect(parseNdjson(text)).toEqual(generated.map((job, i) => expected(job, wire[i], id)));
      },
    ),
    { numRuns: 50, endOnFailure: true },
  );
});
