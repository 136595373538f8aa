/**
 * The text `npm start` prints after the run: the answers of the named queries, the handler's outcome, the alarm
 * verdicts and where the files are. Pure formatting: every function takes data and returns lines.
 */
import { AUDIENCE_GENERATION_JOB_STATUSES } from '../../lambda/cleanroomsml/model-constants';
import type { RunManifest } from '../../lambda/snapshot/manifest';
import type { EventBridgeRecordedRequest, RecordedEvent } from '../eventbridge/types';
import type { AlarmVerdict, HandlerOutcome } from '../lambda-runtime';
import type { RuleDelivery, TemplateRule } from './event-rules';
import type { Row } from './local-queries';
import type { CopiedObject } from './snapshot-copy';
import type { ChangeCheck } from './status-changes';
import { text } from './text';

/** A collaboration of the run: what the emulator held, and what the manifest says of it. */
export interface CollaborationFacts {
  id: string;
  /** A name for people (the sample's). */
  label: string;
  /** Jobs the emulator holds for it: a complete snapshot has exactly these. */
  seededJobs: number;
}

/** Short column name of a collaboration: the first block of its UUID. */
export function shortId(id: string): string {
  return id.split('-')[0];
}

/** Per collaboration, jobs by status, from the rows of "Latest snapshot per collaboration". */
export function statusTable(
  queryName: string,
  rows: readonly Row[],
  collaborations: readonly CollaborationFacts[],
  manifest: RunManifest,
): string[] {
  const counts = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const byStatus = counts.get(text(row.collaboration_id)) ?? new Map<string, number>();
    byStatus.set(text(row.status), (byStatus.get(text(row.status)) ?? 0) + 1);
    counts.set(text(row.collaboration_id), byStatus);
  }
  const seen = new Set(rows.map((r) => text(r.status)));
  const statuses = [
    ...AUDIENCE_GENERATION_JOB_STATUSES,
    ...[...seen].filter((s) => !(AUDIENCE_GENERATION_JOB_STATUSES as readonly string[]).includes(s)).sort(),
  ];
  const ids = collaborations.map((c) => c.id);
  const header = ['status', ...ids.map(shortId), 'total'];
  const cell = (id: string, status: string) => (counts.has(id) ? String(counts.get(id)!.get(status) ?? 0) : '—');
  const body = statuses.map((status) => [
    status,
    ...ids.map((id) => cell(id, status)),
    String(sumOf(ids.map((id) => counts.get(id)?.get(status) ?? 0))),
  ]);
  const totals = ids.map((id) => (counts.has(id) ? sumOf([...counts.get(id)!.values()]) : undefined));
  body.push(['total', ...totals.map((t) => (t === undefined ? '—' : String(t))), String(sumOf(totals.map((t) => t ?? 0)))]);

  const legend = collaborations.map((c) => {
    const entry = manifest.collaborations.find((e) => e.collaboration_id === c.id);
    const inSnapshot = counts.get(c.id) ? sumOf([...counts.get(c.id)!.values()]) : 0;
    let state: string;
    if (entry?.status === 'failed') state = `FAILED, no snapshot this run: ${entry.error?.name}: ${entry.error?.message}`;
    else if (!entry) state = 'not in the manifest';
    else {
      const complete = inSnapshot === c.seededJobs ? 'complete' : `INCOMPLETE: the emulator holds ${c.seededJobs}`;
      state = `${inSnapshot} jobs in ${plural(entry.pages, 'page')}, ${complete}`;
    }
    return `  ${shortId(c.id)}  ${c.id}  ${c.label.padEnd(maxLength(collaborations.map((x) => x.label)))}  ${state}`;
  });
  return [
    `Jobs by status in the latest snapshot of each collaboration (named query "${queryName}")`,
    '',
    ...table(header, body, { rightAlignFrom: 1, indent: 2 }),
    '',
    ...legend,
  ];
}

