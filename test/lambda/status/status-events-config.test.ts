import { loadExporterConfig } from '../../../lambda/export/config';
import { ConfigurationError } from '../../../lambda/config-rules/configuration-error';
import {
  DEFAULT_EVENT_BUS_NAME,
  eventBusNameProblem,
  isEventBusArn,
  statusEventsProblem,
} from '../../../lambda/config-rules/event-bus-name';

const VALID = { COLLABORATION_IDS: '3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01', SNAPSHOT_BUCKET: 'my-snapshots', AWS_REGION: 'us-east-1' };

function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    loadExporterConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as ConfigurationError).problems;
  }
  throw new Error('expected a ConfigurationError');
}

describe('STATUS_EVENTS and EVENT_BUS_NAME', () => {
  it('default: events on, to the default bus; empty means unset', () => {
    expect(loadExporterConfig(VALID)).toMatchObject({ statusEvents: true, eventBusName: 'default' });
    expect(loadExporterConfig({ ...VALID, STATUS_EVENTS: '', EVENT_BUS_NAME: '' })).toMatchObject({
      statusEvents: true,
      eventBusName: 'default',
    });
    expect(DEFAULT_EVENT_BUS_NAME).toBe('default');
  });

  it('STATUS_EVENTS on or off', () => {
    expect(loadExporterConfig({ ...VALID, STATUS_EVENTS: 'on' }).statusEvents).toBe(true);
    expect(loadExporterConfig({ ...VALID, STATUS_EVENTS: 'off' }).statusEvents).toBe(false);
  });

  it.each(['yes', 'ON', 'Off', 'true', '0', ' on'])('STATUS_EVENTS %j is a configuration error naming the value', (value) => {
    expect(problemsOf({ ...VALID, STATUS_EVENTS: value })).toEqual([`STATUS_EVENTS ${JSON.stringify(value)} must be on or off`]);
    expect(statusEventsProblem(value)).toBe('must be on or off');
  });

  it.each([
    'default',
    'audience-jobs',
    'team/bus_1.events',
    'aws.partner/example.com/123/abc',
    'x'.repeat(256),
    'arn:aws:events:eu-west-1:111122223333:event-bus/default',
    'arn:aws-us-gov:events:us-gov-west-1:111122223333:event-bus/my-bus',
  ])('EVENT_BUS_NAME %s is a bus name or ARN', (value) => {
    expect(loadExporterConfig({ ...VALID, EVENT_BUS_NAME: value }).eventBusName).toBe(value);
    expect(eventBusNameProblem(value)).toBeUndefined();
  });

  it.each([
    ['a name with a space', 'my bus', 'must be 1 to 256'],
    ['a name too long', 'x'.repeat(257), 'must be 1 to 256'],
    ['a rule ARN', 'arn:aws:events:eu-west-1:111122223333:rule/my-rule', 'must be an event bus ARN'],
    ['an ARN without account', 'arn:aws:events:eu-west-1::event-bus/default', 'must be an event bus ARN'],
    ['an SNS ARN', 'arn:aws:sns:eu-west-1:111122223333:topic', 'must be an event bus ARN'],
  ])('EVENT_BUS_NAME: %s is a configuration error naming the value', (_what, value, problem) => {
    const [message] = problemsOf({ ...VALID, EVENT_BUS_NAME: value });
    expect(message).toContain(`EVENT_BUS_NAME ${JSON.stringify(value)} ${problem}`);
  });

  it('every problem at once', () => {
    expect(problemsOf({ ...VALID, STATUS_EVENTS: 'maybe', EVENT_BUS_NAME: 'a b' })).toHaveLength(2);
  });

  it('isEventBusArn tells an ARN (valid or not) from a name', () => {
    expect(isEventBusArn('arn:aws:events:eu-west-1:111122223333:event-bus/x')).toBe(true);
    expect(isEventBusArn('arn:nonsense')).toBe(true);
    expect(isEventBusArn('default')).toBe(false);
  });
});
