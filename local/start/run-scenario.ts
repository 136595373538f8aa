/**
 * One scenario, end to end: synthesize the stack (cached), start the emulator and the local S3, invoke the
 * deployed bundle with the function's environment, copy the objects out, stop the servers, answer the named
 * queries with DuckDB, evaluate the alarms, print the report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, ENV, METRIC } from '../../lambda/commons/constants';
import { LOG_MESSAGE } from '../../lambda/commons/log-messages';
import { compactTimestamp } from '../../lambda/snapshot/key-layout';
import type { RunManifest } from '../../lambda/snapshot/manifest';
import { CleanRoomsMLEmulator, type EmulatorJob } from '../emulator';
import { LocalIdentities } from '../emulator/identities';
import { EventBridgeEmulator, type RecordedEvent } from '../eventbridge';
import { evaluateAlarms, type AlarmVerdict } from '../lambda-runtime/alarms';
import { synthesizeDeployableStack } from '../lambda-runtime/deployable-stack';
import { metricValues } from '../lambda-runtime/emf';
import { functionSettings, LOCAL_CONTEXT, localFunction, type LocalTarget } from '../lambda-runtime/function-environment';
import { invokeHandler, type HandlerRun } from '../lambda-runtime/invoke';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../local-aws-environment';
import { StsEmulator } from '../sts';
import { LocalS3Server } from '../s3/local-s3-server';
import type { Cleanup } from './cleanup';
import { busName, deliveries, eventRules, matchingEvents } from './event-rules';
import { LocalAthena } from './local-queries';
import type { Progress } from './progress';
import * as report from './report';
import { SAMPLE_COLLABORATIONS, sampleJobs } from './sample-data';
import type { Scenario } from './scenarios';
import { copyBucket, type CopiedObject } from './snapshot-copy';
import { applyStatusChanges, compareWithChanges, jobsAfterChanges, type PlannedChange } from './status-changes';
import { text } from './text';
import { localS3Client } from '../s3/local-s3-client';

/** s3rver accepts only this key pair; the emulator is given the same one, so one credential chain serves both. */
const REGION = 'us-east-1';
/** Used when the stack creates its bucket (the template only has a Ref to it). */
const LOCAL_BUCKET = 'audience-jobs-exporter-snapshots-local';
/** Stands for the function name that CloudFormation would generate. */
const FUNCTION_NAME = 'AudienceJobsExporter-ExporterFunction-local';
const HOUR_MS = 3_600_000;
/** The named queries of lib/constructs/athena-analytics.ts, by name. */
const QUERY = {
  latest: 'Latest snapshot per collaboration',
  deleteFailed: 'DELETE_FAILED jobs in the latest snapshot',
  countsByDay: 'Job counts by status per day',
} as const;

export interface ScenarioRunOptions {
  /** This scenario's folder: wiped, then filled by the run. */
  dataDirectory: string;
  /** Parent folder of the cached synth. */
  cacheRoot?: string;
}

export interface ScenarioResult {
  /** The handler did what the scenario expects (threw only when it should; sent the events it should). */
  asExpected: boolean;
  /** Why not, when `asExpected` is false and the handler's outcome alone does not say it. */
  unexpected?: string;
  /** The (last) run. */
  handler: HandlerRun;
  /** status-changes: the first run, and the events the second run sent. */
  firstRun?: HandlerRun;
  statusEvents?: RecordedEvent[];
  verdicts: AlarmVerdict[];
  copies: CopiedObject[];
}

