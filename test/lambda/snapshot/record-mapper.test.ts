import type { AudienceGenerationJobSummary } from '../../../lambda/cleanroomsml/types';
import { parseJobArn, toSnapshotRecord } from '../../../lambda/snapshot/record-mapper';
import { SNAPSHOT_COLUMNS } from '../../../lambda/snapshot/record-schema';

const COLLABORATION = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const QUERIED = '00000000-0000-4000-8000-000000000009';
const JOB_ARN = 'arn:aws:cleanrooms-ml:eu-west-1:111122223333:audience-generation-job/7d1e1a3c-4b5f-4a6e-8c9d-0a1b2c3d4e5f';
const MODEL_ARN = 'arn:aws:cleanrooms-ml:eu-west-1:111122223333:configured-audience-model/0b0b0b0b-1111-4222-8333-444455556666';
const SNAPSHOT_TIME = '2026-11-28T09:00:00.000Z';

const fullJob: AudienceGenerationJobSummary = {
  createTime: new Date('2024-03-01T09:00:00.123Z'),
  updateTime: new Date('2024-03-01T10:07:00Z'),
  audienceGenerationJobArn: JOB_ARN,
  name: 'lookalike-audience-0001',
  description: 'Lookalike segment 1',
  status: 'ACTIVE',
  configuredAudienceModelArn: MODEL_ARN,
  collaborationId: COLLABORATION,
  startedBy: '444455556666',
};

const minimalJob: AudienceGenerationJobSummary = {
  createTime: new Date('2024-03-01T09:00:00Z'),
  updateTime: new Date('2024-03-01T09:00:00Z'),
  audienceGenerationJobArn: JOB_ARN,
  name: 'x',
  status: 'CREATE_PENDING',
  configuredAudienceModelArn: MODEL_ARN,
};

describe('parseJobArn', () => {
  it.each([
    [JOB_ARN, 'eu-west-1', '111122223333'],
    ['arn:aws-cn:cleanrooms-ml:cn-north-1:123456789012:audience-generation-job/abc', 'cn-north-1', '123456789012'],
    ['arn:aws-us-gov:cleanrooms-ml:us-gov-west-1:000000000000:audience-generation-job/a/b.c_d', 'us-gov-west-1', '000000000000'],
  ])('%s → region %s, account %s', (arn, region, accountId) => {
    expect(parseJobArn(arn)).toEqual({ region, accountId });
  });

  it.each([
    ['not an ARN', 'not-an-arn'],
    ['no region', 'arn:aws:cleanrooms-ml::111122223333:audience-generation-job/abc'],
    ['no account', 'arn:aws:cleanrooms-ml:us-east-1::audience-generation-job/abc'],
    ['an 11-digit account', 'arn:aws:cleanrooms-ml:us-east-1:11112222333:audience-generation-job/abc'],
    ['a non-numeric account', 'arn:aws:cleanrooms-ml:us-east-1:11112222333x:audience-generation-job/abc'],
    ['too few parts', 'arn:aws:cleanrooms-ml:us-east-1:111122223333'],
    ['a wrong scheme', 'urn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/abc'],
    ['the empty string', ''],
  ])('rejects %s, naming the ARN', (_, arn) => {
    expect(() => parseJobArn(arn)).toThrow(`Job ARN ${JSON.stringify(arn)} has no region and account id`);
  });

  it('shortens a huge ARN in the message', () => {
    const huge = `x${'y'.repeat(5_000)}`;
    let message = '';
    try {
      parseJobArn(huge);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/has no region and account id/);
    expect(message.length).toBeLessThan(300);
  });
});

