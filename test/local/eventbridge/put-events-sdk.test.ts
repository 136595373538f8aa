/**
 * The local EventBridge over the wire, with the real `@aws-sdk/client-eventbridge`, its endpoint given the way the
 * exporter gets it: AWS_ENDPOINT_URL_EVENTBRIDGE, nothing in the client's configuration.
 */
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EventBridgeEmulator, entrySize, MAX_REQUEST_BYTES } from '../../../local/eventbridge';
import { LocalIdentities } from '../../../local/emulator/identities';

const REGION = 'eu-west-1';
const ACCOUNT = '111122223333';
const CREDENTIALS = { accessKeyId: 'AKIDEVENTS0000000001', secretAccessKey: 'events/secret+key=' };
const SOURCE = 'audience-jobs-exporter';
const DETAIL_TYPE = 'Audience Generation Job Status Change';

let eventBridge: EventBridgeEmulator;
const identities = new LocalIdentities([{ ...CREDENTIALS, accountId: ACCOUNT }]);
const saved = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;

beforeAll(async () => {
  eventBridge = await EventBridgeEmulator.start({ identities, region: REGION, buses: ['audience-jobs'] });
  process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.endpoint;
});
afterAll(async () => {
  if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
  else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = saved;
  await eventBridge.stop();
});
beforeEach(() => {
  eventBridge.clear();
  eventBridge.faults.reset();
});

/** A client as the exporter makes one: Region and credentials only; the endpoint comes from the environment. */
function client(overrides: { credentials?: typeof CREDENTIALS; maxAttempts?: number } = {}): EventBridgeClient {
  return new EventBridgeClient({
    region: REGION,
    credentials: overrides.credentials ?? CREDENTIALS,
    maxAttempts: overrides.maxAttempts ?? 1,
  });
}

function entry(detail: Record<string, unknown>, extra: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return { Source: SOURCE, DetailType: DETAIL_TYPE, Detail: JSON.stringify(detail), ...extra };
}

