import { deserializeListAudienceGenerationJobs } from '../../../lambda/cleanroomsml/deserialize';
import { InvalidResponseError } from '../../../lambda/cleanroomsml/errors';

/**
 * Timestamps take a fast path (the native parser) only when the value is exactly the date's own ISO form; every
 * other value goes through the generic RFC 3339 parser, so fast and slow paths agree and invalid dates still fail.
 */
const $metadata = { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 };
const summary = (createTime: string) => ({
  createTime,
  updateTime: '2024-03-01T09:07:00.000Z',
  audienceGenerationJobArn: 'arn:aws:cleanrooms-ml:us-east-1:111122223333:audience-generation-job/abc',
  name: 'n',
  status: 'ACTIVE',
  configuredAudienceModelArn: 'arn:aws:cleanrooms-ml:us-east-1:111122223333:configured-audience-model/def',
});
const createTimeOf = (value: string) =>
  deserializeListAudienceGenerationJobs({ audienceGenerationJobs: [summary(value)] }, $metadata).audienceGenerationJobs[0].createTime;

describe('timestamps', () => {
  it.each([
    ['2024-03-01T09:00:00.000Z', '2024-03-01T09:00:00.000Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['2024-03-01T09:00:00Z', '2024-03-01T09:00:00.000Z'],
    ['2024-03-01T10:00:00.000+01:00', '2024-03-01T09:00:00.000Z'],
    ['2024-03-01t09:00:00.000z', '2024-03-01T09:00:00.000Z'],
    ['2024-03-01T09:00:00.123456Z', '2024-03-01T09:00:00.123Z'],
  ])('%s is %s', (value, iso) => {
    const date = createTimeOf(value);
    expect(date).toBeInstanceOf(Date);
    expect(date.toISOString()).toBe(iso);
  });

  it.each([
    '2024-02-30T00:00:00.000Z',
    '2023-02-29T00:00:00.000Z',
    '2024-01-01T24:00:00.000Z',
    '2024-12-31T24:00:00.000Z',
    '2024-04-31T00:00:00.000Z',
    '2024-01-00T00:00:00.000Z',
    '2024-01-01T23:60:00.000Z',
    '2024-13-01T00:00:00.000Z',
    '2024-03-01 09:00:00',
  ])('%s is refused, not rolled over', (value) => {
    expect(() => createTimeOf(value)).toThrow(InvalidResponseError);
    expect(() => createTimeOf(value)).toThrow(/createTime is not an RFC 3339 date-time/);
  });

  it('reads every day of every month of a leap year and of a common year exactly, or refuses it', () => {
    let read = 0;
    for (const year of ['2023', '2024'])
      for (let month = 1; month <= 12; month++)
        for (let day = 0; day <= 32; day++)
          for (const time of ['00:00:00.000', '23:59:59.999', '24:00:00.000']) {
            const value = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${time}Z`;
            const valid = time !== '24:00:00.000' && day >= 1 && day <= new Date(Date.UTC(Number(year), month, 0)).getUTCDate();
            if (valid) {
              expect(createTimeOf(value).toISOString()).toBe(value);
              read++;
            } else expect(() => createTimeOf(value)).toThrow(/createTime is not an RFC 3339 date-time/);
          }
    expect(read).toBe((365 + 366) * 2);
  });
});