describe('toSnapshotRecord', () => {
  it('maps every member of a full summary', () => {
    expect(toSnapshotRecord(fullJob, { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME })).toEqual({
      audience_generation_job_arn: JOB_ARN,
      name: 'lookalike-audience-0001',
      description: 'Lookalike segment 1',
      status: 'ACTIVE',
      configured_audience_model_arn: MODEL_ARN,
      collaboration_id: COLLABORATION,
      started_by: '444455556666',
      create_time: '2024-03-01T09:00:00.123Z',
      update_time: '2024-03-01T10:07:00.000Z',
      status_details: null,
      snapshot_time: SNAPSHOT_TIME,
      account_id: '111122223333',
      region: 'eu-west-1',
    });
  });

  it('turns absent optional members into null and falls back to the queried collaboration', () => {
    const record = toSnapshotRecord(minimalJob, { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME });
    expect(record.description).toBeNull();
    expect(record.started_by).toBeNull();
    expect(record.status_details).toBeNull();
    expect(record.collaboration_id).toBe(QUERIED);
  });

  it('keeps an empty description as an empty string, not null', () => {
    expect(
      toSnapshotRecord({ ...minimalJob, description: '' }, { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME }).description,
    ).toBe('');
  });

  it('puts every column on every record, in the column order, whatever is absent', () => {
    const names = SNAPSHOT_COLUMNS.map((column) => column.name);
    for (const job of [fullJob, minimalJob]) {
      const record = toSnapshotRecord(job, { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME });
      expect(Object.keys(record)).toEqual(names);
      // JSON keeps nulls, so every key is on every NDJSON line.
      expect(Object.keys(JSON.parse(JSON.stringify(record)))).toEqual(names);
    }
  });

  it('writes timestamps as ISO-8601 UTC with milliseconds', () => {
    const record = toSnapshotRecord(
      { ...minimalJob, createTime: new Date('2024-03-01T10:00:00+01:00'), updateTime: new Date('2024-03-01T04:30:00.5-04:30') },
      { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME },
    );
    expect(record.create_time).toBe('2024-03-01T09:00:00.000Z');
    expect(record.update_time).toBe('2024-03-01T09:00:00.500Z');
    for (const value of [record.create_time, record.update_time]) expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('maps statusDetails when given, absent members as null', () => {
    const context = { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME };
    const failed = { ...fullJob, status: 'CREATE_FAILED' };
    expect(
      toSnapshotRecord(failed, { ...context, statusDetails: { statusCode: 'INSUFFICIENT_SEED_SIZE', message: 'Too few users.' } })
        .status_details,
    ).toEqual({
      status_code: 'INSUFFICIENT_SEED_SIZE',
      message: 'Too few users.',
    });
    expect(toSnapshotRecord(failed, { ...context, statusDetails: { message: 'Only a message.' } }).status_details).toEqual({
      status_code: null,
      message: 'Only a message.',
    });
    expect(toSnapshotRecord(failed, { ...context, statusDetails: {} }).status_details).toEqual({ status_code: null, message: null });
    expect(toSnapshotRecord(failed, { ...context, statusDetails: null }).status_details).toBeNull();
    expect(toSnapshotRecord(failed, { ...context, statusDetails: undefined }).status_details).toBeNull();
  });

  it('passes a status outside the model through as-is', () => {
    expect(
      toSnapshotRecord({ ...fullJob, status: 'ARCHIVED' }, { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME }).status,
    ).toBe('ARCHIVED');
  });

  it('takes account and region from the job ARN, not from the model ARN or startedBy', () => {
    const job = {
      ...fullJob,
      audienceGenerationJobArn: 'arn:aws:cleanrooms-ml:ap-southeast-2:999988887777:audience-generation-job/abc',
    };
    const record = toSnapshotRecord(job, { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME });
    expect([record.account_id, record.region]).toEqual(['999988887777', 'ap-southeast-2']);
  });

  it('throws on a job ARN without region or account', () => {
    expect(() =>
      toSnapshotRecord(
        { ...fullJob, audienceGenerationJobArn: 'arn:aws:cleanrooms-ml:::job/x' },
        { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME },
      ),
    ).toThrow(/has no region and account id/);
  });

  it('keeps names and descriptions with tabs, newlines and non-ASCII characters intact through JSON', () => {
    const name = 'Zielgruppe\tété 日本';
    const description = 'Line one, ünïcödé ✓\r\nline two';
    const record = toSnapshotRecord({ ...fullJob, name, description }, { queriedCollaborationId: QUERIED, snapshotTime: SNAPSHOT_TIME });
    const line = JSON.stringify(record);
    expect(line).not.toMatch(/\n/);
    expect(JSON.parse(line)).toMatchObject({ name, description });
  });
});
