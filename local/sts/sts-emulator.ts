/**
 * A local AWS STS endpoint for AssumeRole and GetCallerIdentity, speaking the Query protocol (form-encoded
 * parameters in, XML out) over HTTP on 127.0.0.1 and verifying SigV4 against a `LocalIdentities` registry. The
 * credentials AssumeRole issues are added to that registry under the role's account, so a Clean Rooms ML emulator
 * given the same registry accepts them and serves that account's data: cross-account access, end to end, locally.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../loopback-server';
import { LocalIdentities, resolveDefaultIdentity } from '../emulator/identities';
import { parseQuery, readReceivedRequest, type ReceivedRequest } from '../emulator/received-request';
import { RegionPolicy, type AcceptedRegions } from '../emulator/regions';
import { SigV4Verifier } from '../emulator/sigv4-verifier';
import { ServiceError } from '../emulator/wire';
import { assumeRole, getCallerIdentity, type ActionContext } from './actions';
import { LocalRoles, type LocalRole } from './roles';
import { errorXml, resultXml, StsError, STS_VERSION, type StsResponse, type XmlNode } from './sts-xml';

export interface StsEmulatorOptions {
  /**
   * The credentials accepted, shared with the endpoints that should accept the issued ones. Default: a registry
   * holding the AWS documentation's example keys in account `111122223333`.
   */
  identities?: LocalIdentities;
  /** Regions requests may be signed for; default `'any'` (STS has regional endpoints and a global one). */
  regions?: AcceptedRegions;
  /** Port on 127.0.0.1; default 0, an ephemeral port. */
  port?: number;
}

/** One request as the STS emulator received it, and how it answered. */
export interface StsRecordedRequest {
  method: string;
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Decoded parameters of the query string and the form body. */
  params: Record<string, string>;
  action: string | undefined;
  /** The signing identity, once the signature was verified. */
  accessKeyId?: string;
  accountId?: string;
  /** Principal ARN of the signing identity. */
  arn?: string;
  /** Region of the signature's credential scope, once verified. */
  region?: string;
  /** Undefined while pending. */
  status: number | undefined;
  /** `<Code>` of an error answer. */
  errorCode?: string;
}

const ACTIONS: Record<string, (params: Record<string, string>, context: ActionContext) => XmlNode> = {
  AssumeRole: assumeRole,
  GetCallerIdentity: (_, context) => getCallerIdentity(context),
};

/** The AWS front end's errors as the Query protocol names them. */
const FRONT_END_CODES: Record<string, { code: string; status: number }> = {
  MissingAuthenticationTokenException: { code: 'MissingAuthenticationToken', status: 403 },
  IncompleteSignatureException: { code: 'IncompleteSignature', status: 400 },
  InvalidSignatureException: { code: 'SignatureDoesNotMatch', status: 403 },
  UnrecognizedClientException: { code: 'InvalidClientTokenId', status: 403 },
  ExpiredTokenException: { code: 'ExpiredToken', status: 403 },
};

/**
 * ```ts
 * const identities = new LocalIdentities([{ ...baseCredentials, accountId: '111122223333' }]);
 * const sts = await StsEmulator.start({ identities });
 * const emulator = await CleanRoomsMLEmulator.start({ identities, credentials: baseCredentials });
 * sts.addRole({ roleArn: 'arn:aws:iam::444455556666:role/AudienceJobsReader', externalId: 'x' });
 * process.env.AWS_ENDPOINT_URL_STS = sts.endpoint; // or clientConfig: { endpoint: sts.endpoint }
 * await sts.stop();
 * ```
 */
export class StsEmulator {
  /** Every request received, in arrival order. */
  readonly requests: StsRecordedRequest[] = [];

  private readonly roles = new LocalRoles();
  private readonly verifier: SigV4Verifier;

  private constructor(
    private readonly server: Server,
    /** Base URL to give a client, e.g. `http://127.0.0.1:43124`. */
    readonly endpoint: string,
    /** The credentials accepted; AssumeRole adds the ones it issues. */
    readonly identities: LocalIdentities,
    regions: AcceptedRegions,
  ) {
    const policy = new RegionPolicy(regions);
    this.verifier = new SigV4Verifier({ service: 'sts', identities, acceptsRegion: (region) => policy.accepts(region) });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
  }

