/**
 * A local AWS Clean Rooms ML endpoint for ListAudienceGenerationJobs and GetAudienceGenerationJob, speaking
 * restJson1 over HTTP on 127.0.0.1, verifying SigV4, with programmable faults. Like the AWS front end, it serves
 * many accounts and Regions: the signing identity's account and the signature's Region select the data.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback-server';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACCOUNT_ID_PATTERN, SIGNING_NAME } from '../../lambda/cleanroomsml/model-constants';
import { EmulatorFaults, type FaultKind, type FaultTarget, type InjectedFault } from './faults';
import { listAttemptKey } from './first-attempt-throttle';
import { EMULATOR_DEFAULT_CREDENTIALS, LocalIdentities, keyMaterialOf, resolveDefaultIdentity, type LocalIdentity } from './identities';
import type { JobStore } from './job-store';
import { getAudienceGenerationJob, listAudienceGenerationJobs, type OperationContext } from './operations';
import { Partitions, type PartitionKey } from './partitions';
import { readReceivedRequest, type ReceivedRequest } from './received-request';
import { RegionPolicy, type AcceptedRegions } from './regions';
import { deliver } from './response-delivery';
import { route, type Route } from './routes';
import { readCredentialScope, SigV4Verifier } from './sigv4-verifier';
import type { EmulatorCredentials, EmulatorJob, RecordedRequest } from './types';
import { errorResponse, gatewayErrorResponse, ServiceError, type WireResponse } from './wire';

export { EMULATOR_DEFAULT_CREDENTIALS };

export interface EmulatorOptions {
  /**
   * The default Region: where `seed` puts jobs unless told otherwise, and `emulator.region`. Default `us-east-1`,
   * or the first of `regions` when that is a list.
   */
  region?: string;
  /**
   * Regions requests may be signed for; others answer InvalidSignatureException ("Credential should be scoped to
   * a valid region."). A list, or `'any'` for every syntactically valid Region. Default: `region` only, as a
   * regional AWS endpoint accepts only its own Region.
   */
  regions?: AcceptedRegions;
  /**
   * The default identity's credentials (`emulator.credentials`); registered in `identities` under `accountId`
   * unless already there. Default: the registry's first identity, else the AWS documentation's example key pair.
   */
  credentials?: EmulatorCredentials;
  /** Account of the default identity when the emulator registers it; default `111122223333`. */
  accountId?: string;
  /**
   * Every credential set accepted, each mapped to its account; shared with (and grown by) e.g. the STS emulator.
   * Default: a registry holding only the default identity.
   */
  identities?: LocalIdentities;
  /** Port on 127.0.0.1; default 0, an ephemeral port. */
  port?: number;
  /** Delay before every answer, in milliseconds; default 0. Also `faults.latencyMs` at runtime. */
  latencyMs?: number;
  /** Verify SigV4 on every request; default true. */
  verifySignatures?: boolean;
}

/** Where `seed` puts jobs; defaults: the default identity's account and the default Region. */
export interface SeedOptions {
  accountId?: string;
  region?: string;
}

/** What decided an answer, before it is written. */
interface Answer {
  /** Whose data it concerns; undefined when the signature was refused. */
  caller?: PartitionKey;
  response: WireResponse;
  /** Recorded as `RecordedRequest.fault`. */
  faultKind?: FaultKind;
  /** A fault that shapes how the answer is written. */
  deliveryFault?: InjectedFault;
}

/**
 * ```ts
 * const emulator = await CleanRoomsMLEmulator.start({ region: 'eu-west-1' });
 * emulator.seed(collaborationId, generateJobs({ collaborationId, count: 250 }));
 * emulator.faults.throttle(2, { retryAfterSeconds: 1 });
 * const client = new CleanRoomsMLClient({ region: emulator.region, endpoint: emulator.endpoint, credentials: emulator.credentials });
 * // ... then assert on emulator.requests
 * await emulator.stop();
 * ```
 */
export class CleanRoomsMLEmulator {
  /** Account of the default identity (`credentials`), where `seed` puts jobs by default. */
  readonly accountId: string;
  /** The default identity's credentials; give them to the client under test. */
  readonly credentials: EmulatorCredentials;
  /** Faults to inject; see `EmulatorFaults`. */
  readonly faults: EmulatorFaults;
  /** Every request received, in arrival order, recorded on arrival and completed when answered; see `clearRequests()`. */
  readonly requests: RecordedRequest[] = [];

  private readonly partitions = new Partitions();
  /**
   * @internal The default (account, Region) partition's jobs. Not private because nothing here reads it after
   * construction: `bench/support/servers.ts` reaches in to memoize its listings.
   */
  protected readonly store: JobStore;
  private readonly acceptsRegion: (region: string) => boolean;
  private readonly verifier: SigV4Verifier | undefined;
  /** Aborts pending delays on stop, so a slow response never outlives the emulator. */
  private readonly stopping = new AbortController();

