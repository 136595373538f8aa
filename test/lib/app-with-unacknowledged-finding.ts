/**
 * bin/app.ts with one resource cdk-nag must flag: just before the app synthesizes, a bare S3 bucket (no access logs,
 * no TLS-only policy) joins the reader role stack. Run by app.test.ts, as the CLI runs the app (CDK_OUTDIR,
 * CDK_CONTEXT_JSON), to show that an unacknowledged finding fails the synth.
 */
import { App } from 'aws-cdk-lib';
import { CfnBucket } from 'aws-cdk-lib/aws-s3';
import { READER_ROLE_STACK_NAME } from '../../lib/audience-jobs-reader-role-stack';

const synth = App.prototype.synth;
App.prototype.synth = function (this: App, ...args: Parameters<App['synth']>) {
  new CfnBucket(this.node.findChild(READER_ROLE_STACK_NAME), 'UnacknowledgedBucket');
  return synth.apply(this, args);
};

void import('../../bin/app');