export async function runScenario(
  scenario: Scenario,
  options: ScenarioRunOptions,
  progress: Progress,
  cleanup: Cleanup,
): Promise<ScenarioResult> {
  const now = new Date();
  const collaborations = SAMPLE_COLLABORATIONS;
  const dataDir = path.resolve(options.dataDirectory);
  const folders = {
    s3Storage: path.join(dataDir, 's3'),
    snapshots: path.join(dataDir, 'snapshots'),
    handlerOutput: path.join(dataDir, 'handler-output.log'),
  };

  const deployable = await progress.step(
    'synthesizing the stack (cdk.json context) for the deployable Lambda bundle',
    () =>
      synthesizeDeployableStack({
        context: { collaborationIds: collaborations.map((c) => c.id).join(',') },
        cacheRoot: options.cacheRoot,
        onOutput: () => undefined,
      }),
    (d) => (d.cached ? `(cached) ${d.bundleFile}` : d.bundleFile),
  );
  const settings = functionSettings(deployable.template, deployable.functionLogicalId, LOCAL_BUCKET);
  const bucket = settings.variables.SNAPSHOT_BUCKET ?? LOCAL_BUCKET;
  const statusChanges = scenario.statusChanges === true;
  if (statusChanges && settings.variables[ENV.STATUS_EVENTS] === 'off') {
    progress.note(`the template sets ${ENV.STATUS_EVENTS}=off; this scenario turns it on`);
    settings.variables[ENV.STATUS_EVENTS] = 'on';
  }
  const eventBusName = busName(settings.variables[ENV.EVENT_BUS_NAME] ?? DEFAULTS.EVENT_BUS_NAME);

  await progress.step(`wiping ${dataDir}`, () => {
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(dataDir, { recursive: true });
  });

  // One registry of credentials for STS and the emulator: the handler learns its account from STS.
  const identities = new LocalIdentities([{ ...LOCAL_CREDENTIALS, accountId: LOCAL_ACCOUNT_ID }]);
  const sts = await progress.step(
    'starting the local STS',
    async () => {
      const started = await StsEmulator.start({ identities });
      cleanup.add('local STS', () => started.stop());
      return started;
    },
    (e) => e.endpoint,
  );
  const emulator = await progress.step(
    'starting the Clean Rooms ML emulator',
    async () => {
      // No added latency: each latency sleep adds an abort listener to one signal of the emulator, and Node.js warns
      // (MaxListenersExceededWarning) once more than 10 requests wait at the same time.
      const started = await CleanRoomsMLEmulator.start({ region: REGION, identities, credentials: LOCAL_CREDENTIALS });
      cleanup.add('Clean Rooms ML emulator', () => started.stop());
      return started;
    },
    (e) => e.endpoint,
  );
  const seeded = new Map<string, EmulatorJob[]>();
  await progress.step(
    'seeding the sample',
    () => {
      for (const c of collaborations) {
        const jobs = sampleJobs(c, { withDeleteFailed: scenario.withDeleteFailed, now });
        seeded.set(c.id, jobs);
        emulator.seed(c.id, jobs);
      }
      scenario.applyFaults(emulator);
    },
    () => `${sumOf(collaborations.map((c) => c.jobs))} jobs in ${collaborations.length} collaborations`,
  );
  const s3Server = await progress.step(
    'starting the local S3 server',
    async () => {
      const started = await LocalS3Server.start({ directory: folders.s3Storage, buckets: [bucket] });
      cleanup.add('local S3 server', () => started.stop());
      return started;
    },
    (s) => `${s.endpoint}, bucket ${bucket}, data in ${folders.s3Storage}`,
  );

  const eventBridge = statusChanges
    ? await progress.step(
        'starting the local EventBridge',
        async () => {
          const started = await EventBridgeEmulator.start({ identities, credentials: LOCAL_CREDENTIALS, region: REGION });
          if (eventBusName !== DEFAULTS.EVENT_BUS_NAME) started.addBus(eventBusName);
          cleanup.add('local EventBridge', () => started.stop());
          return started;
        },
        (e) => `${e.endpoint}, bus ${eventBusName}`,
      )
    : undefined;

  const target: LocalTarget = {
    functionName: FUNCTION_NAME,
    region: REGION,
    endpoints: { cleanRoomsMl: emulator.endpoint, s3: s3Server.endpoint, sts: sts.endpoint, eventBridge: eventBridge?.endpoint },
  };
  const invoke = async (scheduledTime: string, label = ''): Promise<HandlerRun> => {
    let forgetHandlerProcess: () => void = () => undefined;
    const run = await progress.step(
      `invoking the deployed handler with {"scheduledTime": "${scheduledTime}"}${label}`,
      () =>
        invokeHandler({
          ...localFunction(deployable, settings, target),
          event: { scheduledTime },
          outputFile: folders.handlerOutput,
          signal: cleanup.interrupted.signal,
          onStart: (pid, stop) => {
            forgetHandlerProcess = cleanup.add(`handler process ${pid}`, stop);
            progress.note(`Node.js process ${pid}, environment from the template, endpoints of the local servers`);
          },
          onLog: (line) => noteLog(progress, line),
          // The warnings and errors about status events, when the scenario is about them.
          ...(statusChanges ? { onStderrLog: (line: Record<string, unknown>) => noteStatusEventLog(progress, line) } : {}),
        }),
      (r) => r.outcome.status,
    );
    forgetHandlerProcess();
    return run;
  };

  let scheduledTime = `${now.toISOString().slice(0, 16)}:00Z`;
  let handler: HandlerRun;
  let twoRuns: { first: HandlerRun; firstTime: string; firstEvents: RecordedEvent[]; changes: PlannedChange[] } | undefined;
  if (eventBridge) {
    // Two scheduled times an hour apart: the current hour, and the one before.
    const second = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
    const firstTime = new Date(second - HOUR_MS).toISOString().replace('.000Z', 'Z');
    scheduledTime = new Date(second).toISOString().replace('.000Z', 'Z');
    const first = await invoke(firstTime, ' (run 1 of 2)');
    const firstEvents = [...eventBridge.events, ...eventBridge.dropped];
    const changes = await progress.step(
      'changing jobs between the runs',
      () => applyStatusChanges(emulator, seeded, new Date(second - HOUR_MS / 2), collaborations),
      (c) => changeSummary(c),
    );
    eventBridge.clear();
    handler = await invoke(scheduledTime, ' (run 2 of 2)');
    twoRuns = { first, firstTime, firstEvents, changes };
  } else {
    handler = await invoke(scheduledTime);
  }

  const s3 = localS3Client(s3Server.endpoint, LOCAL_CREDENTIALS, { region: REGION, responseChecksumValidation: 'WHEN_REQUIRED' });
  cleanup.add('S3 client', () => s3.destroy());
  const copies = await progress.step(
    'copying the objects out of the local S3',
    () => copyBucket(s3, bucket, folders.snapshots),
    (c) => `${c.length} objects to ${folders.snapshots}`,
  );
  const requests = [...emulator.requests];
  const stopped = await progress.step(
    'stopping the servers',
    () => cleanup.stopAll(),
    (names) => names.join(', '),
  );
  void stopped;

  const athena = await progress.step(
    'opening DuckDB over the copied snapshots with the Glue table',
    () => LocalAthena.open(deployable.template, path.join(folders.snapshots, bucket)),
    (a) => a.location,
  );
  cleanup.add('DuckDB', () => athena.close());
  const answers = await progress.step(
    'running the Athena named queries locally',
    async () => ({
      latest: await athena.run(QUERY.latest),
      deleteFailed: await athena.run(QUERY.deleteFailed),
      countsByDay: await athena.run(QUERY.countsByDay),
    }),
    () => `${athena.namedQueries.length} queries`,
  );
  await cleanup.stopAll();

  // The run's manifest (the second run's, when there are two).
  const manifestName = `_manifest_${compactTimestamp(new Date(scheduledTime))}.json`;
  const manifestCopy =
    copies.find((c) => path.basename(c.key) === manifestName) ?? copies.find((c) => path.basename(c.key).startsWith('_manifest_'));
  const manifest = manifestCopy ? (JSON.parse(fs.readFileSync(manifestCopy.file, 'utf8')) as RunManifest) : undefined;
  const invocationFailed = handler.outcome.status !== 'resolved';
  const verdicts = evaluateAlarms(deployable.template, { emf: handler.emf, invocationFailed });
  const expectedJobs = twoRuns ? jobsAfterChanges(twoRuns.changes, collaborations) : undefined;
  const facts = collaborations.map((c) => ({ id: c.id, label: c.label, seededJobs: expectedJobs?.get(c.id) ?? c.jobs }));

  const lines: string[] = ['', `═══ Results of scenario ${scenario.name} ═══`, ''];
  let statusOutcome: { asExpected: boolean; unexpected?: string } = { asExpected: true };
  if (twoRuns)
    lines.push(
      ...report.firstRunSection(
        twoRuns.firstTime,
        twoRuns.first.outcome,
        twoRuns.first.durationMs,
        twoRuns.firstEvents.length,
        scheduledTime,
      ),
      '',
    );
  lines.push(...report.handlerSection(handler.outcome, handler.durationMs, manifest), '');
  if (twoRuns && eventBridge) {
    const namespace = settings.variables[ENV.METRICS_NAMESPACE] ?? DEFAULTS.METRICS_NAMESPACE;
    const service = settings.variables[ENV.SERVICE_NAME] ?? DEFAULTS.SERVICE_NAME;
    const metric = (name: string) => sumOf(metricValues(handler.emf, namespace, name, { service }));
    const sent = [...eventBridge.events];
    const check = compareWithChanges(twoRuns.changes, sent);
    statusOutcome =
      check.missing.length + check.unexpected.length + eventBridge.dropped.length + twoRuns.firstEvents.length === 0
        ? { asExpected: true }
        : { asExpected: false, unexpected: 'the status-change events are not one per change made between the runs (see above)' };
    lines.push(
      ...report.statusEventsSection({
        scheduledTime,
        eventBusName,
        events: sent,
        dropped: eventBridge.dropped,
        requests: eventBridge.requests,
        check,
        metrics: {
          [METRIC.STATUS_CHANGES]: metric(METRIC.STATUS_CHANGES),
          [METRIC.NEW_DELETE_FAILED_JOBS]: metric(METRIC.NEW_DELETE_FAILED_JOBS),
          [METRIC.NEW_CREATE_FAILED_JOBS]: metric(METRIC.NEW_CREATE_FAILED_JOBS),
          [METRIC.STATUS_EVENTS_FAILED]: metric(METRIC.STATUS_EVENTS_FAILED),
        },
      }),
      '',
    );
    lines.push(...ruleSection(deployable.template, sent), '');
  }
  lines.push(...report.requestSection(requests), '');
  if (manifest) lines.push(...report.statusTable(QUERY.latest, answers.latest, facts, manifest), '');
  lines.push(...report.deleteFailedSection(QUERY.deleteFailed, answers.deleteFailed), '');
  lines.push(...report.countsByDaySection(QUERY.countsByDay, answers.countsByDay), '');
  lines.push(...report.alarmSection(verdicts), '');
  lines.push(...report.filesSection(copies, folders));
  for (const line of lines) progress.line(line);

  const firstRunOk = !twoRuns || twoRuns.first.outcome.status === 'resolved';
  const handlerAsExpected = invocationFailed === scenario.handlerThrows && firstRunOk;
  return {
    asExpected: handlerAsExpected && statusOutcome.asExpected,
    ...(handlerAsExpected && statusOutcome.unexpected ? { unexpected: statusOutcome.unexpected } : {}),
    ...(!firstRunOk ? { unexpected: `the first run ${twoRuns!.first.outcome.status}` } : {}),
    handler,
    ...(twoRuns ? { firstRun: twoRuns.first, statusEvents: [...eventBridge!.events] } : {}),
    verdicts,
    copies,
  };
}