  private constructor(
    private readonly server: Server,
    /** Base URL to give a client, e.g. `http://127.0.0.1:43123`. */
    readonly endpoint: string,
    /** The default Region: requests signed for it see the jobs seeded without a `region`. */
    readonly region: string,
    /** Every credential set accepted; add identities (e.g. of a second account) at any time. */
    readonly identities: LocalIdentities,
    identity: LocalIdentity,
    options: EmulatorOptions,
  ) {
    this.accountId = identity.accountId;
    // Only the key material: clients are handed these, and spread them to provoke signature errors.
    this.credentials = keyMaterialOf(identity);
    this.faults = new EmulatorFaults(options.latencyMs ?? 0);
    // Every pending delayed answer listens on this one signal; hundreds in flight are normal under latency.
    setMaxListeners(0, this.stopping.signal);
    this.store = this.partitions.get({ accountId: this.accountId, region }).store;
    const policy = options.regions === undefined ? undefined : new RegionPolicy(options.regions);
    this.acceptsRegion = policy ? (r) => policy.accepts(r) : (r) => r === region;
    if (!this.acceptsRegion(region)) throw new RangeError(`region ${region} is not among the accepted regions`);
    this.verifier =
      options.verifySignatures === false
        ? undefined
        : new SigV4Verifier({ service: SIGNING_NAME, identities, acceptsRegion: this.acceptsRegion });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
  }

  /** Starts listening on 127.0.0.1 and resolves once the port is bound. */
  static async start(options: EmulatorOptions = {}): Promise<CleanRoomsMLEmulator> {
    const { server, endpoint } = await listenOnLoopback(options.port);
    try {
      const identities = options.identities ?? new LocalIdentities();
      const identity = resolveDefaultIdentity(identities, options);
      const listed = options.regions === undefined || options.regions === 'any' ? undefined : options.regions[0];
      const region = options.region ?? listed ?? 'us-east-1';
      return new CleanRoomsMLEmulator(server, endpoint, region, identities, identity, options);
    } catch (error) {
      server.close();
      throw error;
    }
  }

  /**
   * Appends jobs to a collaboration in one account and Region (default: the default identity's account and the
   * default Region); listing order is seeding order. The same collaboration may be seeded under several accounts,
   * as each member account sees its own jobs. Throws on an ARN seeded before in that account and Region, and on a
   * Region no request could be signed for.
   */
  seed(collaborationId: string, jobs: readonly EmulatorJob[], options: SeedOptions = {}): void {
    const { accountId = this.accountId, region = this.region } = options;
    if (!ACCOUNT_ID_PATTERN.test(accountId)) throw new RangeError(`accountId must be 12 digits, got ${accountId}`);
    if (!this.acceptsRegion(region)) {
      throw new RangeError(`seed: requests cannot be signed for ${region}; start the emulator with regions listing it, or 'any'`);
    }
    this.partitions.get({ accountId, region }).store.add(collaborationId, jobs);
  }

  /**
   * Changes a seeded job in place (its status, status details, update time…): List and Get answer the new data, the
   * job keeps its place in the listing. Throws on a job not seeded in that account and Region. Returns the new job.
   */
  updateJob(
    audienceGenerationJobArn: string,
    changes: Partial<Omit<EmulatorJob, 'audienceGenerationJobArn'>>,
    options: SeedOptions = {},
  ): EmulatorJob {
    const store = this.storeOf(options);
    const current = store.get(audienceGenerationJobArn);
    if (!current) throw new Error(`updateJob: job not seeded: ${audienceGenerationJobArn}`);
    return store.update(audienceGenerationJobArn, { ...current.job, ...changes }).job;
  }

  /** Removes a seeded job, as when its deletion completed: List and Get no longer know it. Returns the removed job. */
  removeJob(audienceGenerationJobArn: string, options: SeedOptions = {}): EmulatorJob {
    const store = this.storeOf(options);
    if (!store.get(audienceGenerationJobArn)) throw new Error(`removeJob: job not seeded: ${audienceGenerationJobArn}`);
    return store.remove(audienceGenerationJobArn).job;
  }

