/**
 * A local AWS Clean Rooms ML endpoint for ListAudienceGenerationJobs and GetAudienceGenerationJob, speaking
 * restJson1 over HTTP on 127.0.0.1, verifying SigV4, with programmable faults.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { SIGNING_NAME } from '../../lambda/cleanroomsml/model-constants';
import { EmulatorFaults, type FaultKind, type InjectedFault } from './faults';
import { JobStore } from './job-store';
import { getAudienceGenerationJob, listAudienceGenerationJobs, type OperationContext } from './operations';
import { PageTokenCodec } from './page-token';
import { readReceivedRequest, type ReceivedRequest } from './received-request';
import { deliver } from './response-delivery';
import { route, type Route } from './routes';
import { SigV4Verifier } from './sigv4-verifier';
import type { EmulatorCredentials, EmulatorJob, RecordedRequest } from './types';
import { errorResponse, gatewayErrorResponse, ServiceError, type WireResponse } from './wire';

export interface EmulatorOptions {
  /** Region requests must be signed for; default `us-east-1`. */
  region?: string;
  /** The only credentials accepted; default the AWS documentation's example key pair. */
  credentials?: EmulatorCredentials;
  /** Port on 127.0.0.1; default 0, an ephemeral port. */
  port?: number;
  /** Delay before every answer, in milliseconds; default 0. Also `faults.latencyMs` at runtime. */
  latencyMs?: number;
  /** Verify SigV4 on every request; default true. */
  verifySignatures?: boolean;
}

/** The default credentials: AWS's documented example keys, never valid anywhere. */
export const EMULATOR_DEFAULT_CREDENTIALS: EmulatorCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/** What decided an answer, before it is written. */
interface Answer {
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
  /** Faults to inject; see `EmulatorFaults`. */
  readonly faults: EmulatorFaults;
  /** Every request received, in arrival order, recorded on arrival and completed when answered; see `clearRequests()`. */
  readonly requests: RecordedRequest[] = [];

  private readonly store = new JobStore();
  private readonly context: OperationContext;
  private readonly verifier: SigV4Verifier | undefined;
  /** Aborts pending delays on stop, so a slow response never outlives the emulator. */
  private readonly stopping = new AbortController();

  private constructor(
    private readonly server: Server,
    /** Base URL to give a client, e.g. `http://127.0.0.1:43123`. */
    readonly endpoint: string,
    /** The region requests must be signed for. */
    readonly region: string,
    /** The credentials requests must be signed with; give them to the client under test. */
    readonly credentials: EmulatorCredentials,
    options: EmulatorOptions,
  ) {
    this.faults = new EmulatorFaults(options.latencyMs ?? 0);
    // Every pending delayed answer listens on this one signal; hundreds in flight are normal under latency.
    setMaxListeners(0, this.stopping.signal);
    this.context = { store: this.store, tokens: new PageTokenCodec(), faults: this.faults };
    this.verifier =
      options.verifySignatures === false ? undefined : new SigV4Verifier({ region, service: SIGNING_NAME, credentials });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
  }

  /** Starts listening on 127.0.0.1 and resolves once the port is bound. */
  static async start(options: EmulatorOptions = {}): Promise<CleanRoomsMLEmulator> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new CleanRoomsMLEmulator(
      server,
      `http://127.0.0.1:${port}`,
      options.region ?? 'us-east-1',
      options.credentials ?? EMULATOR_DEFAULT_CREDENTIALS,
      options,
    );
  }

  /** Appends jobs to a collaboration; listing order is seeding order. Throws on an ARN seeded before. */
  seed(collaborationId: string, jobs: readonly EmulatorJob[]): void {
    this.store.add(collaborationId, jobs);
  }

  /** Forgets the recorded requests. */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Closes the server and every open connection; pending slow answers are dropped. */
  async stop(): Promise<void> {
    this.stopping.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
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

  /** Signature, routing, rate limit, then the first matching counted fault, then the operation. */
  private async answer(received: ReceivedRequest, routed: Route | undefined): Promise<Answer> {
    try {
      await this.verifier?.verify(received);
      if (!routed) throw new ServiceError('UnknownOperationException', `No operation at ${received.method} ${received.rawPath}.`);
      if (this.faults.overRateLimit()) {
        return { response: errorResponse(new ServiceError('ThrottlingException', 'Rate exceeded')), faultKind: 'rateLimit' };
      }
      const fault = this.faults.take({ operation: routed.operation, collaborationId: this.collaborationOf(routed, received) });
      if (fault?.kind === 'throttle') {
        const retryAfter: Record<string, string> =
          fault.retryAfterSeconds === undefined ? {} : { 'retry-after': String(fault.retryAfterSeconds) };
        return { response: errorResponse(new ServiceError('ThrottlingException', 'Rate exceeded', retryAfter)), faultKind: fault.kind };
      }
      if (fault?.kind === 'serverError') return { response: serverErrorResponse(fault.status), faultKind: fault.kind };
      return { response: this.operate(received, routed), faultKind: fault?.kind, deliveryFault: fault };
    } catch (error) {
      if (error instanceof ServiceError) return { response: errorResponse(error) };
      throw error;
    }
  }

  /** Turns the operation's errors into answers here, so a delivery fault (e.g. truncateBody) still shapes them. */
  private operate(received: ReceivedRequest, routed: Route): WireResponse {
    try {
      return routed.operation === 'ListAudienceGenerationJobs'
        ? listAudienceGenerationJobs(this.context, received.query)
        : getAudienceGenerationJob(this.context, routed.audienceGenerationJobArn);
    } catch (error) {
      if (error instanceof ServiceError) return errorResponse(error);
      throw error;
    }
  }

  /** The collaboration a request concerns, for fault scopes. */
  private collaborationOf(routed: Route, received: ReceivedRequest): string | undefined {
    return routed.operation === 'ListAudienceGenerationJobs'
      ? received.query.collaborationId?.[0]
      : this.store.get(routed.audienceGenerationJobArn)?.collaborationId;
  }
}

function serverErrorResponse(status: 500 | 502 | 503 | 504): WireResponse {
  if (status === 500) return errorResponse(new ServiceError('InternalServiceException', 'An internal error occurred.'));
  if (status === 503) return errorResponse(new ServiceError('ServiceUnavailableException', 'Service unavailable.'));
  return gatewayErrorResponse(status);
}
