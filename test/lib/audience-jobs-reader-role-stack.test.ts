/**
 * The reader role stack (AudienceJobsReaderRole), deployed in each member account: its exact policy and trust, in the
 * placeholder configuration (no exporterRoleArn), with the exporter's role, and with an external id and a role name.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AudienceJobsReaderRoleStack, READER_ROLE_STACK_NAME } from '../../lib/audience-jobs-reader-role-stack';
import { parseReaderRoleConfig } from '../../lib/config';

const ROOT = path.resolve(__dirname, '..', '..');
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const EXPORTER_ROLE = 'arn:aws:iam::111122223333:role/AudienceJobsExporter-ExporterRole9B408E7C-AbCdEf123456';

interface Synthesized {
  app: App;
  stack: AudienceJobsReaderRoleStack;
  template: Template;
}

function synth(context: Record<string, unknown>): Synthesized {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context } });
  const stack = new AudienceJobsReaderRoleStack(app, READER_ROLE_STACK_NAME, {
    config: parseReaderRoleConfig((k) => app.node.tryGetContext(k)),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

let placeholder: Synthesized;
let trusted: Synthesized;
let withExternalId: Synthesized;

beforeAll(() => {
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the placeholder's warning
  try {
    placeholder = synth({});
  } finally {
    quiet.mockRestore();
  }
  trusted = synth({ exporterRoleArn: EXPORTER_ROLE });
  withExternalId = synth({ exporterRoleArn: EXPORTER_ROLE, externalId: 'exporter-7f3a', readerRoleName: 'CleanRoomsJobsReader' });
});

const READ_POLICY = [
  {
    PolicyName: 'ReadAudienceGenerationJobs',
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ListAudienceGenerationJobs', Effect: 'Allow', Action: 'cleanrooms-ml:ListAudienceGenerationJobs', Resource: '*' },
        {
          Sid: 'GetAudienceGenerationJob',
          Effect: 'Allow',
          Action: 'cleanrooms-ml:GetAudienceGenerationJob',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cleanrooms-ml:*:*:audience-generation-job/*']] },
        },
      ],
    },
  },
];

function onlyRole(template: Template): [string, Record<string, any>] {
  const roles = Object.entries(template.findResources('AWS::IAM::Role'));
  expect(roles).toHaveLength(1);
  return [roles[0][0], (roles[0][1] as { Properties: Record<string, any> }).Properties];
}

describe.each([
  ['placeholder', () => placeholder],
  ['trusting the exporter', () => trusted],
  ['with an external id and a role name', () => withExternalId],
])('%s', (_name, get) => {
  it('is one IAM role with exactly List and Get of audience generation jobs, a 1 hour session, nothing else', () => {
    const { template } = get();
    expect(Object.values(template.toJSON().Resources).map((r: any) => r.Type)).toEqual(['AWS::IAM::Role']);
    const [, role] = onlyRole(template);
    expect(role.Policies).toEqual(READ_POLICY);
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.PermissionsBoundary).toBeUndefined();
  });

  it('needs no CDK bootstrap in the member account (StackSets): no BootstrapVersion parameter or rule, no asset', () => {
    const json = get().template.toJSON();
    expect(json.Parameters?.BootstrapVersion).toBeUndefined();
    expect(json.Rules?.CheckBootstrapVersion).toBeUndefined();
    const artifact = get().app.synth().getStackArtifact(READER_ROLE_STACK_NAME);
    expect(artifact.assumeRoleArn).toBeUndefined();
    expect(artifact.dependencies.filter((d) => d.id.endsWith('.assets'))).toEqual([]);
  });

  it('cdk-nag AwsSolutions: zero unacknowledged findings, each acknowledgement with its reason', () => {
    const report = new AwsSolutionsChecks().validateScope(get().app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(report.success).toBe(true);
    const acknowledged = get()
      .app.node.findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledged.map(([id]) => id.replace(/^annotation::/i, '')).sort()).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cleanrooms-ml:*:*:audience-generation-job/*]',
    ]);
    for (const [, reason] of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });

  it('outputs the role ARN, for the sources that read this account', () => {
    const [roleId] = onlyRole(get().template);
    get().template.hasOutput('ReaderRoleArn', { Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  });
});

describe('trust', () => {
  it('trusts exactly the exporter role, with no condition when no external id is given', () => {
    const [, role] = onlyRole(trusted.template);
    expect(role.RoleName).toBe('AudienceJobsReader');
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: EXPORTER_ROLE } }],
    });
    Annotations.fromStack(trusted.stack).hasNoWarning('*', Match.anyValue());
  });

  it('with externalId, requires it (sts:ExternalId); the role name comes from readerRoleName', () => {
    const [, role] = onlyRole(withExternalId.template);
    expect(role.RoleName).toBe('CleanRoomsJobsReader');
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: EXPORTER_ROLE },
          Condition: { StringEquals: { 'sts:ExternalId': 'exporter-7f3a' } },
        },
      ],
    });
  });

  it('without exporterRoleArn: a trust no one can use (every sts:AssumeRole denied), and a warning that says which -c to pass', () => {
    const [, role] = onlyRole(placeholder.template);
    expect(role.RoleName).toBe('AudienceJobsReader');
    expect(role.AssumeRolePolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root']] } },
        },
        { Sid: 'PlaceholderTrustsNoOne', Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { AWS: '*' } },
      ],
    });
    // Annotations.fromStack synthesizes again, which prints the warning again: keep it out of the output.
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      Annotations.fromStack(placeholder.stack).hasWarning(
        `/${READER_ROLE_STACK_NAME}`,
        Match.stringLikeRegexp(
          'exporterRoleArn is not set.*trusts no one.*-c exporterRoleArn=<the ExporterRoleArn output of the AudienceJobsExporter stack>',
        ),
      );
    } finally {
      quiet.mockRestore();
    }
  });
});