  /** Forgets the recorded requests. */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Closes the server and every open connection; pending slow answers are dropped. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await closeServer(this.server);
  }

  private storeOf(options: SeedOptions): JobStore {
    return this.partitions.get({ accountId: options.accountId ?? this.accountId, region: options.region ?? this.region }).store;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A client that gives up (timeout) closes the socket under a pending answer; that is not an emulator error.
    res.on('error', () => undefined);
    let record: RecordedRequest | undefined;
    try {
      const received = await readReceivedRequest(req);
      const routed = route(received.method, received.rawPath);
      record = {
        method: received.method,
        path: received.rawPath,
        query: received.query,
        headers: received.headers,
        operation: routed?.operation,
        status: undefined,
      };
      this.requests.push(record);
      if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs, undefined, { signal: this.stopping.signal });
      const answer = await this.answer(received, routed);
      record.accountId = answer.caller?.accountId;
      record.region = answer.caller?.region;
      record.fault = answer.faultKind;
      record.errorType = answer.response.headers['x-amzn-errortype'];
      record.status = await deliver(res, answer.response, randomUUID(), answer.deliveryFault, this.stopping.signal);
    } catch (error) {
      if (record) record.status = 0;
      if (this.stopping.signal.aborted || req.destroyed) {
        res.socket?.destroy();
        return;
      }
      // An emulator bug: answer it visibly rather than crash the test process with an unhandled rejection.
      const bug = errorResponse(new ServiceError('InternalServiceException', `Emulator error: ${String(error)}`));
      if (record) record.status = bug.status;
      if (!res.headersSent) res.writeHead(bug.status, bug.headers).end(bug.body);
    }
  }

  /** Signature, routing, rate limits, the first-attempt storm, then the first matching counted fault, then the operation. */
  private async answer(received: ReceivedRequest, routed: Route | undefined): Promise<Answer> {
    let caller: PartitionKey | undefined;
    try {
      caller = await this.callerOf(received);
      if (!routed) throw new ServiceError('UnknownOperationException', `No operation at ${received.method} ${received.rawPath}.`);
      const partition = this.partitions.get(caller);
      const context: OperationContext = { store: partition.store, tokens: partition.tokens, faults: this.faults };
      const target = this.faultTarget(routed, received, caller, partition.store);
      if (this.faults.overRateLimit(target)) return { caller, response: throttlingResponse(), faultKind: 'rateLimit' };
      const storm = this.faults.takeFirstAttempt(target);
      if (storm) return { caller, response: throttlingResponse(storm.retryAfterSeconds), faultKind: 'throttleFirstAttempt' };
      const fault = this.faults.take(target);
      if (fault?.kind === 'throttle') return { caller, response: throttlingResponse(fault.retryAfterSeconds), faultKind: fault.kind };
      if (fault?.kind === 'serverError') return { caller, response: serverErrorResponse(fault.status), faultKind: fault.kind };
      return { caller, response: operate(context, received, routed), faultKind: fault?.kind, deliveryFault: fault };
    } catch (error) {
      if (error instanceof ServiceError) return { caller, response: errorResponse(error) };
      throw error;
    }
  }

  /** The account and Region whose data the request reads. */
  private async callerOf(received: ReceivedRequest): Promise<PartitionKey> {
    if (this.verifier) {
      const { identity, region } = await this.verifier.verify(received);
      return { accountId: identity.accountId, region };
    }
    // Unverified, the header still says who signs: honour it so partitioning works the same, else use the defaults.
    const scope = readCredentialScope(received.headers.authorization);
    return {
      accountId: (scope && this.identities.get(scope.accessKeyId)?.accountId) ?? this.accountId,
      region: scope && this.acceptsRegion(scope.region) ? scope.region : this.region,
    };
  }

  /** What fault scopes, rate limits and the storm match a request on. */
  private faultTarget(routed: Route, received: ReceivedRequest, caller: PartitionKey, store: JobStore): FaultTarget {
    if (routed.operation === 'ListAudienceGenerationJobs') {
      const collaborationId = received.query.collaborationId?.[0];
      return {
        ...caller,
        operation: routed.operation,
        collaborationId,
        attemptKey: listAttemptKey(collaborationId, received.query.nextToken?.[0]),
      };
    }
    const arn = routed.audienceGenerationJobArn;
    return { ...caller, operation: routed.operation, collaborationId: store.get(arn)?.collaborationId, attemptKey: arn };
  }
}

/** Turns the operation's errors into answers here, so a delivery fault (e.g. truncateBody) still shapes them. */
function operate(context: OperationContext, received: ReceivedRequest, routed: Route): WireResponse {
  try {
    return routed.operation === 'ListAudienceGenerationJobs'
      ? listAudienceGenerationJobs(context, received.query)
      : getAudienceGenerationJob(context, routed.audienceGenerationJobArn);
  } catch (error) {
    if (error instanceof ServiceError) return errorResponse(error);
    throw error;
  }
}

function throttlingResponse(retryAfterSeconds?: number): WireResponse {
  const retryAfter: Record<string, string> = retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
  return errorResponse(new ServiceError('ThrottlingException', 'Rate exceeded', retryAfter));
}

function serverErrorResponse(status: 500 | 502 | 503 | 504): WireResponse {
  if (status === 500) return errorResponse(new ServiceError('InternalServiceException', 'An internal error occurred.'));
  if (status === 503) return errorResponse(new ServiceError('ServiceUnavailableException', 'Service unavailable.'));
  return gatewayErrorResponse(status);
}
