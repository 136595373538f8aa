/** The template's EventBridge rules as npm start reads them, and what it prints of them (no synth: small templates). */
import type { EventBridgeEvent } from '../../../local/eventbridge';
import { functionSettings, LOCAL_CONTEXT, resolveValue, type CfnTemplate } from '../../../local/lambda-runtime';
import { deliveries, eventRules, matchingEvents } from '../../../local/start/event-rules';
import { rulesSection } from '../../../local/start/report';
import { compareWithChanges, type PlannedChange } from '../../../local/start/status-changes';

const CONTEXT = { accountId: '111122223333', region: 'us-east-1', stackName: 'AudienceJobsExporter' };
const PATTERN = {
  source: ['audience-jobs-exporter'],
  'detail-type': ['Audience Generation Job Status Change'],
  detail: { change: ['created', 'status_changed'], status: ['DELETE_FAILED', 'CREATE_FAILED'] },
};

function template(ruleProperties: Record<string, unknown>): CfnTemplate {
  return {
    Resources: {
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'audience-jobs' } },
      Topic: { Type: 'AWS::SNS::Topic', Properties: {} },
      WorkGroup: { Type: 'AWS::Athena::WorkGroup', Properties: { Name: 'audience-jobs' } },
      Rule: { Type: 'AWS::Events::Rule', Properties: ruleProperties },
      Schedule: { Type: 'AWS::Events::Rule', Properties: { ScheduleExpression: 'rate(1 hour)' } },
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          Environment: { Variables: { EVENT_BUS_NAME: { Ref: 'Bus' }, BUS_ARN: { 'Fn::GetAtt': ['Bus', 'Arn'] } } },
          Timeout: 900,
          MemorySize: 512,
        },
      },
    },
  };
}

