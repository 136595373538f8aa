/**
 * A local Amazon EventBridge endpoint for PutEvents, speaking awsJson1_1 over HTTP on 127.0.0.1 exactly as
 * `@aws-sdk/client-eventbridge` sends it (`POST /`, `X-Amz-Target: AWSEvents.PutEvents`,
 * `Content-Type: application/x-amz-json-1.1`), verifying SigV4 (signing name `events`) against a shared
 * `LocalIdentities` registry, checking the request as AWS does, and recording every event it accepts.
 *
 * Event buses: `default` exists; others are created with `addBus(name)`. `EventBusName` may be a name or a bus ARN
 * (of the caller's account and Region). An entry for a bus that does not exist is, as on AWS, answered with an
 * EventId and dropped (recorded in `dropped`, never in `events`): AWS has long done so (aws/aws-sdk#186,
 * aws/aws-cli#9186) and the API reference lists no per-entry error for it. `unknownBus: 'fail'` answers such
 * entries with a per-entry `ResourceNotFoundException` instead, for tests that want misrouting to be loud.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback-server';
import type { ServerErrorStatus } from '../emulator/faults';
import { LocalIdentities, keyMaterialOf, resolveDefaultIdentity, type LocalIdentity } from '../emulator/identities';
import { readReceivedRequest, type ReceivedRequest } from '../emulator/received-request';
import { RegionPolicy, type AcceptedRegions } from '../emulator/regions';
import { readCredentialScope, SigV4Verifier } from '../emulator/sigv4-verifier';
import { ServiceError } from '../emulator/wire';
import { EventBridgeFaults } from './faults';
import { checkEntry, EventBridgeError, eventTime, parsePutEventsRequest, type PutEventsRequestEntry } from './put-events';
import type { EventBridgeEvent, EventBridgeRecordedRequest, RecordedEvent } from './types';

/** The signing name of EventBridge. */
export const EVENTS_SIGNING_NAME = 'events';
export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';
export const JSON_1_1 = 'application/x-amz-json-1.1';
export const DEFAULT_BUS = 'default';
/** Names of custom buses, as CreateEventBus accepts them. */
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/([/.\-_A-Za-z0-9]{1,256})$/;

export interface EventBridgeEmulatorOptions {
  /** The credentials accepted, shared with the other local endpoints. Default: a registry of the example keys. */
  identities?: LocalIdentities;
  /** The default identity's credentials (`credentials`), registered under `accountId` unless already there. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  accountId?: string;
  /** Regions requests may be signed for; default `'any'`. */
  regions?: AcceptedRegions;
  /** The Region to give clients (`region`); default `us-east-1`. */
  region?: string;
  /** Custom buses that exist from the start, besides `default`. */
  buses?: readonly string[];
  /** What an entry for a bus that does not exist gets: `'drop'` (as AWS: an EventId, then nothing; default) or `'fail'`. */
  unknownBus?: 'drop' | 'fail';
  /** Port on 127.0.0.1; default 0, an ephemeral port. */
  port?: number;
  /** Verify SigV4 on every request; default true. */
  verifySignatures?: boolean;
  /**
   * Keep at most this many of the latest `events`, `dropped` and `requests` each (older ones are forgotten; `counts`
   * still counts them). For long benchmark runs whose events are not inspected one by one. Default: keep all.
   */
  maxRecorded?: number;
}

/** Running totals since start (or the last `clear()`), whatever `maxRecorded` keeps. */
export interface EventBridgeCounts {
  requests: number;
  /** Events accepted onto an existing bus. */
  accepted: number;
  /** Events accepted for a bus that does not exist, and dropped. */
  dropped: number;
  /** Entries answered with an ErrorCode. */
  failedEntries: number;
}

interface Answer {
  status: number;
  body: unknown;
  errorType?: string;
  html?: string;
}

/**
 * ```ts
 * const eventBridge = await EventBridgeEmulator.start({ identities });
 * process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.endpoint;
 * eventBridge.faults.failEntries(2, { errorCode: 'ThrottlingException' });
 * // ... then assert on eventBridge.events and eventBridge.requests
 * await eventBridge.stop();
 * ```
 */
export class EventBridgeEmulator {
  /** Every event accepted onto an existing bus, in arrival order. */
  readonly events: RecordedEvent[] = [];
  /** Events accepted for a bus that does not exist, and discarded (see `unknownBus`). */
  readonly dropped: RecordedEvent[] = [];
  /** Every request received, in arrival order. */
  readonly requests: EventBridgeRecordedRequest[] = [];
  readonly faults = new EventBridgeFaults();
  /** Totals, including what `maxRecorded` let go. */
  readonly counts: EventBridgeCounts = { requests: 0, accepted: 0, dropped: 0, failedEntries: 0 };
  /** The default identity's account. */
  readonly accountId: string;
  /** The default identity's credentials. */
  readonly credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

  private readonly buses = new Set<string>([DEFAULT_BUS]);
  private readonly verifier: SigV4Verifier | undefined;
  private readonly acceptsRegion: (region: string) => boolean;
  private readonly unknownBus: 'drop' | 'fail';
  private readonly maxRecorded: number;

