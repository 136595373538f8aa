/**
 * One scenario, end to end: synthesize the stack (cached), start the emulator and the local S3, invoke the
 * deployed bundle with the function's environment, copy the objects out, stop the servers, answer the named
 * queries with DuckDB, evaluate the alarms, print the report.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { LOG_MESSAGE } from '../../lambda/commons/log-messages';
import type { RunManifest } from '../../lambda/snapshot/manifest';
import { synthesizeDeployableStack } from '../deployable-bundle';
import { CleanRoomsMLEmulator } from '../emulator';
import { LocalIdentities } from '../emulator/identities';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS } from '../local-aws-environment';
import { StsEmulator } from '../sts';
import { LocalS3Server } from '../s3/local-s3-server';
import { evaluateAlarms, type AlarmVerdict } from './alarms';
import type { Cleanup } from './cleanup';
import { runHandlerProcess, type HandlerRun } from './handler-process';
import { functionSettings, lambdaEnvironment, type LocalTarget } from './lambda-environment';
import { LocalAthena } from './local-queries';
import type { Progress } from './progress';
import * as report from './report';
import { SAMPLE_COLLABORATIONS, sampleJobs } from './sample-data';
import type { Scenario } from './scenarios';
import { copyBucket, type CopiedObject } from './snapshot-copy';

/** s3rver accepts only this key pair; the emulator is given the same one, so one credential chain serves both. */
const REGION = 'us-east-1';
/** Used when the stack creates its bucket (the template only has a Ref to it). */
const LOCAL_BUCKET = 'audience-jobs-exporter-snapshots-local';
/** Stands for the function name that CloudFormation would generate. */
const FUNCTION_NAME = 'AudienceJobsExporter-ExporterFunction-local';
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
  /** The handler did what the scenario expects (threw only when it should). */
  asExpected: boolean;
  handler: HandlerRun;
  verdicts: AlarmVerdict[];
  copies: CopiedObject[];
}

