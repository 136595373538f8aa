import { namedQueries, STATUS_HISTORY_DAYS } from '../../../lib/constructs/athena-analytics';

describe('namedQueries', () => {
  const hourly = namedQueries('db_x', 'jobs', 60);

  it('reads the quoted table and bounds the dt partition in every scan of it', () => {
    for (const q of Object.values(hourly)) {
      const scans = q.query.match(/FROM "db_x"\."jobs"/g) ?? [];
      const bounds = q.query.match(/dt >= CAST\(current_date - INTERVAL '\d+' DAY AS varchar\)/g) ?? [];
      expect(scans).toHaveLength(2);
      expect(bounds).toHaveLength(2);
      expect(q.query.trim().endsWith(';')).toBe(true);
    }
  });

  it('looks back one day more than the schedule period, so the latest snapshot is always in range', () => {
    expect(hourly.latestSnapshot.query).toContain("INTERVAL '2' DAY");
    expect(namedQueries('d', 't', 1440).latestSnapshot.query).toContain("INTERVAL '2' DAY");
    expect(namedQueries('d', 't', 3 * 1440).deleteFailed.query).toContain("INTERVAL '4' DAY");
    expect(hourly.countsByStatus.query).toContain(`INTERVAL '${STATUS_HISTORY_DAYS}' DAY`);
  });

  it('latest snapshot is per collaboration; DELETE_FAILED is the last run, with status details', () => {
    expect(hourly.latestSnapshot.query).toContain('GROUP BY collaboration_id');
    expect(hourly.latestSnapshot.query).toContain('JOIN latest l ON j.collaboration_id = l.collaboration_id AND j.snapshot_time = l.snapshot_time');
    expect(hourly.deleteFailed.query).toContain('JOIN latest l ON j.snapshot_time = l.snapshot_time');
    expect(hourly.deleteFailed.query).toContain("j.status = 'DELETE_FAILED'");
    expect(hourly.deleteFailed.query).toContain('j.status_details.status_code AS status_code');
    expect(hourly.deleteFailed.query).toContain('j.status_details.message AS status_message');
    expect(hourly.countsByStatus.query).toContain('GROUP BY j.dt, j.status');
  });
});
