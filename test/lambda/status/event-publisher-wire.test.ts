/**
 * The publisher against the local EventBridge over the wire, with the real `@aws-sdk/client-eventbridge`: which
 * per-entry failures it sends again and which it gives up on at once.
 */
import { EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { LocalIdentities } from '../../../local/emulator/identities';
import { EventBridgeEmulator } from '../../../local/eventbridge';
import { batchEntries } from '../../../lambda/status/event-batches';
import { EventPublisher } from '../../../lambda/status/event-publisher';

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDPUBLISHER0000001', secretAccessKey: 'publisher/secret+key=' };

let eventBridge: EventBridgeEmulator;
let sdk: EventBridgeClient;

beforeAll(async () => {
  eventBridge = await EventBridgeEmulator.start({ identities: new LocalIdentities([{ ...CREDENTIALS, accountId: '111122223333' }]) });
  sdk = new EventBridgeClient({ region: REGION, credentials: CREDENTIALS, endpoint: eventBridge.endpoint, maxAttempts: 1 });
});
afterAll(async () => {
  sdk.destroy();
  await eventBridge.stop();
});
beforeEach(() => {
  eventBridge.clear();
  eventBridge.faults.reset();
});

const valid = (n: number): PutEventsRequestEntry => ({
  Source: 'audience-jobs-exporter',
  DetailType: 'Change',
  Detail: JSON.stringify({ n }),
});
const publisher = () => new EventPublisher({ client: sdk, baseDelayMs: 1, maxDelayMs: 2, maxAttempts: 5 });

describe('EventPublisher over the wire', () => {
  it('a malformed detail (MalformedDetail) and a missing source (InvalidArgument) fail at once; a throttled entry is sent again', async () => {
    const malformed: PutEventsRequestEntry = { ...valid(2), Detail: '{"n":' };
    const noSource: PutEventsRequestEntry = { ...valid(3), Source: undefined };
    // The next accepted entry (the first valid one) is throttled once.
    eventBridge.faults.failEntries(1, { errorCode: 'ThrottlingException' });

    const result = await publisher().publish(batchEntries([valid(1), malformed, noSource, valid(4)]));

    expect(result).toEqual({ sent: 2, failed: 2, errorCodes: { MalformedDetail: 1, InvalidArgument: 1 } });
    // Two requests: the four entries, then the throttled one alone; the permanent failures are not sent again.
    expect(eventBridge.requests.map((r) => [r.entries, r.failedEntryCount])).toEqual([
      [4, 3],
      [1, 0],
    ]);
    expect(eventBridge.events.map((e) => e.detail.n).sort()).toEqual([1, 4]);
  });

  it('InternalFailure is transient: sent again until accepted', async () => {
    eventBridge.faults.failEntries(3, { errorCode: 'InternalFailure' });
    const result = await publisher().publish(batchEntries([valid(1)]));
    expect(result).toEqual({ sent: 1, failed: 0, errorCodes: {} });
    expect(eventBridge.requests).toHaveLength(4);
  });
});