  /** Starts listening on 127.0.0.1 and resolves once the port is bound. */
  static async start(options: StsEmulatorOptions = {}): Promise<StsEmulator> {
    const identities = options.identities ?? new LocalIdentities();
    // An empty registry would refuse everything; give it the same default identity the Clean Rooms ML emulator has.
    if (identities.list().length === 0) resolveDefaultIdentity(identities, {});
    const { server, endpoint } = await listenOnLoopback(options.port);
    return new StsEmulator(server, endpoint, identities, options.regions ?? 'any');
  }

  /** Makes a role assumable (replacing an earlier definition of it). Throws on an ARN that is not an IAM role ARN. */
  addRole(role: LocalRole): this {
    this.roles.add(role);
    return this;
  }

  /** AssumeRole on this role answers 403 AccessDenied, as when its trust policy does not trust the caller. */
  denyRole(roleArn: string): this {
    this.roles.deny(roleArn);
    return this;
  }

  /** Undoes `denyRole`. */
  allowRole(roleArn: string): this {
    this.roles.allow(roleArn);
    return this;
  }

  /** How many signed AssumeRole requests named this role, granted or refused: what a credential cache saves. */
  assumeRoleCount(roleArn: string): number {
    return this.roles.callCount(roleArn);
  }

  /** Forgets the recorded requests. */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Closes the server and every open connection. */
  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => undefined);
    const requestId = randomUUID();
    let response: StsResponse;
    let record: StsRecordedRequest | undefined;
    try {
      const received = await readReceivedRequest(req);
      const params = paramsOf(received);
      record = {
        method: received.method,
        path: received.rawPath,
        headers: received.headers,
        params,
        action: params.Action,
        status: undefined,
      };
      this.requests.push(record);
      response = await this.answer(received, params, record, requestId);
    } catch (error) {
      // An emulator bug: answer it visibly rather than crash the test process.
      response = errorXml(new StsError('InternalFailure', `Emulator error: ${String(error)}`, 500, 'Receiver'), requestId);
    }
    if (record) {
      record.status = response.status;
      record.errorCode = response.errorCode;
    }
    res
      .writeHead(response.status, {
        'content-type': 'text/xml',
        'content-length': Buffer.byteLength(response.body),
        'x-amzn-requestid': requestId,
        date: new Date().toUTCString(),
      })
      .end(response.body);
  }

  /** Signature, then action and version, then the action. */
  private async answer(
    received: ReceivedRequest,
    params: Record<string, string>,
    record: StsRecordedRequest,
    requestId: string,
  ): Promise<StsResponse> {
    try {
      const now = new Date();
      const { identity, region } = await this.verifier.verify(received, now).catch((error: unknown) => {
        throw error instanceof ServiceError ? frontEndError(error) : error;
      });
      Object.assign(record, { accessKeyId: identity.accessKeyId, accountId: identity.accountId, arn: identity.arn, region });
      const { Action: action, Version: version } = params;
      if (action === undefined) throw new StsError('MissingAction', 'Missing Action', 400);
      const run = ACTIONS[action];
      if (!run || version !== STS_VERSION) {
        throw new StsError('InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`, 400);
      }
      const result = run(params, { caller: identity, identities: this.identities, roles: this.roles, now });
      return resultXml(action, result, requestId);
    } catch (error) {
      if (error instanceof StsError) return errorXml(error, requestId);
      throw error;
    }
  }
}

/** Query parameters, then the form body's (which wins), first value of each. */
function paramsOf(received: ReceivedRequest): Record<string, string> {
  const form = (received.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ? parseQuery(received.body.toString('utf8'))
    : {};
  const params: Record<string, string> = {};
  for (const source of [received.query, form]) {
    for (const [name, values] of Object.entries(source)) params[name] = values[0];
  }
  return params;
}

function frontEndError(error: ServiceError): StsError {
  const mapped = FRONT_END_CODES[error.errorType] ?? { code: error.errorType, status: error.status };
  return new StsError(mapped.code, error.message, mapped.status);
}
