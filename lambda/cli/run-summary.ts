import type { RunManifest } from '../snapshot/manifest';

/** The manifest as a short table for people. */
export function formatRunSummary(manifest: RunManifest, manifestKey: string): string {
  const rows = manifest.collaborations.map((c) => [
    c.account_id ?? '-',
    c.region,
    c.collaboration_id,
    c.status,
    String(c.job_count),
    String(c.delete_failed_jobs),
    String(c.pages),
    c.object_bytes === null ? '-' : String(c.object_bytes),
    c.status === 'succeeded' ? (c.object_key ?? '') : `${c.error?.name}: ${c.error?.message}`,
  ]);
  const header = ['account', 'region', 'collaboration', 'status', 'jobs', 'delete_failed', 'pages', 'bytes', 'object / error'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (i === 8 ? 0 : r[i].length))));
  const line = (cells: string[]) => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  const { totals } = manifest;
  return [
    `Export ${manifest.status.toUpperCase()}${manifest.reason ? ` (${manifest.reason})` : ''} for scheduled time ${manifest.scheduled_time}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `Totals: ${totals.succeeded}/${totals.collaborations} collaborations, ${totals.jobs} jobs, ${totals.delete_failed_jobs} DELETE_FAILED`,
    `Manifest: s3://${manifest.bucket}/${manifestKey}`,
    '',
  ].join('\n');
}