export async function runScenario(scenario: Scenario, options: ScenarioRunOptions, progress: Progress, cleanup: Cleanup): Promise<ScenarioResult> {
  const now = new Date();
  const collaborations = SAMPLE_COLLABORATIONS;
  const dataDir = path.resolve(options.dataDirectory);
  const folders = { s3Storage: path.join(dataDir, 's3'), snapshots: path.join(dataDir, 'snapshots'), handlerOutput: path.join(dataDir, 'handler-output.log') };

  const deployable = await progress.step(
    'synthesizing the stack (cdk.json context) for the deployable Lambda bundle',
    () => synthesizeDeployableStack({ collaborationIds: collaborations.map((c) => c.id), cacheRoot: options.cacheRoot, onOutput: () => undefined }),
    (d) => (d.cached ? `(cached) ${d.bundleFile}` : d.bundleFile),
  );
  const settings = functionSettings(deployable.template, deployable.functionLogicalId, LOCAL_BUCKET);
  const bucket = settings.variables.SNAPSHOT_BUCKET ?? LOCAL_BUCKET;

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
  await progress.step(
    'seeding the sample',
    () => {
      for (const c of collaborations) emulator.seed(c.id, sampleJobs(c, { withDeleteFailed: scenario.withDeleteFailed, now }));
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

  const target: LocalTarget = {
    region: REGION,
    credentials: LOCAL_CREDENTIALS,
    cleanRoomsMlEndpoint: emulator.endpoint,
    s3Endpoint: s3Server.endpoint,
    stsEndpoint: sts.endpoint,
    bucket,
    taskRoot: path.dirname(deployable.bundleFile),
  };
  const scheduledTime = `${now.toISOString().slice(0, 16)}:00Z`;
  let forgetHandlerProcess: () => void = () => undefined;
  const handler = await progress.step(
    `invoking the deployed handler with {"scheduledTime": "${scheduledTime}"}`,
    () =>
      runHandlerProcess({
        bundleFile: deployable.bundleFile,
        env: lambdaEnvironment(settings, target, FUNCTION_NAME),
        event: { scheduledTime },
        timeoutMs: settings.timeoutSeconds * 1000,
        functionName: FUNCTION_NAME,
        outputFile: folders.handlerOutput,
        signal: cleanup.interrupted.signal,
        onStart: (pid, stop) => {
          forgetHandlerProcess = cleanup.add(`handler process ${pid}`, stop);
          progress.note(`Node.js process ${pid}, environment from the template, endpoints of the local servers`);
        },
        onLog: (line) => noteLog(progress, line),
      }),
    (run) => run.outcome.status,
  );
  forgetHandlerProcess();

  const s3 = new S3Client({ region: REGION, endpoint: s3Server.endpoint, forcePathStyle: true, credentials: LOCAL_CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  cleanup.add('S3 client', () => s3.destroy());
  const copies = await progress.step(
    'copying the objects out of the local S3',
    () => copyBucket(s3, bucket, folders.snapshots),
    (c) => `${c.length} objects to ${folders.snapshots}`,
  );
  const requests = [...emulator.requests];
  const stopped = await progress.step('stopping the servers', () => cleanup.stopAll(), (names) => names.join(', '));
  void stopped;

  const athena = await progress.step('opening DuckDB over the copied snapshots with the Glue table', () => LocalAthena.open(deployable.template, path.join(folders.snapshots, bucket)), (a) => a.location);
  cleanup.add('DuckDB', () => athena.close());
  const answers = await progress.step(
    'running the Athena named queries locally',
    async () => ({ latest: await athena.run(QUERY.latest), deleteFailed: await athena.run(QUERY.deleteFailed), countsByDay: await athena.run(QUERY.countsByDay) }),
    () => `${athena.namedQueries.length} queries`,
  );
  await cleanup.stopAll();

  const manifestCopy = copies.find((c) => path.basename(c.key).startsWith('_manifest_'));
  const manifest = manifestCopy ? (JSON.parse(fs.readFileSync(manifestCopy.file, 'utf8')) as RunManifest) : undefined;
  const invocationFailed = handler.outcome.status !== 'resolved';
  const verdicts = evaluateAlarms(deployable.template, { emf: handler.emf, invocationFailed });
  const facts = collaborations.map((c) => ({ id: c.id, label: c.label, seededJobs: c.jobs }));

  const lines: string[] = ['', `═══ Results of scenario ${scenario.name} ═══`, ''];
  lines.push(...report.handlerSection(handler.outcome, handler.durationMs, manifest), '');
  lines.push(...report.requestSection(requests), '');
  if (manifest) lines.push(...report.statusTable(QUERY.latest, answers.latest, facts, manifest), '');
  lines.push(...report.deleteFailedSection(QUERY.deleteFailed, answers.deleteFailed), '');
  lines.push(...report.countsByDaySection(QUERY.countsByDay, answers.countsByDay), '');
  lines.push(...report.alarmSection(verdicts), '');
  lines.push(...report.filesSection(copies, folders));
  for (const line of lines) progress.line(line);

  return { asExpected: invocationFailed === scenario.handlerThrows, handler, verdicts, copies };
}

/** The handler's own log lines that tell how far it got, as progress notes. */
function noteLog(progress: Progress, line: Record<string, unknown>): void {
  const id = typeof line.collaborationId === 'string' ? line.collaborationId : '';
  if (line.message === LOG_MESSAGE.COLLABORATION_EXPORTED) {
    progress.note(`✓ ${id}: ${line.jobs} jobs, ${line.pages} page${line.pages === 1 ? '' : 's'}, ${line.bytes} bytes in ${line.durationMs} ms`);
  } else if (line.message === LOG_MESSAGE.COLLABORATION_EXPORT_FAILED) {
    const error = line.error as { name?: string; message?: string } | undefined;
    progress.note(`✗ ${id}: ${error?.name}: ${error?.message}`);
  } else if (line.message === LOG_MESSAGE.EXPORT_FINISHED) {
    progress.note(`export ${line.status}${line.reason ? ` (${line.reason})` : ''}: ${line.jobs} jobs, ${line.deleteFailedJobs} DELETE_FAILED, manifest ${line.manifestKey}`);
  }
}

function sumOf(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
