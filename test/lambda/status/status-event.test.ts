import { STATUS_EVENT } from '../../../lambda/commons/constants';
import { statusEventDetail, statusEventEntry, statusEventId } from '../../../lambda/status/status-event';

const OWNER = { accountId: '111122223333', region: 'eu-west-1', collaborationId: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01' };
const CONTEXT = { owner: OWNER, snapshotTime: '2026-11-28T10:00:00.000Z', previousSnapshotTime: '2026-11-28T09:00:00.000Z' };
const JOB = {
  audience_generation_job_arn: 'arn:aws:cleanrooms-ml:eu-west-1:111122223333:audience-generation-job/0b0b0b0b-1111-4222-8333-444455556666',
  name: 'lookalike-audience-0001',
  status: 'DELETE_FAILED',
  status_details: { status_code: 'INTERNAL_ERROR', message: 'The audience generation job could not be deleted.' },
  update_time: '2026-11-28T09:30:00.000Z',
};
const ID_FIELDS = {
  accountId: OWNER.accountId,
  region: OWNER.region,
  collaborationId: OWNER.collaborationId,
  jobArn: JOB.audience_generation_job_arn,
  change: 'status_changed' as const,
  previousStatus: 'DELETE_IN_PROGRESS',
  status: 'DELETE_FAILED',
  snapshotTime: CONTEXT.snapshotTime,
};

describe('status event', () => {
  it('the detail has every key of the specification, in order, null where absent', () => {
    const detail = statusEventDetail('status_changed', JOB, 'DELETE_IN_PROGRESS', CONTEXT);
    expect(Object.keys(detail)).toEqual([
      'event_id',
      'change',
      'audience_generation_job_arn',
      'name',
      'collaboration_id',
      'account_id',
      'region',
      'previous_status',
      'status',
      'status_details',
      'update_time',
      'snapshot_time',
      'previous_snapshot_time',
    ]);
    expect(detail).toEqual({
      event_id: statusEventId(ID_FIELDS),
      change: 'status_changed',
      audience_generation_job_arn: JOB.audience_generation_job_arn,
      name: JOB.name,
      collaboration_id: OWNER.collaborationId,
      account_id: OWNER.accountId,
      region: OWNER.region,
      previous_status: 'DELETE_IN_PROGRESS',
      status: 'DELETE_FAILED',
      status_details: JOB.status_details,
      update_time: JOB.update_time,
      snapshot_time: '2026-11-28T10:00:00.000Z',
      previous_snapshot_time: '2026-11-28T09:00:00.000Z',
    });
    const created = statusEventDetail('created', { ...JOB, status: 'ACTIVE', status_details: null }, null, {
      ...CONTEXT,
      previousSnapshotTime: null,
    });
    expect(created).toMatchObject({ change: 'created', previous_status: null, status_details: null, previous_snapshot_time: null });
  });

  it('the account and Region are the source’s (as in the object key), not the ARN’s', () => {
    const detail = statusEventDetail('created', JOB, null, {
      ...CONTEXT,
      owner: { ...OWNER, accountId: '444455556666', region: 'us-east-1' },
    });
    expect(detail).toMatchObject({ account_id: '444455556666', region: 'us-east-1' });
  });

  it('event_id: a UUID-shaped (version 8) digest, the same for the same change at the same time', () => {
    const id = statusEventId(ID_FIELDS);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(statusEventId({ ...ID_FIELDS })).toBe(id);
    expect(statusEventDetail('status_changed', JOB, 'DELETE_IN_PROGRESS', CONTEXT).event_id).toBe(id);
    // The previous snapshot's time is not part of it: the same change at the same scheduled time is the same event.
    expect(
      statusEventDetail('status_changed', JOB, 'DELETE_IN_PROGRESS', { ...CONTEXT, previousSnapshotTime: '2026-11-27T09:00:00.000Z' })
        .event_id,
    ).toBe(id);
  });

  it.each(Object.keys(ID_FIELDS))('event_id changes with %s', (field) => {
    const value = (ID_FIELDS as Record<string, unknown>)[field];
    const other = field === 'change' ? 'removed' : field === 'previousStatus' ? null : `${String(value)}x`;
    expect(statusEventId({ ...ID_FIELDS, [field]: other })).not.toBe(statusEventId(ID_FIELDS));
  });

  it('event_id cannot be forged by moving text between fields', () => {
    expect(statusEventId({ ...ID_FIELDS, previousStatus: 'A', status: 'BC' })).not.toBe(
      statusEventId({ ...ID_FIELDS, previousStatus: 'AB', status: 'C' }),
    );
    expect(statusEventId({ ...ID_FIELDS, previousStatus: null })).not.toBe(statusEventId({ ...ID_FIELDS, previousStatus: 'null' }));
  });

  it('the entry: source, detail type, the job ARN as resource, the scheduled time, the bus, the detail as JSON', () => {
    const detail = statusEventDetail('status_changed', JOB, 'DELETE_IN_PROGRESS', CONTEXT);
    const time = new Date('2026-11-28T10:00:00.000Z');
    expect(statusEventEntry(detail, 'audience-jobs', time)).toEqual({
      Source: STATUS_EVENT.SOURCE,
      DetailType: STATUS_EVENT.DETAIL_TYPE,
      Resources: [JOB.audience_generation_job_arn],
      Time: time,
      EventBusName: 'audience-jobs',
      Detail: JSON.stringify(detail),
    });
    expect(STATUS_EVENT).toEqual({ SOURCE: 'audience-jobs-exporter', DETAIL_TYPE: 'Audience Generation Job Status Change' });
  });
});