/** The stack's rules on these events: which events each matches, and what each target receives. */
function ruleSection(template: Parameters<typeof eventRules>[0], events: readonly RecordedEvent[]): string[] {
  const rules = eventRules(template, LOCAL_CONTEXT);
  return report.rulesSection(
    rules.map((rule) => {
      try {
        return { rule, deliveries: deliveries(rule, matchingEvents(rule, events)) };
      } catch (error) {
        return { rule, deliveries: [], problem: error instanceof Error ? error.message : String(error) };
      }
    }),
    events.length,
  );
}

function changeSummary(changes: readonly PlannedChange[]): string {
  const count = (kind: PlannedChange['change']) => changes.filter((c) => c.change === kind).length;
  const into = (status: string) => changes.filter((c) => c.change !== 'removed' && c.status === status).length;
  return `${count('status_changed')} status changes (${into('DELETE_FAILED')} into DELETE_FAILED, ${into('CREATE_FAILED')} into CREATE_FAILED), ${count('removed')} jobs deleted, ${count('created')} created`;
}

/** The handler's warnings and errors about status events, as progress notes. */
function noteStatusEventLog(progress: Progress, line: Record<string, unknown>): void {
  if (!STATUS_EVENT_LOGS.has(String(line.message))) return;
  const id = typeof line.collaborationId === 'string' ? line.collaborationId : '';
  progress.note(
    `${line.level === 'ERROR' ? '✗' : '⚠'} ${id}: ${String(line.message)}${typeof line.reason === 'string' ? ` (${line.reason})` : ''}`,
  );
}