describe('local EventBridge: PutEvents with @aws-sdk/client-eventbridge', () => {
  it('is reached through AWS_ENDPOINT_URL_EVENTBRIDGE, signed for events in the Region, as awsJson1_1', async () => {
    const sdk = client();
    const answer = await sdk.send(new PutEventsCommand({ Entries: [entry({ n: 1 })] }));

    expect(answer.FailedEntryCount).toBe(0);
    expect(eventBridge.requests).toHaveLength(1);
    const [request] = eventBridge.requests;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/',
      target: 'AWSEvents.PutEvents',
      status: 200,
      accountId: ACCOUNT,
      region: REGION,
    });
    expect(request.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(request.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/\\d{8}/${REGION}/events/aws4_request`),
    );
    sdk.destroy();
  });

  it('accepts events, answers an EventId each, and records them with their bus, parsed detail and time', async () => {
    const sdk = client();
    const time = new Date('2026-11-28T09:00:00.000Z');
    const resource = 'arn:aws:cleanrooms-ml:eu-west-1:111122223333:audience-generation-job/3b9c';
    const answer = await sdk.send(
      new PutEventsCommand({
        Entries: [
          entry({ change: 'created', name: 'job-1', status_details: null }, { Time: time, Resources: [resource] }),
          entry({ change: 'removed' }, { EventBusName: 'audience-jobs' }),
          entry({ change: 'status_changed' }, { EventBusName: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/audience-jobs` }),
        ],
      }),
    );

    expect(answer.FailedEntryCount).toBe(0);
    expect(answer.Entries).toHaveLength(3);
    const ids = answer.Entries!.map((e) => e.EventId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(eventBridge.events.map((e) => e.eventId)).toEqual(ids);
    const [first, second, third] = eventBridge.events;
    expect(first).toMatchObject({
      eventBusName: 'default',
      eventBusArn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
      source: SOURCE,
      detailType: DETAIL_TYPE,
      detail: { change: 'created', name: 'job-1', status_details: null },
      resources: [resource],
      time: '2026-11-28T09:00:00Z',
      timeGiven: true,
    });
    expect(first.event).toEqual({
      version: '0',
      id: ids[0],
      'detail-type': DETAIL_TYPE,
      source: SOURCE,
      account: ACCOUNT,
      time: '2026-11-28T09:00:00Z',
      region: REGION,
      resources: [resource],
      detail: { change: 'created', name: 'job-1', status_details: null },
    });
    expect(second).toMatchObject({ eventBusName: 'audience-jobs', timeGiven: false, resources: [] });
    expect(Math.abs(Date.parse(second.time) - Date.now())).toBeLessThan(5_000);
    // A bus ARN names the same bus.
    expect(third.eventBusName).toBe('audience-jobs');
    expect(eventBridge.eventsOn('audience-jobs')).toHaveLength(2);
    sdk.destroy();
  });

  it('reports entries that fail validation one by one, in order, beside the accepted ones', async () => {
    const sdk = client();
    const answer = await sdk.send(
      new PutEventsCommand({
        Entries: [
          entry({ ok: 1 }),
          { DetailType: DETAIL_TYPE, Detail: '{}' },
          { Source: SOURCE, Detail: '{}' },
          { Source: SOURCE, DetailType: DETAIL_TYPE },
          { Source: SOURCE, DetailType: DETAIL_TYPE, Detail: '{"not json' },
          { Source: SOURCE, DetailType: DETAIL_TYPE, Detail: '["an array"]' },
          entry({ ok: 2 }),
        ],
      }),
    );

    expect(answer.FailedEntryCount).toBe(5);
    expect(answer.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'InvalidArgument',
      'InvalidArgument',
      'InvalidArgument',
      'MalformedDetail',
      'MalformedDetail',
      'ok',
    ]);
    expect(answer.Entries![1].ErrorMessage).toBe('Parameter Source is not valid. Reason: Source is a required argument.');
    expect(answer.Entries![2].ErrorMessage).toBe('Parameter DetailType is not valid. Reason: DetailType is a required argument.');
    expect(answer.Entries![3].ErrorMessage).toBe('Parameter Detail is not valid. Reason: Detail is a required argument.');
    expect(answer.Entries![4].ErrorMessage).toBe('Detail is malformed.');
    expect(eventBridge.events.map((e) => e.detail)).toEqual([{ ok: 1 }, { ok: 2 }]);
    sdk.destroy();
  });

  it('partial failures: failEntries fails the next entries that would be accepted, with the retryable code asked for', async () => {
    const sdk = client();
    eventBridge.faults.failEntries(2, { errorCode: 'ThrottlingException' });
    const first = await sdk.send(
      new PutEventsCommand({ Entries: [entry({ i: 0 }), { Source: SOURCE, DetailType: DETAIL_TYPE }, entry({ i: 1 }), entry({ i: 2 })] }),
    );

    // The invalid entry takes no fault: entries 0 and 1 are throttled, 2 goes through.
    expect(first.FailedEntryCount).toBe(3);
    expect(first.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual(['ThrottlingException', 'InvalidArgument', 'ThrottlingException', 'ok']);
    expect(first.Entries![0].ErrorMessage).toBe('Rate exceeded.');
    expect(eventBridge.events.map((e) => e.detail)).toEqual([{ i: 2 }]);
    expect(eventBridge.requests[0]).toMatchObject({ status: 200, failedEntryCount: 3, fault: 'entries', entries: 4 });

    eventBridge.faults.failEntries(1);
    const second = await sdk.send(new PutEventsCommand({ Entries: [entry({ i: 3 }), entry({ i: 4 })] }));
    expect(second.Entries!.map((e) => e.ErrorCode ?? 'ok')).toEqual(['InternalFailure', 'ok']);
    sdk.destroy();
  });

  it('failAlways fails every entry until reset; failRequests fails whole requests (the SDK retries 5xx)', async () => {
    const sdk = client();
    eventBridge.faults.failAlways();
    for (let i = 0; i < 2; i++) {
      const answer = await sdk.send(new PutEventsCommand({ Entries: [entry({ i }), entry({ i })] }));
      expect(answer.FailedEntryCount).toBe(2);
    }
    eventBridge.faults.reset();
    expect((await sdk.send(new PutEventsCommand({ Entries: [entry({})] }))).FailedEntryCount).toBe(0);

    eventBridge.clear();
    eventBridge.faults.failRequests(1);
    await expect(sdk.send(new PutEventsCommand({ Entries: [entry({})] }))).rejects.toMatchObject({
      name: 'InternalException',
      $metadata: { httpStatusCode: 500 },
    });
    expect(eventBridge.events).toHaveLength(0);

    const retrying = client({ maxAttempts: 3 });
    eventBridge.faults.failRequests(2, 503);
    const answer = await retrying.send(new PutEventsCommand({ Entries: [entry({ retried: true })] }));
    expect(answer.FailedEntryCount).toBe(0);
    expect(eventBridge.requests.slice(1).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(eventBridge.events.map((e) => e.detail)).toEqual([{ retried: true }]);

    eventBridge.faults.failAlways({ status: 502 });
    await expect(sdk.send(new PutEventsCommand({ Entries: [entry({})] }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 502 } });
    sdk.destroy();
    retrying.destroy();
  });

  it('count limits: 0 or 11 entries are a ValidationException (400), 10 are accepted', async () => {
    const sdk = client();
    await expect(sdk.send(new PutEventsCommand({ Entries: [] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length greater than or equal to 1'),
      $metadata: { httpStatusCode: 400 },
    });
    const eleven = Array.from({ length: 11 }, (_, i) => entry({ i }));
    await expect(sdk.send(new PutEventsCommand({ Entries: eleven }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Member must have length less than or equal to 10'),
    });
    expect(eventBridge.events).toHaveLength(0);
    const ten = await sdk.send(new PutEventsCommand({ Entries: eleven.slice(0, 10) }));
    expect(ten.FailedEntryCount).toBe(0);
    expect(eventBridge.events).toHaveLength(10);
    sdk.destroy();
  });

  it('size limit: less than 256 KB in all, sized as AWS sizes entries (Time 14 bytes, UTF-8 of Source, DetailType, Detail, Resources)', async () => {
    const sdk = client();
    const resources = ['arn:aws:cleanrooms-ml:eu-west-1:111122223333:audience-generation-job/é'];
    const base = entry({ text: '' }, { Time: new Date('2026-11-28T09:00:00Z'), Resources: resources });
    const fixed = 14 + SOURCE.length + DETAIL_TYPE.length + Buffer.byteLength(resources[0]) + Buffer.byteLength(base.Detail!);
    // Two entries; the second's text fills the request to one byte under the limit, in 3-byte characters plus ASCII.
    const room = MAX_REQUEST_BYTES - 1 - 2 * fixed;
    const filler = '€'.repeat(Math.floor(room / 3)) + 'x'.repeat(room % 3);
    const underByOne = [base, entry({ text: filler }, { Time: base.Time, Resources: resources })];
    const sizes = underByOne.map((e) => entrySize({ ...e, Time: 0 }));
    expect(sizes[0]).toBe(fixed);
    expect(sizes[0] + sizes[1]).toBe(MAX_REQUEST_BYTES - 1);

    expect((await sdk.send(new PutEventsCommand({ Entries: underByOne }))).FailedEntryCount).toBe(0);
    // "The total entry size must be less than 256KB": exactly 262,144 bytes is refused, as AWS does.
    const atLimit = [base, entry({ text: `${filler}x` }, { Time: base.Time, Resources: resources })];
    expect(atLimit.reduce((n, e) => n + entrySize({ ...e, Time: 0 }), 0)).toBe(MAX_REQUEST_BYTES);
    await expect(sdk.send(new PutEventsCommand({ Entries: atLimit }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
      $metadata: { httpStatusCode: 400 },
    });
    // Without Time, the same entries are 28 bytes smaller: they fit again.
    const withoutTime = atLimit.map(({ Time: _time, ...rest }) => rest);
    expect((await sdk.send(new PutEventsCommand({ Entries: withoutTime }))).FailedEntryCount).toBe(0);
    expect(eventBridge.events).toHaveLength(4);
    sdk.destroy();
  });

  it('a bus that does not exist: the entry gets an EventId and is dropped, as AWS does; unknownBus "fail" fails it', async () => {
    const sdk = client();
    const answer = await sdk.send(new PutEventsCommand({ Entries: [entry({ lost: true }, { EventBusName: 'no-such-bus' })] }));
    expect(answer.FailedEntryCount).toBe(0);
    expect(answer.Entries![0].EventId).toBeTruthy();
    expect(eventBridge.events).toHaveLength(0);
    expect(eventBridge.dropped.map((e) => [e.eventBusName, e.detail])).toEqual([['no-such-bus', { lost: true }]]);

    const strict = await EventBridgeEmulator.start({ identities, unknownBus: 'fail' });
    const strictClient = new EventBridgeClient({ region: REGION, credentials: CREDENTIALS, endpoint: strict.endpoint });
    try {
      const failed = await strictClient.send(
        new PutEventsCommand({
          Entries: [
            entry({}, { EventBusName: 'no-such-bus' }),
            entry({}, { EventBusName: `arn:aws:events:${REGION}:444455556666:event-bus/default` }),
          ],
        }),
      );
      expect(failed.FailedEntryCount).toBe(2);
      expect(failed.Entries).toEqual([
        { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus no-such-bus does not exist.' },
        { ErrorCode: 'AccessDeniedException', ErrorMessage: expect.stringContaining('is not authorized to perform: events:PutEvents') },
      ]);
    } finally {
      strictClient.destroy();
      await strict.stop();
    }
    sdk.destroy();
  });

  it('refuses a wrong signature (InvalidSignatureException) and an unknown key (UnrecognizedClientException); records nothing', async () => {
    const wrongSecret = client({ credentials: { ...CREDENTIALS, secretAccessKey: 'not-the-secret' } });
    await expect(wrongSecret.send(new PutEventsCommand({ Entries: [entry({})] }))).rejects.toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringContaining('The request signature we calculated does not match the signature you provided'),
      $metadata: { httpStatusCode: 400 },
    });
    const unknownKey = client({ credentials: { accessKeyId: 'AKIDUNKNOWN000000000', secretAccessKey: 'x' } });
    await expect(unknownKey.send(new PutEventsCommand({ Entries: [entry({})] }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    expect(eventBridge.events).toHaveLength(0);
    expect(eventBridge.requests.map((r) => r.errorType)).toEqual(['InvalidSignatureException', 'UnrecognizedClientException']);
    wrongSecret.destroy();
    unknownKey.destroy();
  });

  it('accepts credentials added to the shared registry later (as STS adds the ones it issues), under their account', async () => {
    const temporary = { accessKeyId: 'ASIATEMPORARY0000001', secretAccessKey: 'temp', sessionToken: 'session-token' };
    identities.add({ ...temporary, accountId: '444455556666' });
    const sdk = new EventBridgeClient({ region: REGION, credentials: temporary });
    await sdk.send(new PutEventsCommand({ Entries: [entry({})] }));
    expect(eventBridge.events[0]).toMatchObject({ accountId: '444455556666', event: { account: '444455556666' } });
    sdk.destroy();
  });

  it('counts everything; maxRecorded keeps only the latest events and requests', async () => {
    const small = await EventBridgeEmulator.start({ identities, maxRecorded: 2 });
    const sdk = new EventBridgeClient({ region: REGION, credentials: CREDENTIALS, endpoint: small.endpoint });
    try {
      small.faults.failEntries(1);
      for (let i = 0; i < 3; i++) await sdk.send(new PutEventsCommand({ Entries: [entry({ i }), entry({ i }, { EventBusName: 'gone' })] }));
      expect(small.counts).toEqual({ requests: 3, accepted: 2, dropped: 3, failedEntries: 1 });
      expect(small.events.map((e) => e.detail)).toEqual([{ i: 1 }, { i: 2 }]);
      expect(small.dropped).toHaveLength(2);
      expect(small.requests).toHaveLength(2);
      small.clear();
      expect(small.counts).toEqual({ requests: 0, accepted: 0, dropped: 0, failedEntries: 0 });
    } finally {
      sdk.destroy();
      await small.stop();
    }
  });

  it('answers other operations UnknownOperationException', async () => {
    const { ListEventBusesCommand } = await import('@aws-sdk/client-eventbridge');
    const sdk = client();
    await expect(sdk.send(new ListEventBusesCommand({}))).rejects.toMatchObject({
      name: 'UnknownOperationException',
      $metadata: { httpStatusCode: 400 },
    });
    sdk.destroy();
  });
});
