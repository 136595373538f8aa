/**
 * Security checks on the synthesized template, in every configuration the app supports (listed
 * collaborations with a new bucket and an alarm email; `*` with an existing bucket; the placeholder; a list of
 * sources read through member accounts' roles).
 *
 * audience-jobs-exporter-stack.test.ts already asserts, for the main configuration: the function role's five
 * statements one by one, no wildcard action or managed policy, every created bucket blocking public access,
 * encrypted and TLS-only, the topic KMS-encrypted and TLS-only, both queues encrypted and TLS-only. This file
 * adds what those do not: the same guarantees in the other configurations, the exact action set as a whole,
 * no resource policy that opens anything to everyone, and TLS denials that cover the objects, not only the
 * bucket.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AudienceJobsExporterStack } from '../../lib/audience-jobs-exporter-stack';
import { parseStackConfig } from '../../lib/config';

const ROOT = path.resolve(__dirname, '..', '..');
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;

/**
 * The exporter's whole permission set: two Clean Rooms ML reads, two S3 writes, its own logs, its failure queue; with
 * status events on (the default), the previous snapshots' reads and PutEvents on its bus.
 */
const INTENDED_ACTIONS = [
  'cleanrooms-ml:GetAudienceGenerationJob',
  'cleanrooms-ml:ListAudienceGenerationJobs',
  'events:PutEvents',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  's3:AbortMultipartUpload',
  's3:GetObject',
  's3:PutObject',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
  'sqs:SendMessage',
];
const STATUS_EVENTS_ACTIONS = ['events:PutEvents', 's3:GetObject'];

/** With sources that name roles, one more: sts:AssumeRole, on exactly those roles. */
const ROLE_1 = 'arn:aws:iam::444455556666:role/AudienceJobsReader';
const ROLE_2 = 'arn:aws:iam::777788889999:role/AudienceJobsReader';

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
  NotPrincipal?: unknown;
};

function synth(context: Record<string, unknown>): Template {
  process.env.CDK_DOCKER = '/nonexistent/docker-must-not-be-used';
  // Bundling is skipped: these checks read the template, not the code (the stack test bundles it).
  const app = new App({ context: { ...CDK_JSON_CONTEXT, ...context, 'aws:cdk:bundling-stacks': [] } });
  const config = parseStackConfig((key) => app.node.tryGetContext(key));
  return Template.fromStack(new AudienceJobsExporterStack(app, 'AudienceJobsExporter', { config }));
}

const configurations: Array<[string, Record<string, unknown>]> = [
  [
    'listed collaborations, new bucket, alarm email',
    { collaborationIds: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01,00000000-0000-4000-8000-000000000002', alarmEmail: 'ops@example.com' },
  ],
  [
    '* with an existing bucket and prefix',
    { collaborationIds: '*', existingBucketName: 'existing-snapshots', snapshotPrefix: 'exports/jobs/' },
  ],
  ['the placeholder (no context)', {}],
  ['status events off, a named bus', { collaborationIds: '*', statusEvents: 'off', eventBusName: 'audience-jobs' }],
  [
    'sources through two member roles and the own account',
    {
      sources: [
        { region: 'eu-west-1', roleArn: ROLE_1, externalId: 'exporter-7f3a', collaborationIds: '*' },
        { region: 'us-east-1', roleArn: ROLE_2, collaborationIds: ['3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01'] },
        { region: 'us-east-1', collaborationIds: '*' },
      ],
    },
  ],
];
/** The roles each configuration may assume (none unless its sources name roles). */
const ASSUMABLE: Record<string, string[]> = { 'sources through two member roles and the own account': [ROLE_1, ROLE_2] };
/** The configurations with status events off. */
const EVENTS_OFF = new Set(['status events off, a named bus']);
const templates = new Map<string, Template>();

beforeAll(() => {
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the placeholder's warning
  try {
    for (const [name, context] of configurations) templates.set(name, synth(context));
  } finally {
    quiet.mockRestore();
  }
});

const each = configurations.map(([name]) => [name] as const);
const resourcesOf = (t: Template, type: string) => Object.entries(t.findResources(type)) as Array<[string, Resource]>;
const refOf = (value: unknown): string | undefined => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return v?.Ref ?? v?.['Fn::GetAtt']?.[0];
};