/** The handler's own log lines that tell how far it got, as progress notes. */
function noteLog(progress: Progress, line: Record<string, unknown>): void {
  const id = typeof line.collaborationId === 'string' ? line.collaborationId : '';
  if (line.message === LOG_MESSAGE.COLLABORATION_EXPORTED) {
    progress.note(
      `✓ ${id}: ${text(line.jobs)} jobs, ${text(line.pages)} page${line.pages === 1 ? '' : 's'}, ${text(line.bytes)} bytes in ${text(line.durationMs)} ms`,
    );
  } else if (line.message === LOG_MESSAGE.COLLABORATION_EXPORT_FAILED) {
    const error = line.error as { name?: string; message?: string } | undefined;
    progress.note(`✗ ${id}: ${error?.name}: ${error?.message}`);
  } else if (line.message === LOG_MESSAGE.EXPORT_FINISHED) {
    progress.note(
      `export ${text(line.status)}${line.reason ? ` (${text(line.reason)})` : ''}: ${text(line.jobs)} jobs, ${text(line.deleteFailedJobs)} DELETE_FAILED, manifest ${text(line.manifestKey)}`,
    );
  }
}

/** The log lines about status events that npm start shows when a scenario is about them. */
const STATUS_EVENT_LOGS = new Set<string>([
  LOG_MESSAGE.NO_PREVIOUS_SNAPSHOT,
  LOG_MESSAGE.STATE_POINTER_UNREADABLE,
  LOG_MESSAGE.PREVIOUS_SNAPSHOT_UNREADABLE,
  LOG_MESSAGE.PREVIOUS_SNAPSHOT_MISSING,
  LOG_MESSAGE.STATUS_EVENTS_NOT_COMPARED,
  LOG_MESSAGE.PREVIOUS_SNAPSHOT_NOT_KEPT,
  LOG_MESSAGE.STATUS_EVENTS_NOT_DELIVERED,
  LOG_MESSAGE.STATE_POINTER_WRITE_FAILED,
]);

function sumOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