/** The rows of "DELETE_FAILED jobs in the latest snapshot": each job and the reason the API gave. */
export function deleteFailedSection(queryName: string, rows: readonly Row[]): string[] {
  const title = `DELETE_FAILED jobs in the latest snapshot: ${rows.length} (named query "${queryName}")`;
  if (rows.length === 0) return [title, '  none'];
  const nameWidth = maxLength(rows.map((r) => text(r.name)));
  return [
    title,
    '',
    ...rows.flatMap((r) => [
      `  ${shortId(text(r.collaboration_id))}  ${text(r.name).padEnd(nameWidth)}  ${text(r.status_code ?? '(no status code)')}: ${text(r.status_message ?? '(no message)')}`,
      `  ${''.padEnd(8)}  ${''.padEnd(nameWidth)}  updated ${formatTimestamp(r.update_time)}  ${text(r.audience_generation_job_arn)}`,
    ]),
  ];
}

/** The rows of "Job counts by status per day", one line per day. */
export function countsByDaySection(queryName: string, rows: readonly Row[]): string[] {
  const days = new Map<string, string[]>();
  for (const row of rows) {
    const day = text(row.dt);
    days.set(day, [...(days.get(day) ?? []), `${text(row.status)} ${text(row.jobs)}`]);
  }
  return [
    `Job counts by status per day (named query "${queryName}")`,
    ...[...days].map(([day, parts]) => `  ${day}  ${parts.join(' · ')}`),
  ];
}

/** What the handler did, and for a failed run what Lambda would do and what stays intact. */
export function handlerSection(outcome: HandlerOutcome, durationMs: number, manifest: RunManifest | undefined): string[] {
  const seconds = `${(durationMs / 1000).toFixed(1)} s`;
  if (outcome.status === 'resolved') {
    return [`Handler: resolved in ${seconds}: ${JSON.stringify(outcome.result)}`];
  }
  if (outcome.status === 'crashed') {
    return [`Handler: the process ended without an outcome (exit code ${outcome.exitCode}, signal ${outcome.signal}) after ${seconds}`];
  }
  const lines = [`Handler: THREW after ${seconds}: ${outcome.error.name}: ${outcome.error.message}`];
  if (manifest) {
    const ok = manifest.collaborations.filter((c) => c.status === 'succeeded');
    const failed = manifest.collaborations.filter((c) => c.status === 'failed');
    lines.push(
      `  It threw after writing every other snapshot, the manifest and the metrics: Lambda counts one error and retries the event`,
      `  (same scheduledTime, same keys: a retry overwrites, it does not duplicate).`,
      `  Isolation: ${failed.map((c) => shortId(c.collaboration_id)).join(', ')} failed alone; the other ${ok.length} collaborations' snapshots are complete`,
      `  (each holds every job the emulator has for it: see the table above).`,
    );
  }
  return lines;
}

/** status-changes: the first of the two runs, in one line, and which run the rest is about. */
export function firstRunSection(
  scheduledTime: string,
  outcome: HandlerOutcome,
  durationMs: number,
  events: number,
  secondTime: string,
): string[] {
  const seconds = `${(durationMs / 1000).toFixed(1)} s`;
  const how =
    outcome.status === 'resolved'
      ? `resolved in ${seconds}`
      : outcome.status === 'rejected'
        ? `THREW after ${seconds}: ${outcome.error.name}: ${outcome.error.message}`
        : `ended without an outcome after ${seconds}`;
  return [
    `Run 1 of 2, scheduledTime ${scheduledTime}: ${how}; ${plural(events, 'status-change event')} (the first snapshot of each collaboration: nothing to compare with).`,
    `Run 2 of 2, scheduledTime ${secondTime}: what follows is about this run.`,
  ];
}

export interface StatusEventsFacts {
  scheduledTime: string;
  eventBusName: string;
  /** Accepted onto an existing bus. */
  events: readonly RecordedEvent[];
  /** Sent to a bus that does not exist: EventBridge answers an EventId and drops them. */
  dropped: readonly RecordedEvent[];
  requests: readonly EventBridgeRecordedRequest[];
  check: ChangeCheck;
  metrics: Record<string, number>;
}

