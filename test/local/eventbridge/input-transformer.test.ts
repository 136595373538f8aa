import { renderInputTransformer } from '../../../local/eventbridge';
import { readPath } from '../../../local/eventbridge/input-transformer';

/** The user guide's example event ("Amazon EventBridge input transformation"). */
const EC2_EVENT = {
  version: '0',
  id: '7bf73129-1428-4cd3-a780-95db273d1602',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2015-11-11T21:29:54Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111'],
  detail: { 'instance-id': 'i-0123456789', state: 'RUNNING' },
};
const PATHS = { timestamp: '$.time', instance: '$.detail.instance-id', state: '$.detail.state' };
const render = (template: string, paths: Record<string, string> = PATHS, event: Record<string, unknown> = EC2_EVENT) =>
  renderInputTransformer({ InputPathsMap: paths, InputTemplate: template }, event, {
    ruleArn: 'arn:aws:events:us-east-2:123456789012:rule/example',
    ruleName: 'example',
  });

describe('renderInputTransformer: the user guide examples', () => {
  it('simple string: the quotes stay, the values go in bare', () => {
    expect(render('"instance <instance> is in <state>"')).toBe('"instance i-0123456789 is in RUNNING"');
  });

  it('simple JSON: string values are quoted in value positions; the output is minified', () => {
    expect(render('{\n  "instance" : <instance>,\n  "state": <state>\n}')).toBe('{"instance":"i-0123456789","state":"RUNNING"}');
  });

  it('JSON with strings and variables: inside a string literal a value goes in bare', () => {
    expect(
      render('{\n "instance" : <instance>,\n "state": "<state>",\n "instanceStatus": "instance \\"<instance>\\" is in <state>"\n}'),
    ).toBe(JSON.stringify({ instance: 'i-0123456789', state: 'RUNNING', instanceStatus: 'instance "i-0123456789" is in RUNNING' }));
  });

  it('JSON with a mix of variables and static information', () => {
    expect(render('{\n  "instance" : <instance>,\n  "state": [ 9, <state>, true ],\n  "Transformed" : "Yes"\n}')).toBe(
      '{"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"}',
    );
  });

  it('reserved variables in JSON and in a string', () => {
    const { detail, ...withoutDetail } = EC2_EVENT;
    void detail;
    expect(
      JSON.parse(
        render(
          '{"ruleArn" : <aws.events.rule-arn>, "ruleName" : <aws.events.rule-name>, "originalEvent" : <aws.events.event>, "whole": <aws.events.event.json>}',
        ),
      ),
    ).toEqual({
      ruleArn: 'arn:aws:events:us-east-2:123456789012:rule/example',
      ruleName: 'example',
      originalEvent: withoutDetail,
      whole: EC2_EVENT,
    });
    expect(render('"<aws.events.rule-name> triggered"')).toBe('"example triggered"');
    expect(render('"at <aws.events.event.ingestion-time>"')).toBe('"at 2015-11-11T21:29:54Z"');
  });

  it('a plain-text template (no quotes, the API reference example): values go in bare, nothing is quoted', () => {
    expect(render('<instance> is in state <state>', { instance: '$.detail.instance-id', state: '$.detail.state' })).toBe(
      'i-0123456789 is in state RUNNING',
    );
    expect(render('Instance: <instance>\nState: <state>\n\nRunbook: docs/runbook.md#x')).toBe(
      'Instance: i-0123456789\nState: RUNNING\n\nRunbook: docs/runbook.md#x',
    );
  });

  it('multi-line text: several lines, each a quoted string, are delivered as lines without the quotes', () => {
    expect(render('"Instance <instance>"\n"is in <state>"\n""\n"at <timestamp>"')).toBe(
      'Instance i-0123456789\nis in RUNNING\n\nat 2015-11-11T21:29:54Z',
    );
  });
});

describe('renderInputTransformer: values of every kind, absent and null', () => {
  const event = {
    ...EC2_EVENT,
    detail: { name: 'job-7', count: 3, ok: false, nothing: null, details: { status_code: 'E', message: 'it "broke"' }, list: ['a', 'b'] },
  };
  const paths = {
    name: '$.detail.name',
    count: '$.detail.count',
    ok: '$.detail.ok',
    nothing: '$.detail.nothing',
    details: '$.detail.details',
    list: '$.detail.list',
    first: '$.detail.list[0]',
    missing: '$.detail.missing',
    deep: '$.detail.nothing.status_code',
    message: '$.detail.details.message',
  };

  it('in JSON value positions: numbers, booleans, null, objects as JSON; an absent path is null', () => {
    expect(
      JSON.parse(
        render(
          '{"n":<name>,"c":<count>,"o":<ok>,"z":<nothing>,"d":<details>,"l":<list>,"f":<first>,"m":<missing>,"x":<deep>}',
          paths,
          event,
        ),
      ),
    ).toEqual({
      n: 'job-7',
      c: 3,
      o: false,
      z: null,
      d: { status_code: 'E', message: 'it "broke"' },
      l: ['a', 'b'],
      f: 'a',
      m: null,
      x: null,
    });
  });

  it('as text: an absent path is nothing, null is "null", objects and arrays lose their quotes', () => {
    expect(render('n=<name> c=<count> o=<ok> z=<nothing> m=<missing> x=<deep> d=<details> l=<list>', paths, event)).toBe(
      'n=job-7 c=3 o=false z=null m= x= d={status_code:E,message:it \\broke\\} l=[a,b]',
    );
  });

  it('values are not escaped: a quote in a value breaks the JSON, which is then delivered as it is', () => {
    expect(render('{"message": "<message>"}', paths, event)).toBe('{"message": "it "broke""}');
  });

  it('leaves <text> that names no variable as it is', () => {
    expect(render('<b>bold</b> <name>', paths, event)).toBe('<b>bold</b> job-7');
  });
});

describe('readPath (EventBridge JSONPath subset)', () => {
  it('reads dot notation with dashes, array indices and wildcards', () => {
    expect(readPath(EC2_EVENT, '$')).toBe(EC2_EVENT);
    expect(readPath(EC2_EVENT, '$.detail-type')).toBe('EC2 Instance State-change Notification');
    expect(readPath(EC2_EVENT, '$.resources[0]')).toBe(EC2_EVENT.resources[0]);
    expect(readPath({ a: [{ b: 1 }, { b: 2 }, { c: 3 }] }, '$.a[*].b')).toEqual([1, 2]);
    expect(readPath({ a: { x: 1, y: 2 } }, '$.a.*')).toEqual([1, 2]);
  });

  it('rejects what EventBridge does not support', () => {
    expect(() => readPath(EC2_EVENT, "$['detail']")).toThrow(/unsupported JSONPath/);
    expect(() => readPath(EC2_EVENT, 'detail')).toThrow(/starts with \$/);
  });
});