/** Every statement of every resource policy in the template (bucket, queue, topic, key policies). */
function resourcePolicyStatements(t: Template): Array<[string, Statement]> {
  const out: Array<[string, Statement]> = [];
  for (const [type, property] of [
    ['AWS::S3::BucketPolicy', 'PolicyDocument'],
    ['AWS::SQS::QueuePolicy', 'PolicyDocument'],
    ['AWS::SNS::TopicPolicy', 'PolicyDocument'],
    ['AWS::KMS::Key', 'KeyPolicy'],
  ] as const) {
    for (const [id, resource] of resourcesOf(t, type)) {
      for (const statement of resource.Properties[property]?.Statement ?? []) out.push([`${type} ${id}`, statement]);
    }
  }
  return out;
}

function isEveryone(principal: unknown): boolean {
  if (principal === '*') return true;
  const aws = (principal as { AWS?: unknown } | undefined)?.AWS;
  return aws === '*' || (Array.isArray(aws) && aws.includes('*'));
}

describe.each(each)('%s', (name) => {
  const t = () => templates.get(name)!;

  it('the function role may do exactly the intended actions, each on a scoped resource; nothing else is attached', () => {
    const [roleId, role] = resourcesOf(t(), 'AWS::IAM::Role').find(([id]) => id.startsWith('ExporterRole'))!;
    expect(role.Properties.Policies).toBeUndefined();
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    const statements: Statement[] = resourcesOf(t(), 'AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: unknown) => refOf(r) === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    expect(statements.every((s) => s.Effect === 'Allow' && !s.NotAction && !s.NotResource)).toBe(true);
    const assumable = ASSUMABLE[name] ?? [];
    const base = EVENTS_OFF.has(name) ? INTENDED_ACTIONS.filter((a) => !STATUS_EVENTS_ACTIONS.includes(a)) : INTENDED_ACTIONS;
    const intended = assumable.length > 0 ? [...base, 'sts:AssumeRole'].sort() : base;
    expect([...new Set(statements.flatMap((s) => [s.Action].flat()))].sort()).toEqual(intended);
    for (const s of statements) {
      const actions = [s.Action].flat();
      if (s.Resource === '*') expect(actions).toEqual(['cleanrooms-ml:ListAudienceGenerationJobs']); // the API has no resource-level permission for List
      // Only the configured roles, written out: no wildcard, no account root.
      if (actions.includes('sts:AssumeRole'))
        expect({ actions, resources: s.Resource }).toEqual({ actions: ['sts:AssumeRole'], resources: assumable });
      if (actions.some((a) => a.startsWith('s3:'))) {
        // Writes anywhere under the prefix; the one read only on the pointers and the snapshot objects.
        const keys = [s.Resource].flat().map((r) => JSON.stringify(r));
        const allowed = actions.includes('s3:GetObject')
          ? /\/(audience-generation-jobs|exports\/jobs)\/(_state\/\*|dt=\*\/\*\.ndjson\*)"/
          : /\/(audience-generation-jobs|exports\/jobs)\/\*"/;
        for (const key of keys) expect(key).toMatch(allowed);
        if (actions.includes('s3:GetObject')) expect({ actions, keys: keys.length }).toEqual({ actions: ['s3:GetObject'], keys: 2 });
      }
      // PutEvents on the one bus, named: no wildcard.
      if (actions.includes('events:PutEvents')) {
        expect(actions).toEqual(['events:PutEvents']);
        expect(JSON.stringify(s.Resource)).toMatch(/^\{"Fn::Join":.*:event-bus\/default"\]\]\}$/);
      }
    }
  });

  it('no resource policy allows everyone, no function URL, no public invoke permission, no ACLs', () => {
    for (const [where, statement] of resourcePolicyStatements(t())) {
      if (statement.Effect !== 'Allow') continue;
      expect({ where, everyone: isEveryone(statement.Principal) || statement.NotPrincipal !== undefined }).toEqual({
        where,
        everyone: false,
      });
    }
    expect(Object.keys(t().findResources('AWS::Lambda::Url'))).toEqual([]);
    for (const [, permission] of resourcesOf(t(), 'AWS::Lambda::Permission')) {
      expect(permission.Properties.Principal).not.toBe('*');
      expect(permission.Properties.SourceArn ?? permission.Properties.SourceAccount).toBeDefined();
    }
    for (const [, bucket] of resourcesOf(t(), 'AWS::S3::Bucket')) {
      expect(bucket.Properties.AccessControl).toBeUndefined();
      expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('every bucket denies requests without TLS, on the bucket and on every object in it', () => {
    const buckets = resourcesOf(t(), 'AWS::S3::Bucket').map(([id]) => id);
    expect(buckets.length).toBeGreaterThan(0);
    for (const id of buckets) {
      const policy = resourcesOf(t(), 'AWS::S3::BucketPolicy').find(([, p]) => refOf(p.Properties.Bucket) === id);
      expect(policy).toBeDefined();
      const deny = (policy![1].Properties.PolicyDocument.Statement as Statement[]).find(
        (s) => s.Effect === 'Deny' && (s.Condition as any)?.Bool?.['aws:SecureTransport'] === 'false',
      );
      expect(deny).toMatchObject({ Action: 's3:*', Principal: { AWS: '*' } });
      const resources = JSON.stringify(deny!.Resource);
      expect(resources).toContain(`"Fn::GetAtt":["${id}","Arn"]`);
      expect(resources).toMatch(/"\/\*"/); // bucket ARN + "/*": the objects too
    }
  });

  it('every queue and every topic is encrypted and refuses requests without TLS', () => {
    const queues = resourcesOf(t(), 'AWS::SQS::Queue');
    const topics = resourcesOf(t(), 'AWS::SNS::Topic');
    expect(queues.length).toBeGreaterThanOrEqual(2);
    expect(topics.length).toBeGreaterThanOrEqual(1);
    for (const [id, queue] of queues) {
      expect({ id, encrypted: queue.Properties.SqsManagedSseEnabled === true || queue.Properties.KmsMasterKeyId !== undefined }).toEqual({
        id,
        encrypted: true,
      });
    }
    for (const [id, topic] of topics) expect({ id, key: topic.Properties.KmsMasterKeyId !== undefined }).toEqual({ id, key: true });
    const tlsDenied = (type: string, listProperty: string) =>
      resourcesOf(t(), type)
        .filter(([, p]) =>
          (p.Properties.PolicyDocument.Statement as Statement[]).some(
            (s) => s.Effect === 'Deny' && (s.Condition as any)?.Bool?.['aws:SecureTransport'] === 'false',
          ),
        )
        .flatMap(([, p]) => (p.Properties[listProperty] as unknown[]).map(refOf));
    expect(tlsDenied('AWS::SQS::QueuePolicy', 'Queues').sort()).toEqual(queues.map(([id]) => id).sort());
    expect(tlsDenied('AWS::SNS::TopicPolicy', 'Topics').sort()).toEqual(topics.map(([id]) => id).sort());
  });

  it('the function carries no credentials in its environment', () => {
    for (const [, fn] of resourcesOf(t(), 'AWS::Lambda::Function')) {
      const names = Object.keys(fn.Properties.Environment?.Variables ?? {});
      expect(names.filter((n) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$|SECRET|PASSWORD|TOKEN/i.test(n))).toEqual([]);
    }
  });
});
