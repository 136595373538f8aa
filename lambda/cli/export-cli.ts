#!/usr/bin/env node
import { Command, Option } from 'commander';
import { destroyAwsClients } from '../commons/aws-clients';
import { ENV } from '../commons/constants';
import { errorDetails } from '../commons/error-details';
import { ConfigurationError } from '../config-rules/configuration-error';
import { runExportJob } from '../export/export-job';
import { formatRunSummary } from './run-summary';

/**
 * `npm run export -- [--scheduled-time <ISO-8601>] [--collaboration-ids a,b]`: the handler's code path,
 * run locally for backfills and manual runs. Exit code 0 when the run succeeded (every collaboration exported, every
 * status event delivered), else 1.
 */
async function main(argv: string[]): Promise<number> {
  const program = new Command()
    .name('export')
    .description(
      'Export every audience generation job of the configured collaborations to NDJSON snapshots in S3, as the scheduled Lambda does.\n' +
        `Configuration comes from the environment: ${ENV.EXPORT_SOURCES} (or ${ENV.EXPORT_SOURCES_FILE}) or ${ENV.COLLABORATION_IDS}, ${ENV.SNAPSHOT_BUCKET}, ${ENV.SNAPSHOT_PREFIX}, ` +
        `${ENV.CONFIGURED_AUDIENCE_MODEL_ARN}, ${ENV.COMPRESSION}, ${ENV.MAX_CONCURRENCY}, ${ENV.MAX_ATTEMPTS}, ${ENV.REQUEST_TIMEOUT_MS}, ` +
        `${ENV.EVENT_BUS_NAME}, ${ENV.STATUS_EVENTS}, and the standard AWS variables (AWS_REGION, credentials, ` +
        'AWS_ENDPOINT_URL_CLEANROOMSML, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_EVENTBRIDGE).',
    )
    .addOption(new Option('--scheduled-time <iso8601>', 'the scheduled time to write the snapshot for (default: now, to the second)'))
    .addOption(new Option('--collaboration-ids <ids>', `comma-separated collaboration ids, or *; overrides ${ENV.COLLABORATION_IDS}`))
    .addOption(new Option('--sources <json>', `the sources, as a JSON list (see README); overrides ${ENV.EXPORT_SOURCES}`))
    .addOption(new Option('--json', 'print the manifest as JSON instead of the table'))
    .addHelpText(
      'after',
      '\nExit status: 0 when every collaboration was exported and every status event delivered, 1 otherwise (a failed ' +
        'collaboration, undelivered status events, bad configuration).',
    )
    .exitOverride()
    .showHelpAfterError();
  try {
    program.parse(argv);
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 1;
  }
  const options = program.opts<{ scheduledTime?: string; collaborationIds?: string; sources?: string; json?: boolean }>();
  const env = { ...process.env };
  if (options.collaborationIds !== undefined) env[ENV.COLLABORATION_IDS] = options.collaborationIds;
  if (options.sources !== undefined) env[ENV.EXPORT_SOURCES] = options.sources;
  const event = options.scheduledTime !== undefined ? { scheduledTime: options.scheduledTime } : {};
  try {
    const { manifest, manifestKey } = await runExportJob(event, env);
    process.stdout.write(options.json ? `${JSON.stringify(manifest, null, 2)}\n` : formatRunSummary(manifest, manifestKey));
    return manifest.status === 'succeeded' ? 0 : 1;
  } catch (error) {
    const { name, message } = errorDetails(error);
    process.stderr.write(error instanceof ConfigurationError ? `error: ${message}\n` : `error: export failed: ${name}: ${message}\n`);
    return 1;
  } finally {
    destroyAwsClients();
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