/** The events of the second run: one line each (change, collaboration, job, previous → new status), then the checks. */
export function statusEventsSection(facts: StatusEventsFacts): string[] {
  const { events, requests, check } = facts;
  const failedEntries = sumOf(requests.map((r) => r.failedEntryCount ?? 0));
  const byStatus = countBy(requests.map((r) => String(r.status ?? 'pending')));
  const lines = [
    `Status-change events the second run sent: ${events.length}, on bus ${facts.eventBusName} ` +
      `(${plural(requests.length, 'PutEvents request')}; HTTP status: ${[...byStatus].map(([status, n]) => `${status} × ${n}`).join(', ') || 'none'}; ${plural(failedEntries, 'entry', 'entries')} failed)`,
  ];
  const rows = [...events].sort(byJob).map((e) => {
    const d = e.detail;
    const to = d.change === 'removed' ? '(deleted)' : text(d.status);
    return [text(d.change), shortId(text(d.collaboration_id)), text(d.name), `${text(d.previous_status ?? '(new)')} → ${to}`];
  });
  if (rows.length > 0)
    lines.push(
      '',
      ...table(['change', 'collab', 'job', 'previous → status'], rows, { rightAlignFrom: 4, indent: 2 }).map((l) => l.trimEnd()),
    );
  lines.push(
    '',
    `  Metrics of the run: ${Object.entries(facts.metrics)
      .map(([name, value]) => `${name} ${value}`)
      .join(' · ')}`,
  );
  const expected = events.length - check.unexpected.length + check.missing.length;
  if (check.missing.length === 0 && check.unexpected.length === 0) {
    const times = new Set(events.map((e) => e.time));
    lines.push(
      `  ✓ One event per change made between the runs (${events.length} of ${expected}), Time ${[...times].join(', ') || facts.scheduledTime}.`,
    );
  } else {
    lines.push(`  ✖ The events are not one per change made between the runs (${expected} changes):`);
    for (const c of check.missing)
      lines.push(`      missing: ${c.change} ${shortId(c.collaborationId)} ${c.name} ${c.previousStatus ?? '(new)'} → ${c.status}`);
    for (const e of check.unexpected) lines.push(`      unexpected: ${JSON.stringify(e.detail)}`);
  }
  if (facts.dropped.length > 0) {
    const buses = [...new Set(facts.dropped.map((e) => e.eventBusName))].join(', ');
    lines.push(
      `  ✖ ${plural(facts.dropped.length, 'event')} went to ${buses}, which does not exist: EventBridge accepts such events and drops them.`,
    );
  }
  return lines;
}

/** What a rule of the stack would do with these events. */
export interface RuleOutcome {
  rule: TemplateRule;
  deliveries: RuleDelivery[];
  /** The pattern could not be evaluated locally. */
  problem?: string;
}

/** The stack's rules: which events each matches, and the message each target receives for each. */
export function rulesSection(outcomes: readonly RuleOutcome[], eventCount: number): string[] {
  if (outcomes.length === 0) return ["The stack's EventBridge rules on these events: no rule in the template."];
  const lines: string[] = [];
  for (const { rule, deliveries, problem } of outcomes) {
    if (lines.length > 0) lines.push('');
    const matched = new Set(deliveries.map((d) => d.event.id)).size;
    lines.push(
      `Rule ${rule.name} (bus ${rule.eventBusName}${rule.enabled ? '' : ', DISABLED'}): ` +
        (problem ? `its pattern cannot be evaluated locally: ${problem}` : `matches ${matched} of ${plural(eventCount, 'event')}`),
      `  pattern ${JSON.stringify(rule.eventPattern)}`,
    );
    if (rule.targets.length === 0) lines.push('  (no target)');
    for (const d of deliveries) {
      const detail = d.event.detail;
      lines.push(
        '',
        `  → ${d.target.id} (${d.target.arn}) receives, for ${text(detail.change)} ${text(detail.name)} (${text(detail.previous_status ?? 'new')} → ${text(detail.status)}):`,
        ...d.message.split('\n').map((l) => `      │ ${l}`.trimEnd()),
      );
    }
  }
  return lines;
}

