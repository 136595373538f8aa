import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EventSpool } from '../../../lambda/status/event-spool';
import type { StatusEventDetail } from '../../../lambda/status/status-event';

const detail = (i: number): StatusEventDetail => ({
  event_id: `id-${i}`,
  change: 'created',
  audience_generation_job_arn: `arn:${i}`,
  name: `job\n${i} ünïcödé\u2028`,
  collaboration_id: 'c',
  account_id: 'a',
  region: 'r',
  previous_status: null,
  status: 'ACTIVE',
  status_details: null,
  update_time: null,
  snapshot_time: 't',
  previous_snapshot_time: 'p',
});

async function all(spool: EventSpool): Promise<StatusEventDetail[]> {
  const out: StatusEventDetail[] = [];
  for await (const d of spool.details()) out.push(d);
  return out;
}

describe('EventSpool', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'spool-test-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('a few events stay in memory: no file', async () => {
    const spool = new EventSpool({ directory });
    for (let i = 0; i < 5; i++) await spool.add(detail(i));
    expect(spool.size).toBe(5);
    expect(await all(spool)).toEqual([0, 1, 2, 3, 4].map(detail));
    expect(readdirSync(directory)).toEqual([]);
    await spool.dispose();
  });

  it('many go to a file, and come back whole and in order; dispose removes the file', async () => {
    const spool = new EventSpool({ directory, memoryBytes: 4_096 });
    for (let i = 0; i < 2_000; i++) await spool.add(detail(i));
    expect(readdirSync(directory)).toHaveLength(1);
    const back = await all(spool);
    expect(back).toHaveLength(2_000);
    expect(back).toEqual(Array.from({ length: 2_000 }, (_, i) => detail(i)));
    const [spillDirectory] = readdirSync(directory);
    await spool.dispose();
    expect(existsSync(path.join(directory, spillDirectory))).toBe(false);
  });
});
