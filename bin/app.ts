#!/usr/bin/env node
/**
 * CDK app: reads the configuration from context (cdk.json or `-c key=value`), validates it, and synthesizes the
 * stack with the cdk-nag AwsSolutions checks as a validation plugin (any unacknowledged finding fails the synth).
 *
 * Works offline, with no credentials and no region: the stack is environment-agnostic.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AudienceJobsExporterStack, STACK_NAME } from '../lib/audience-jobs-exporter-stack';
import { ConfigError, findMisspeltContextKeys, parseStackConfig, type ExporterStackConfig } from '../lib/config';

const app = new App();

let config: ExporterStackConfig | undefined;
try {
  const misspelt = findMisspeltContextKeys(Object.keys(app.node.getAllContext()));
  if (misspelt.length > 0) {
    const list = misspelt.map((m) => `'${m.key}' (did you mean '${m.didYouMean}'?)`).join(', ');
    throw new Error(`Unknown context key ${list}`);
  }
  config = parseStackConfig((key) => app.node.tryGetContext(key));
} catch (error) {
  // One clear line, no stack trace: the message names the key and the value.
  if (!(error instanceof ConfigError) && !(error instanceof Error && error.message.startsWith('Unknown context key'))) throw error;
  process.stderr.write(`\n${error.message}\n\n`);
  process.exitCode = 1;
}

if (config !== undefined) {
  new AudienceJobsExporterStack(app, STACK_NAME, {
    description: 'Scheduled export of AWS Clean Rooms ML audience generation jobs to S3 snapshots (Athena, alarms)',
    config,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}
