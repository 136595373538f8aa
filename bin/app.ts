#!/usr/bin/env node
/**
 * CDK app: reads the configuration from context (cdk.json or `-c key=value`), validates it, and synthesizes both
 * stacks with the cdk-nag AwsSolutions checks as a validation plugin (any unacknowledged finding fails the synth):
 *
 * - AudienceJobsExporter: the scheduled exporter (`npx cdk deploy AudienceJobsExporter`);
 * - AudienceJobsReaderRole: the reader role of a member account the exporter reads through a source's roleArn
 *   (deployed in each member account, e.g. with StackSets).
 *
 * Works offline, with no credentials and no region: both stacks are environment-agnostic.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AudienceJobsExporterStack, STACK_NAME } from '../lib/audience-jobs-exporter-stack';
import { AudienceJobsReaderRoleStack, READER_ROLE_STACK_NAME } from '../lib/audience-jobs-reader-role-stack';
import {
  ConfigError,
  findMisspeltContextKeys,
  parseReaderRoleConfig,
  parseStackConfig,
  type ExporterStackConfig,
  type ReaderRoleStackConfig,
} from '../lib/config';

const app = new App();

let config: { exporter: ExporterStackConfig; reader: ReaderRoleStackConfig } | undefined;
try {
  const misspelt = findMisspeltContextKeys(Object.keys(app.node.getAllContext() as Record<string, unknown>));
  if (misspelt.length > 0) {
    const list = misspelt.map((m) => `'${m.key}' (did you mean '${m.didYouMean}'?)`).join(', ');
    throw new Error(`Unknown context key ${list}`);
  }
  const context = (key: string): unknown => app.node.tryGetContext(key);
  config = { exporter: parseStackConfig(context), reader: parseReaderRoleConfig(context) };
} catch (error) {
  // One clear line, no stack trace: the message names the key and the value.
  if (!(error instanceof ConfigError) && !(error instanceof Error && error.message.startsWith('Unknown context key'))) throw error;
  process.stderr.write(`\n${error.message}\n\n`);
  process.exitCode = 1;
}

if (config !== undefined) {
  new AudienceJobsExporterStack(app, STACK_NAME, {
    description: 'Scheduled export of AWS Clean Rooms ML audience generation jobs to S3 snapshots (Athena, alarms)',
    config: config.exporter,
  });
  new AudienceJobsReaderRoleStack(app, READER_ROLE_STACK_NAME, {
    description: 'Reader role of a member account for the Clean Rooms ML audience jobs exporter (deploy with StackSets)',
    config: config.reader,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}