/** One line per alarm: verdict, name, why. */
export function alarmSection(verdicts: readonly AlarmVerdict[]): string[] {
  const label: Record<AlarmVerdict['verdict'], string> = { fires: 'FIRES', breaching: 'BREACHING', ok: 'ok', 'not-simulated': 'n/a' };
  const nameWidth = maxLength(verdicts.map((v) => v.name));
  const firing = verdicts.filter((v) => v.verdict === 'fires').map((v) => v.name);
  const lines = ['Alarms of the stack, evaluated on the metrics this run emitted', ''];
  for (const v of verdicts) {
    lines.push(`  ${label[v.verdict].padEnd(9)}  ${v.name.padEnd(nameWidth)}  ${v.reason}`);
    if (v.verdict === 'fires' || v.verdict === 'breaching') lines.push(`  ${''.padEnd(9)}  ${''.padEnd(nameWidth)}  ${v.meaning}`);
  }
  lines.push(
    '',
    firing.length === 0
      ? 'No alarm would fire on this run.'
      : `${plural(firing.length, 'alarm')} would fire on this run: ${firing.join(', ')}.`,
  );
  return lines;
}

/** The Clean Rooms ML requests the emulator answered, by operation and status. */
export function requestSection(requests: readonly { operation?: string; status?: number }[]): string[] {
  const byOperation = countBy(requests.map((r) => r.operation ?? 'unknown'));
  const byStatus = countBy(requests.map((r) => String(r.status ?? 'pending')));
  const throttled = byStatus.get('429') ?? 0;
  return [
    `Clean Rooms ML requests: ${requests.length} (${[...byOperation].map(([op, n]) => `${n} ${op}`).join(', ')}); ` +
      `HTTP status: ${[...byStatus].map(([status, n]) => `${status} × ${n}`).join(', ')}` +
      (throttled > 0 ? `; ${throttled} throttled and retried by the client` : ''),
  ];
}

/** Absolute paths of everything this run wrote. */
export function filesSection(copies: readonly CopiedObject[], folders: { s3Storage: string; handlerOutput: string }): string[] {
  return [
    'Files written by this run (the folder is wiped when this scenario runs again)',
    '  objects the handler wrote, copied out of the local S3 (open the .ndjson.gz files with zcat):',
    ...copies.map((c) => `    ${c.file}  (${c.bytes} bytes)`),
    `  the local S3 server's own storage (s3rver format): ${folders.s3Storage}`,
    `  the handler's stdout and stderr (JSON logs, EMF metrics): ${folders.handlerOutput}`,
  ];
}

function table(header: string[], rows: string[][], options: { rightAlignFrom: number; indent: number }): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const format = (cells: string[]) =>
    ' '.repeat(options.indent) +
    cells.map((c, i) => (i >= options.rightAlignFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  return [format(header), ...rows.map(format)];
}

function formatTimestamp(value: Row[string] | undefined): string {
  // DuckDB gives timestamps as `2026-11-10 03:42:00`, in UTC (the session time zone).
  return `${text(value).slice(0, 16)} UTC`;
}

function countBy(values: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return new Map([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

function sumOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function maxLength(values: string[]): number {
  return Math.max(0, ...values.map((v) => v.length));
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Events in a stable order: by collaboration, change, job name. */
function byJob(a: RecordedEvent, b: RecordedEvent): number {
  const key = (e: RecordedEvent) => `${text(e.detail.collaboration_id)}\0${text(e.detail.change)}\0${text(e.detail.name)}`;
  return key(a).localeCompare(key(b));
}
