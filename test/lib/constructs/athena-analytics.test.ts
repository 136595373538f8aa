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

  it('latest is per (account_id, region, collaboration_id), in every query; DELETE_FAILED comes with its status details', () => {
    const owner = 'account_id, region, collaboration_id';
    const same = (a: string, b: string) => `${a}.account_id = ${b}.account_id AND ${a}.region = ${b}.region AND ${a}.collaboration_id = ${b}.collaboration_id`;
    for (const q of [hourly.latestSnapshot, hourly.deleteFailed]) {
      expect(q.query).toContain(`SELECT ${owner}, max(snapshot_time) AS snapshot_time`);
      expect(q.query).toContain(`GROUP BY ${owner}\n`);
      expect(q.query).toContain(`JOIN latest l ON ${same('j', 'l')} AND j.snapshot_time = l.snapshot_time`);
    }
    expect(hourly.countsByStatus.query).toContain(`GROUP BY dt, ${owner}\n`);
    expect(hourly.countsByStatus.query).toContain(`JOIN last_of_day d ON j.dt = d.dt AND ${same('j', 'd')} AND j.snapshot_time = d.snapshot_time`);
    // No query keys "latest" on the collaboration alone any more.
    for (const q of Object.values(hourly)) expect(q.query).not.toMatch(/GROUP BY (dt, )?collaboration_id/);
    expect(hourly.deleteFailed.query).toContain("j.status = 'DELETE_FAILED'");
    expect(hourly.deleteFailed.query).toMatch(/SELECT j\.account_id,\s+j\.region,\s+j\.collaboration_id,/);
    expect(hourly.deleteFailed.query).toContain('j.status_details.status_code AS status_code');
    expect(hourly.deleteFailed.query).toContain('j.status_details.message AS status_message');
    expect(hourly.countsByStatus.query).toContain('GROUP BY j.dt, j.status');
  });
});