function event(detail: Record<string, unknown>): EventBridgeEvent {
  return {
    version: '0',
    id: `id-${String(detail.name)}`,
    'detail-type': 'Audience Generation Job Status Change',
    source: 'audience-jobs-exporter',
    account: '111122223333',
    time: '2026-11-28T09:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

const RULE = {
  Name: 'AudienceJobsExporter-NewFailedJob',
  EventBusName: { Ref: 'Bus' },
  EventPattern: PATTERN,
  State: 'ENABLED',
  Targets: [
    {
      Id: 'AlarmTopic',
      Arn: { Ref: 'Topic' },
      InputTransformer: {
        InputPathsMap: { name: '$.detail.name', status: '$.detail.status', code: '$.detail.status_details.status_code' },
        InputTemplate: {
          'Fn::Join': ['', ['Job <name> is now <status> (<code>).\nWorkgroup ', { Ref: 'WorkGroup' }, ', rule <aws.events.rule-name>']],
        },
      },
    },
  ],
};

describe('eventRules: the rules of a template, resolved', () => {
  it('reads the pattern, the bus, the targets and their input transformer, intrinsic functions resolved', () => {
    const [rule, ...others] = eventRules(template(RULE), CONTEXT);
    expect(others).toHaveLength(0); // the scheduled rule has no event pattern
    expect(rule).toEqual({
      logicalId: 'Rule',
      name: 'AudienceJobsExporter-NewFailedJob',
      arn: 'arn:aws:events:us-east-1:111122223333:rule/audience-jobs/AudienceJobsExporter-NewFailedJob',
      eventBusName: 'audience-jobs',
      eventPattern: PATTERN,
      enabled: true,
      targets: [
        {
          id: 'AlarmTopic',
          arn: 'arn:aws:sns:us-east-1:111122223333:Topic',
          inputTransformer: {
            InputPathsMap: RULE.Targets[0].InputTransformer.InputPathsMap,
            InputTemplate: 'Job <name> is now <status> (<code>).\nWorkgroup audience-jobs, rule <aws.events.rule-name>',
          },
        },
      ],
    });
  });

  it('matches the events of its bus only, and renders what each target receives', () => {
    const [rule] = eventRules(template(RULE), CONTEXT);
    const failed = event({ change: 'status_changed', name: 'job-1', status: 'DELETE_FAILED', status_details: { status_code: 'E1' } });
    const events = [
      { eventBusName: 'audience-jobs', event: failed },
      { eventBusName: 'audience-jobs', event: event({ change: 'status_changed', name: 'job-2', status: 'ACTIVE' }) },
      { eventBusName: 'default', event: event({ change: 'created', name: 'job-3', status: 'CREATE_FAILED' }) },
      { eventBusName: 'audience-jobs', event: event({ change: 'created', name: 'job-4', status: 'CREATE_FAILED', status_details: null }) },
    ];
    const matched = matchingEvents(rule, events);
    expect(matched.map((e) => e.detail.name)).toEqual(['job-1', 'job-4']);
    expect(deliveries(rule, matched).map((d) => d.message)).toEqual([
      'Job job-1 is now DELETE_FAILED (E1).\nWorkgroup audience-jobs, rule AudienceJobsExporter-NewFailedJob',
      'Job job-4 is now CREATE_FAILED ().\nWorkgroup audience-jobs, rule AudienceJobsExporter-NewFailedJob',
    ]);
    expect(matchingEvents({ ...rule, enabled: false }, events)).toEqual([]);
  });

  it('a rule without EventBusName is on the default bus; a pattern given as a JSON string is parsed', () => {
    const [rule] = eventRules(template({ ...RULE, EventBusName: undefined, EventPattern: JSON.stringify(PATTERN) }), CONTEXT);
    expect(rule).toMatchObject({
      eventBusName: 'default',
      eventPattern: PATTERN,
      arn: 'arn:aws:events:us-east-1:111122223333:rule/AudienceJobsExporter-NewFailedJob',
    });
  });

  it('rulesSection: says so when the template has no rule, else prints each delivery under its rule', () => {
    expect(rulesSection([], 4)).toEqual(["The stack's EventBridge rules on these events: no rule in the template."]);
    const [rule] = eventRules(template(RULE), CONTEXT);
    const matched = [event({ change: 'created', name: 'job-4', status: 'CREATE_FAILED', previous_status: null })];
    const lines = rulesSection([{ rule: rule, deliveries: deliveries(rule, matched) }], 4);
    expect(lines[0]).toBe('Rule AudienceJobsExporter-NewFailedJob (bus audience-jobs): matches 1 of 4 events');
    expect(lines).toContain('  → AlarmTopic (arn:aws:sns:us-east-1:111122223333:Topic) receives, for created job-4 (new → CREATE_FAILED):');
    expect(lines).toContain('      │ Job job-4 is now CREATE_FAILED ().');
  });
});

describe('template values in the function environment', () => {
  it('functionSettings resolves an event bus of the stack (Ref: its name; GetAtt Arn: its ARN) besides plain strings', () => {
    const settings = functionSettings(template(RULE), 'Fn', 'local-bucket', LOCAL_CONTEXT);
    expect(settings.variables).toEqual({
      EVENT_BUS_NAME: 'audience-jobs',
      BUS_ARN: 'arn:aws:events:us-east-1:111122223333:event-bus/audience-jobs',
    });
  });

  it('resolveValue: pseudo parameters, Fn::Sub, Fn::Select; unknown attributes stay readable', () => {
    const t = template(RULE);
    expect(resolveValue({ 'Fn::Sub': 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${Topic.TopicName}' }, t, CONTEXT)).toBe(
      'arn:aws:sns:us-east-1:111122223333:Topic',
    );
    expect(resolveValue({ 'Fn::Select': [1, ['a', { Ref: 'AWS::StackName' }]] }, t, CONTEXT)).toBe('AudienceJobsExporter');
    expect(resolveValue({ 'Fn::GetAtt': ['WorkGroup', 'CreationTime'] }, t, CONTEXT)).toBe('<WorkGroup.CreationTime>');
  });
});

describe('compareWithChanges', () => {
  const change = (c: Partial<PlannedChange>): PlannedChange => ({
    change: 'status_changed',
    collaborationId: 'c',
    name: 'job',
    audienceGenerationJobArn: 'arn:1',
    previousStatus: 'ACTIVE',
    status: 'DELETE_PENDING',
    ...c,
  });
  const sent = (d: Record<string, unknown>) => ({
    detail: { change: 'status_changed', audience_generation_job_arn: 'arn:1', previous_status: 'ACTIVE', status: 'DELETE_PENDING', ...d },
  });

  it('pairs each change with one event; reports the missing and the unexpected (a duplicate included)', () => {
    const changes = [
      change({}),
      change({ change: 'created', audienceGenerationJobArn: 'arn:2', previousStatus: null, status: 'CREATE_PENDING' }),
    ];
    expect(
      compareWithChanges(changes, [
        sent({}),
        sent({ change: 'created', audience_generation_job_arn: 'arn:2', previous_status: null, status: 'CREATE_PENDING' }),
      ]),
    ).toEqual({
      missing: [],
      unexpected: [],
    });
    const check = compareWithChanges(changes, [sent({}), sent({})]);
    expect(check.missing).toEqual([changes[1]]);
    expect(check.unexpected).toHaveLength(1);
  });
});
