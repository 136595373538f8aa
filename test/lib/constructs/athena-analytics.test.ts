import {
  DELETE_FAILED_HISTORY_DAYS,
  LONG_DELETE_FAILED_HOURS,
  namedQueries,
  STATUS_HISTORY_DAYS,
} from '../../../lib/constructs/athena-analytics';

describe('namedQueries', () => {
  const hourly = namedQueries('db_x', 'jobs', 60);

  it('reads the quoted table and bounds the dt partition in every scan of it', () => {
    const scansOf = (query: string) => (query.match(/FROM "db_x"\."jobs"/g) ?? []).length;
    for (const q of Object.values(hourly)) {
      const bounds = q.query.match(/dt >= CAST\(current_date - INTERVAL '\d+' DAY AS varchar\)/g) ?? [];
      expect(scansOf(q.query)).toBeGreaterThan(0);
      expect(bounds).toHaveLength(scansOf(q.query));
      expect(q.query.trim().endsWith(';')).toBe(true);
    }
    expect(Object.fromEntries(Object.entries(hourly).map(([key, q]) => [key, scansOf(q.query)]))).toEqual({
      latestSnapshot: 2,
      deleteFailed: 2,
      countsByStatus: 2,
      statusTransitions: 1,
      longDeleteFailed: 3,
    });
  });

  it('five named queries, each with a name and a description', () => {
    expect(Object.values(hourly).map((q) => q.name)).toEqual([
      'Latest snapshot per collaboration',
      'DELETE_FAILED jobs in the latest snapshot',
      'Job counts by status per day',
      'Status transitions per job',
      'Jobs in DELETE_FAILED for more than 24 hours',
    ]);
    for (const q of Object.values(hourly)) expect(q.description.length).toBeGreaterThan(40);
  });

  it('"Status transitions per job": LAG of status over snapshot_time per job of each account, Region and collaboration, changed rows only', () => {
    const q = hourly.statusTransitions.query;
    const job = 'account_id, region, collaboration_id, audience_generation_job_arn';
    expect(q).toContain(`lag(status) OVER (PARTITION BY ${job} ORDER BY snapshot_time) AS previous_status`);
    expect(q).toContain(`lag(snapshot_time) OVER (PARTITION BY ${job} ORDER BY snapshot_time) AS previous_snapshot_time`);
    expect(q).toContain(`min(snapshot_time) OVER (PARTITION BY account_id, region, collaboration_id) AS first_snapshot_time`);
    expect(q).toContain('WHERE (previous_status IS NOT NULL AND status <> previous_status)');
    expect(q).toContain('OR (previous_status IS NULL AND snapshot_time > first_snapshot_time)');
    expect(q).toContain(`dt >= CAST(current_date - INTERVAL '${STATUS_HISTORY_DAYS}' DAY AS varchar)`);
    expect(STATUS_HISTORY_DAYS).toBe(30);
  });

  it('"Jobs in DELETE_FAILED for more than 24 hours": from the latest snapshot, DELETE_FAILED without a break since more than 24 hours before it', () => {
    const q = hourly.longDeleteFailed.query;
    const job = 'account_id, region, collaboration_id, audience_generation_job_arn';
    expect(LONG_DELETE_FAILED_HOURS).toBe(24);
    expect(q).toContain('SELECT account_id, region, collaboration_id, max(snapshot_time) AS snapshot_time');
    expect(q).toContain("AND j.status = 'DELETE_FAILED'");
    expect(q).toContain(
      `max(CASE WHEN status <> 'DELETE_FAILED' THEN snapshot_time END) OVER (PARTITION BY ${job}) AS last_other_status_time`,
    );
    expect(q).toContain('AND (last_other_status_time IS NULL OR snapshot_time > last_other_status_time)');
    expect(q).toContain("WHERE s.since_time < c.snapshot_time - INTERVAL '24' HOUR");
    expect(q).toContain('c.audience_generation_job_arn = s.audience_generation_job_arn');
    expect(q).toContain(`dt >= CAST(current_date - INTERVAL '${DELETE_FAILED_HISTORY_DAYS}' DAY AS varchar)`);
    // The latest snapshot's lookback follows the schedule, like the other "latest" queries.
    expect(namedQueries('d', 't', 3 * 1440).longDeleteFailed.query).toContain("INTERVAL '4' DAY");
  });

  it('looks back one day more than the schedule period, so the latest snapshot is always in range', () => {
    expect(hourly.latestSnapshot.query).toContain("INTERVAL '2' DAY");
    expect(namedQueries('d', 't', 1440).latestSnapshot.query).toContain("INTERVAL '2' DAY");
    expect(namedQueries('d', 't', 3 * 1440).deleteFailed.query).toContain("INTERVAL '4' DAY");
    expect(hourly.countsByStatus.query).toContain(`INTERVAL '${STATUS_HISTORY_DAYS}' DAY`);
  });

  it('latest is per (account_id, region, collaboration_id), in every query; DELETE_FAILED comes with its status details', () => {
    const owner = 'account_id, region, collaboration_id';
    const same = (a: string, b: string) =>
      `${a}.account_id = ${b}.account_id AND ${a}.region = ${b}.region AND ${a}.collaboration_id = ${b}.collaboration_id`;
    for (const q of [hourly.latestSnapshot, hourly.deleteFailed, hourly.longDeleteFailed]) {
      expect(q.query).toContain(`SELECT ${owner}, max(snapshot_time) AS snapshot_time`);
      expect(q.query).toContain(`GROUP BY ${owner}\n`);
      expect(q.query).toContain(`JOIN latest l ON ${same('j', 'l')} AND j.snapshot_time = l.snapshot_time`);
    }
    expect(hourly.countsByStatus.query).toContain(`GROUP BY dt, ${owner}\n`);
    expect(hourly.countsByStatus.query).toContain(
      `JOIN last_of_day d ON j.dt = d.dt AND ${same('j', 'd')} AND j.snapshot_time = d.snapshot_time`,
    );
    // No query keys "latest" on the collaboration alone any more.
    for (const q of Object.values(hourly)) expect(q.query).not.toMatch(/GROUP BY (dt, )?collaboration_id/);
    expect(hourly.deleteFailed.query).toContain("j.status = 'DELETE_FAILED'");
    expect(hourly.deleteFailed.query).toMatch(/SELECT j\.account_id,\s+j\.region,\s+j\.collaboration_id,/);
    expect(hourly.deleteFailed.query).toContain('j.status_details.status_code AS status_code');
    expect(hourly.deleteFailed.query).toContain('j.status_details.message AS status_message');
    expect(hourly.countsByStatus.query).toContain('GROUP BY j.dt, j.status');
  });
});