  private constructor(
    private readonly server: Server,
    /** Base URL to give a client, e.g. `http://127.0.0.1:43125`. */
    readonly endpoint: string,
    readonly region: string,
    readonly identities: LocalIdentities,
    identity: LocalIdentity,
    options: EventBridgeEmulatorOptions,
  ) {
    this.accountId = identity.accountId;
    this.credentials = keyMaterialOf(identity);
    const policy = new RegionPolicy(options.regions ?? 'any');
    this.acceptsRegion = (r) => policy.accepts(r);
    this.verifier =
      options.verifySignatures === false
        ? undefined
        : new SigV4Verifier({ service: EVENTS_SIGNING_NAME, identities, acceptsRegion: this.acceptsRegion });
    this.unknownBus = options.unknownBus ?? 'drop';
    this.maxRecorded = options.maxRecorded ?? Number.POSITIVE_INFINITY;
    if (!(this.maxRecorded >= 0)) throw new RangeError(`maxRecorded must be 0 or more, got ${options.maxRecorded}`);
    for (const bus of options.buses ?? []) this.addBus(bus);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
  }

  /** Starts listening on 127.0.0.1 and resolves once the port is bound. */
  static async start(options: EventBridgeEmulatorOptions = {}): Promise<EventBridgeEmulator> {
    const identities = options.identities ?? new LocalIdentities();
    const identity = resolveDefaultIdentity(identities, options);
    const { server, endpoint } = await listenOnLoopback(options.port);
    try {
      return new EventBridgeEmulator(server, endpoint, options.region ?? 'us-east-1', identities, identity, options);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /** Creates a custom event bus (a no-op if it exists). Throws on a name CreateEventBus would refuse. */
  addBus(name: string): this {
    if (!BUS_NAME.test(name)) throw new RangeError(`not a valid event bus name: ${name}`);
    this.buses.add(name);
    return this;
  }

  /** The buses that exist, `default` first. */
  busNames(): string[] {
    return [...this.buses];
  }

  /** Events accepted onto one bus (default `default`). */
  eventsOn(busName: string = DEFAULT_BUS): RecordedEvent[] {
    return this.events.filter((e) => e.eventBusName === busName);
  }

  /** Forgets the recorded events, dropped events and requests, and zeroes `counts` (not the buses or the faults). */
  clear(): void {
    this.events.length = 0;
    this.dropped.length = 0;
    this.requests.length = 0;
    Object.assign(this.counts, { requests: 0, accepted: 0, dropped: 0, failedEntries: 0 });
  }

  /** Closes the server and every open connection. */
  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const requestId = randomUUID();
    let record: EventBridgeRecordedRequest | undefined;
    let answer: Answer;
    try {
      const received = await readReceivedRequest(req);
      record = {
        method: received.method,
        path: received.rawPath,
        headers: received.headers,
        target: received.headers['x-amz-target'],
        status: undefined,
      };
      this.counts.requests++;
      this.keep(this.requests, record);
      answer = await this.answer(received, record);
    } catch (error) {
      // An emulator bug: answer it visibly rather than crash the test process.
      answer = errorAnswer(new EventBridgeError('InternalException', `Emulator error: ${String(error)}`, 500));
    }
    if (record) {
      record.status = answer.status;
      record.errorType = answer.errorType;
    }
    const body = answer.html ?? JSON.stringify(answer.body);
    const headers: Record<string, string | number> = {
      'content-type': answer.html === undefined ? JSON_1_1 : 'text/html',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': requestId,
      date: new Date().toUTCString(),
    };
    if (answer.errorType) headers['x-amzn-errortype'] = answer.errorType;
    res.writeHead(answer.status, headers).end(body);
  }

  /** Signature, operation, validation, request faults, then the entries one by one. */
  private async answer(received: ReceivedRequest, record: EventBridgeRecordedRequest): Promise<Answer> {
    try {
      const caller = await this.callerOf(received);
      record.accountId = caller.accountId;
      record.region = caller.region;
      const contentType = received.headers['content-type'] ?? '';
      if (
        received.method !== 'POST' ||
        received.rawPath !== '/' ||
        record.target !== PUT_EVENTS_TARGET ||
        !contentType.startsWith(JSON_1_1)
      ) {
        throw new EventBridgeError(
          'UnknownOperationException',
          `This local EventBridge implements only ${PUT_EVENTS_TARGET} (POST / with Content-Type ${JSON_1_1}); got ${received.method} ${received.rawPath} target ${record.target ?? '(none)'}.`,
        );
      }
      const request = parsePutEventsRequest(received.body.toString('utf8'));
      record.entries = request.Entries.length;
      const failedStatus = this.faults.takeRequestFault();
      if (failedStatus !== undefined) {
        record.fault = 'request';
        return serverError(failedStatus);
      }
      const receivedAt = new Date();
      let failed = 0;
      const results = request.Entries.map((entry) => {
        const result = this.putEntry(entry, caller, receivedAt, record);
        if (!('EventId' in result)) failed++;
        return result;
      });
      record.failedEntryCount = failed;
      this.counts.failedEntries += failed;
      return { status: 200, body: { FailedEntryCount: failed, Entries: results } };
    } catch (error) {
      if (error instanceof EventBridgeError) return errorAnswer(error);
      if (error instanceof ServiceError) return errorAnswer(new EventBridgeError(error.errorType, error.message, 400));
      throw error;
    }
  }

  private putEntry(
    entry: PutEventsRequestEntry,
    caller: { accountId: string; region: string; arn?: string },
    receivedAt: Date,
    record: EventBridgeRecordedRequest,
  ): { EventId: string } | { ErrorCode: string; ErrorMessage: string } {
    const check = checkEntry(entry);
    if (!check.ok) return { ErrorCode: check.errorCode, ErrorMessage: check.errorMessage };
    const bus = this.resolveBus(entry.EventBusName, caller);
    if ('error' in bus) return bus.error;
    if (!bus.exists && this.unknownBus === 'fail') {
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${bus.name} does not exist.` };
    }
    const fault = this.faults.takeEntryFault();
    if (fault) {
      record.fault = 'entries';
      return { ErrorCode: fault.errorCode, ErrorMessage: fault.errorMessage };
    }
    const eventId = randomUUID();
    const time = eventTime(entry, receivedAt);
    const resources = entry.Resources ?? [];
    const event: EventBridgeEvent = {
      version: '0',
      id: eventId,
      'detail-type': entry.DetailType!,
      source: entry.Source!,
      account: caller.accountId,
      time,
      region: caller.region,
      resources,
      detail: check.detail,
    };
    const recorded: RecordedEvent = {
      eventId,
      eventBusName: bus.name,
      eventBusArn: `arn:aws:events:${caller.region}:${caller.accountId}:event-bus/${bus.name}`,
      accountId: caller.accountId,
      region: caller.region,
      source: entry.Source!,
      detailType: entry.DetailType!,
      detail: check.detail,
      resources,
      time,
      timeGiven: typeof entry.Time === 'number',
      receivedAt,
      ...(entry.TraceHeader === undefined ? {} : { traceHeader: entry.TraceHeader }),
      event,
    };
    if (bus.exists) this.counts.accepted++;
    else this.counts.dropped++;
    this.keep(bus.exists ? this.events : this.dropped, recorded);
    return { EventId: eventId };
  }

  private keep<T>(list: T[], item: T): void {
    if (this.maxRecorded === 0) return;
    list.push(item);
    if (list.length > this.maxRecorded) list.splice(0, list.length - this.maxRecorded);
  }

  /** The bus an entry names: absent is `default`; an ARN must be of the caller's account and Region. */
  private resolveBus(
    eventBusName: string | undefined,
    caller: { accountId: string; region: string; arn?: string },
  ): { name: string; exists: boolean } | { error: { ErrorCode: string; ErrorMessage: string } } {
    if (eventBusName === undefined || eventBusName === null || eventBusName === '') return { name: DEFAULT_BUS, exists: true };
    let name = eventBusName;
    if (eventBusName.startsWith('arn:')) {
      const match = BUS_ARN.exec(eventBusName);
      if (!match)
        return {
          error: {
            ErrorCode: 'InvalidArgument',
            ErrorMessage: `Parameter EventBusName is not valid. Reason: ${eventBusName} is not a valid event bus ARN.`,
          },
        };
      const [, region, accountId, busName] = match;
      if (region !== caller.region || accountId !== caller.accountId) {
        return {
          error: {
            ErrorCode: 'AccessDeniedException',
            ErrorMessage: `User: ${caller.arn ?? caller.accountId} is not authorized to perform: events:PutEvents on resource: ${eventBusName}`,
          },
        };
      }
      name = busName!;
    } else if (!BUS_NAME.test(eventBusName)) {
      return {
        error: {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter EventBusName is not valid. Reason: ${eventBusName} is not a valid event bus name.`,
        },
      };
    }
    return { name, exists: this.buses.has(name) };
  }

  private async callerOf(received: ReceivedRequest): Promise<{ accountId: string; region: string; arn?: string }> {
    if (this.verifier) {
      const { identity, region } = await this.verifier.verify(received);
      return { accountId: identity.accountId, region, arn: identity.arn };
    }
    const scope = readCredentialScope(received.headers.authorization);
    return {
      accountId: (scope && this.identities.get(scope.accessKeyId)?.accountId) ?? this.accountId,
      region: scope && this.acceptsRegion(scope.region) ? scope.region : this.region,
    };
  }
}

function errorAnswer(error: EventBridgeError): Answer {
  return { status: error.status, errorType: error.errorType, body: { __type: error.errorType, message: error.message } };
}

function serverError(status: ServerErrorStatus): Answer {
  if (status === 500) return errorAnswer(new EventBridgeError('InternalException', 'An internal error occurred.', 500));
  if (status === 503) return errorAnswer(new EventBridgeError('ServiceUnavailableException', 'Service unavailable.', 503));
  const reason = status === 502 ? 'Bad Gateway' : 'Gateway Timeout';
  return {
    status,
    body: undefined,
    html: `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>`,
  };
}
