import type { RunManifest } from '../snapshot/manifest';

/** The manifest as a short table for people. `-` for status events: nothing was compared (events off, no previous snapshot). */
export function formatRunSummary(manifest: RunManifest, manifestKey: string): string {
  const count = (n: number | null) => (n === null ? '-' : String(n));
  const rows = manifest.collaborations.map((c) => [
    c.account_id ?? '-',
    c.region,
    c.collaboration_id,
    c.status,
    String(c.job_count),
    String(c.delete_failed_jobs),
    String(c.pages),
    c.object_bytes === null ? '-' : String(c.object_bytes),
    count(c.status_events_sent),
    count(c.status_events_failed),
    c.status === 'succeeded' ? (c.object_key ?? '') : `${c.error?.name}: ${c.error?.message}`,
  ]);
  const header = [
    'account',
    'region',
    'collaboration',
    'status',
    'jobs',
    'delete_failed',
    'pages',
    'bytes',
    'events_sent',
    'events_failed',
    'object / error',
  ];
  const last = header.length - 1;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === last ? 0 : r[i].length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === last ? cell : cell.padEnd(widths[i]))).join('  ');
  const { totals } = manifest;
  const sum = (pick: (c: RunManifest['collaborations'][number]) => number | null) =>
    manifest.collaborations.reduce((n, c) => n + (pick(c) ?? 0), 0);
  return [
    `Export ${manifest.status.toUpperCase()}${manifest.reason ? ` (${manifest.reason})` : ''} for scheduled time ${manifest.scheduled_time}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `Totals: ${totals.succeeded}/${totals.collaborations} collaborations, ${totals.jobs} jobs, ${totals.delete_failed_jobs} DELETE_FAILED`,
    `Status events: ${sum((c) => c.status_events_sent)} sent, ${sum((c) => c.status_events_failed)} failed`,
    `Manifest: s3://${manifest.bucket}/${manifestKey}`,
    '',
  ].join('\n');
}
