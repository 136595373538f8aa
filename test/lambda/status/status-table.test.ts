import { AUDIENCE_GENERATION_JOB_STATUSES } from '../../../lambda/cleanroomsml/model-constants';
import { StatusTable } from '../../../lambda/status/status-table';

const arn = (i: number) =>
  `arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/${i.toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const bytesOf = (table: StatusTable) =>
  (table as unknown as { slots: Uint32Array }).slots.byteLength + (table as unknown as { bytes: Uint8Array }).bytes.byteLength;

describe('StatusTable', () => {
  it('remembers each job status; unknown ARNs have none', () => {
    const table = new StatusTable();
    table.set(arn(1), 'ACTIVE');
    table.set(arn(2), 'DELETE_FAILED');
    expect(table.size).toBe(2);
    expect(table.statusOf(arn(1))).toBe('ACTIVE');
    expect(table.statusOf(arn(2))).toBe('DELETE_FAILED');
    expect(table.statusOf(arn(3))).toBeUndefined();
  });

  it('a repeated ARN keeps the later status and counts once', () => {
    const table = new StatusTable();
    table.set(arn(1), 'ACTIVE');
    table.set(arn(1), 'DELETE_PENDING');
    expect(table.size).toBe(1);
    expect(table.statusOf(arn(1))).toBe('DELETE_PENDING');
  });

  it('marks jobs listed again, once each, and returns their previous status', () => {
    const table = new StatusTable();
    table.set(arn(1), 'ACTIVE');
    table.set(arn(2), 'CREATE_IN_PROGRESS');
    expect(table.markListed(arn(3))).toBeUndefined();
    expect(table.listedCount).toBe(0);
    expect(table.markListed(arn(2))).toBe('CREATE_IN_PROGRESS');
    expect(table.markListed(arn(2))).toBe('CREATE_IN_PROGRESS');
    expect(table.listedCount).toBe(1);
    expect(table.isListed(arn(2))).toBe(true);
    expect(table.isListed(arn(1))).toBe(false);
    expect(table.isListed(arn(3))).toBe(false);
    // The mark does not change the status.
    expect(table.statusOf(arn(2))).toBe('CREATE_IN_PROGRESS');
  });

  it('every status of the model, and statuses outside it, keep their exact text', () => {
    const table = new StatusTable();
    const statuses = [...AUDIENCE_GENERATION_JOB_STATUSES, 'SOMETHING_NEW', 'lowercase', ''];
    statuses.forEach((status, i) => table.set(arn(i), status));
    statuses.forEach((status, i) => expect(table.statusOf(arn(i))).toBe(status));
  });

  it('holds up to 127 distinct statuses, then refuses more', () => {
    const table = new StatusTable();
    const known = AUDIENCE_GENERATION_JOB_STATUSES.length;
    for (let i = 0; i < 127 - known; i++) table.set(arn(i), `STATUS_${i}`);
    expect(() => table.set(arn(999), 'ONE_TOO_MANY')).toThrow(RangeError);
    expect(table.statusOf(arn(0))).toBe('STATUS_0');
  });

  it('keeps statuses and marks through growth', () => {
    const table = new StatusTable();
    const statuses = AUDIENCE_GENERATION_JOB_STATUSES;
    for (let i = 0; i < 50_000; i++) {
      table.set(arn(i), statuses[i % statuses.length]);
      if (i % 3 === 0) table.markListed(arn(i));
    }
    let wrong = 0;
    for (let i = 0; i < 50_000; i++) {
      if (table.statusOf(arn(i)) !== statuses[i % statuses.length]) wrong++;
      if (table.isListed(arn(i)) !== (i % 3 === 0)) wrong++;
    }
    expect(wrong).toBe(0);
    expect(table.size).toBe(50_000);
    expect(table.listedCount).toBe(Math.ceil(50_000 / 3));
  });

  it('a million jobs take about 20 MB: 12 bytes of fingerprint and 1 byte of status per slot', () => {
    const table = new StatusTable();
    for (let i = 0; i < 1_000_000; i++) table.set(arn(i), 'ACTIVE');
    expect(table.size).toBe(1_000_000);
    expect(bytesOf(table)).toBeLessThan(21_000_000);
  });
});
