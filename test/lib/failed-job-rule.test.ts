/**
 * The stack's failed-job rule and the handler's status-change events agree: events built by the handler's own code
 * (lambda/status/status-event.ts) are matched against the synthesized rule's event pattern, and the message its input
 * transformer makes of them is rendered, both with the local EventBridge's pure evaluators (local/eventbridge).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { statusEventDetail, statusEventEntry, type StatusChange } from '../../lambda/status/status-event';
import { AudienceJobsExporterStack } from '../../lib/audience-jobs-exporter-stack';
import { parseStackConfig } from '../../lib/config';
import { matchesEventPattern, renderInputTransformer, type EventPattern, type InputTransformer } from '../../local/eventbridge';

const ROOT = path.resolve(__dirname, '..', '..');
const CDK_JSON_CONTEXT = JSON.parse(fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const COLLABORATION = '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01';
const OWNER = { accountId: '444455556666', region: 'eu-west-1', collaborationId: COLLABORATION };
const JOB_ARN = 'arn:aws:cleanrooms-ml:eu-west-1:444455556666:audience-generation-job/0b6f7c1e-aaaa-4bbb-8ccc-123456789012';
const SNAPSHOT_TIME = '2026-11-28T10:00:00.000Z';
const PREVIOUS_TIME = '2026-11-28T09:00:00.000Z';

let pattern: EventPattern;
let transformer: InputTransformer;

beforeAll(() => {
  process.env.CDK_DOCKER = '/nonexistent/docker-must-not-be-used';
  const app = new App({ context: { ...CDK_JSON_CONTEXT, collaborationIds: COLLABORATION, 'aws:cdk:bundling-stacks': [] } });
  const stack = new AudienceJobsExporterStack(app, 'AudienceJobsExporter', {
    config: parseStackConfig((key) => app.node.tryGetContext(key)),
  });
  const rules = Object.values(Template.fromStack(stack).findResources('AWS::Events::Rule')) as {
    Properties: { EventPattern: EventPattern; Targets: { InputTransformer: InputTransformer }[] };
  }[];
  expect(rules).toHaveLength(1);
  const [rule] = rules;
  pattern = rule.Properties.EventPattern;
  expect(rule.Properties.Targets).toHaveLength(1);
  transformer = rule.Properties.Targets[0].InputTransformer;
});

/** The event as EventBridge delivers it to the rule: the handler's PutEvents entry in its envelope. */
function event(
  change: StatusChange,
  status: string,
  previousStatus: string | null,
  statusDetails: { status_code: string | null; message: string | null } | null,
) {
  const detail = statusEventDetail(
    change,
    {
      audience_generation_job_arn: JOB_ARN,
      name: 'lookalike-q4',
      status,
      status_details: statusDetails,
      update_time: '2026-11-28T09:41:07.000Z',
    },
    previousStatus,
    { owner: OWNER, snapshotTime: SNAPSHOT_TIME, previousSnapshotTime: PREVIOUS_TIME },
  );
  const entry = statusEventEntry(detail, 'default', new Date(SNAPSHOT_TIME));
  return {
    version: '0',
    id: '6f8e2c4a-1111-2222-3333-444455556666',
    'detail-type': entry.DetailType!,
    source: entry.Source!,
    account: '111122223333',
    time: '2026-11-28T10:00:00Z',
    region: 'us-east-1',
    resources: entry.Resources!,
    detail: JSON.parse(entry.Detail!) as Record<string, unknown>,
  };
}

const FAILED = { status_code: 'INTERNAL_ERROR', message: 'Could not delete the audience: the output location is not empty.' };

describe("the failed-job rule over the handler's events", () => {
  it.each([
    ['created', 'CREATE_FAILED', null, true],
    ['created', 'DELETE_FAILED', null, true],
    ['status_changed', 'DELETE_FAILED', 'DELETE_PENDING', true],
    ['status_changed', 'CREATE_FAILED', 'CREATE_PENDING', true],
    ['status_changed', 'ACTIVE', 'CREATE_PENDING', false],
    ['status_changed', 'DELETE_PENDING', 'DELETE_FAILED', false],
    ['created', 'ACTIVE', null, false],
    // The delete of a DELETE_FAILED job completed: good news, no page.
    ['removed', 'DELETE_FAILED', 'DELETE_FAILED', false],
  ] as const)('%s, now %s (was %s): matched %s', (change, status, previous, matched) => {
    expect(matchesEventPattern(pattern, event(change, status, previous, status.endsWith('_FAILED') ? FAILED : null))).toBe(matched);
  });

  it("matches only the exporter's source and detail type", () => {
    const e = event('status_changed', 'DELETE_FAILED', 'DELETE_PENDING', FAILED);
    expect(matchesEventPattern(pattern, { ...e, source: 'someone-else' })).toBe(false);
    expect(matchesEventPattern(pattern, { ...e, 'detail-type': 'Something Else' })).toBe(false);
  });

  it('renders a message a person can act on: plain lines, job, collaboration, account, Region, status details, runbook', () => {
    const message = renderInputTransformer(transformer, event('status_changed', 'DELETE_FAILED', 'DELETE_PENDING', FAILED));
    const lines = message.split('\n');
    expect(lines[0]).toBe('Audience generation job lookalike-q4 is now DELETE_FAILED.');
    expect(lines).toEqual(
      expect.arrayContaining([
        'Job name: lookalike-q4',
        `Job ARN: ${JOB_ARN}`,
        `Collaboration: ${COLLABORATION}`,
        "Listed from account: 444455556666 (the job's own account is in its ARN)",
        'Region: eu-west-1',
        'Status: DELETE_FAILED',
        'Status code: INTERNAL_ERROR',
        `Status message: ${FAILED.message}`,
        'Change: status_changed (previous status: DELETE_PENDING; a created job is new since the previous snapshot)',
        'Job last updated: 2026-11-28T09:41:07.000Z',
        `Snapshot: ${SNAPSHOT_TIME}`,
        'Runbook: docs/runbook.md#new-failed-job',
      ]),
    );
    expect(lines.find((l) => l.startsWith('Event id: '))).toMatch(
      /^Event id: [0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(message).not.toMatch(/^["{]/);
  });

  it('a new job without status details: the missing values come out empty, the previous status as null', () => {
    const message = renderInputTransformer(transformer, event('created', 'CREATE_FAILED', null, null));
    expect(message.split('\n')).toEqual(
      expect.arrayContaining([
        'Status: CREATE_FAILED',
        'Status code: ',
        'Status message: ',
        'Change: created (previous status: null; a created job is new since the previous snapshot)',
      ]),
    );
  });
});
