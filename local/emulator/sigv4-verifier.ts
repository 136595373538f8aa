/**
 * Verifies AWS Signature Version 4 (`Authorization` header form) the way the AWS front end does, with the error
 * types AWS answers. The signature is recomputed with `@smithy/signature-v4` over the request exactly as it was
 * received: the raw path (a label the client percent-encoded is encoded a second time by the canonical URI, as the
 * signer does with its default `uriEscapePath: true`), the decoded query, and the signed headers.
 *
 * The key is the identity whose access key id the signature names, and the Region is the one of its credential
 * scope, as on AWS: one front end serves many accounts, and the caller's account and Region select its data.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { LocalIdentities, LocalIdentity } from './identities';
import type { ReceivedRequest } from './received-request';
import { ServiceError } from './wire';

export interface SigV4VerifierOptions {
  /** Signing name requests must be scoped to, e.g. `cleanrooms-ml` or `sts`. */
  service: string;
  /** The credentials accepted; read on every request, so identities added later are accepted too. */
  identities: LocalIdentities;
  /** Whether a request may be scoped to this Region. */
  acceptsRegion: (region: string) => boolean;
}

/** Who signed a verified request, and for which Region. */
export interface VerifiedCaller {
  identity: LocalIdentity;
  region: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** AWS rejects a request signed more than 15 minutes away from its clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
const CONTENT_SHA256 = 'x-amz-content-sha256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export class SigV4Verifier {
  constructor(private readonly options: SigV4VerifierOptions) {}

  /** Resolves to the signer when a registered identity signed the request for an accepted Region and this service; else throws. */
  async verify(request: ReceivedRequest, now: Date = new Date()): Promise<VerifiedCaller> {
    const { service, identities, acceptsRegion } = this.options;
    const authorization = parseAuthorization(request.headers.authorization);
    const { region } = authorization;

    const identity = identities.get(authorization.accessKeyId);
    if (!identity || request.headers['x-amz-security-token'] !== identity.sessionToken) {
      throw new ServiceError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    if (identity.expiration && now.getTime() >= identity.expiration.getTime()) {
      throw new ServiceError('ExpiredTokenException', 'The security token included in the request is expired');
    }
    if (authorization.service !== service) {
      throw new ServiceError('InvalidSignatureException', `Credential should be scoped to correct service: '${service}'.`);
    }
    if (!acceptsRegion(region)) {
      throw new ServiceError('InvalidSignatureException', 'Credential should be scoped to a valid region.');
    }

    const signingDate = parseAmzDate(request.headers['x-amz-date']);
    if (!signingDate.toISOString().replace(/-/g, '').startsWith(authorization.date)) {
      throw new ServiceError(
        'InvalidSignatureException',
        'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.',
      );
    }
    if (Math.abs(now.getTime() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw new ServiceError(
        'InvalidSignatureException',
        `Signature expired: ${request.headers['x-amz-date']} is now earlier or later than the allowed 15 minutes.`,
      );
    }

    const expected = await this.sign(request, { identity, region }, authorization.signedHeaders, signingDate);
    if (expected !== authorization.signature) {
      throw new ServiceError(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. ' +
          'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    return { identity, region };
  }

  /** The signature the caller's credentials give this request over these signed headers. */
  private async sign(request: ReceivedRequest, caller: VerifiedCaller, signedHeaders: string[], signingDate: Date): Promise<string> {
    const signed = new Set(signedHeaders);
    const headers: Record<string, string> = {};
    for (const name of signed) {
      const value = request.headers[name];
      // The signer adds x-amz-date itself. The payload hash is recomputed from the body rather than trusted,
      // unless the client declared the payload unsigned.
      if (value === undefined || name === 'x-amz-date') continue;
      if (name === CONTENT_SHA256 && value !== UNSIGNED_PAYLOAD) continue;
      headers[name] = value;
    }
    const query: Record<string, string | string[]> = {};
    for (const [name, values] of Object.entries(request.query)) query[name] = values.length === 1 ? values[0] : values;

    const signer = new SignatureV4({
      service: this.options.service,
      region: caller.region,
      credentials: caller.identity,
      sha256: Sha256,
      uriEscapePath: true,
      // Adds x-amz-content-sha256 to the canonical headers only if the client signed it.
      applyChecksum: signed.has(CONTENT_SHA256),
    });
    const resigned = await signer.sign(
      new HttpRequest({
        method: request.method,
        hostname: request.headers.host ?? '',
        path: request.rawPath,
        query,
        headers,
        body: request.body.length > 0 ? request.body : undefined,
      }),
      // Sign exactly what the client signed, even headers the signer leaves out by default (e.g. user-agent).
      { signingDate, signableHeaders: signed },
    );
    const match = /Signature=([0-9a-f]+)/.exec(String(resigned.headers.authorization));
    return match ? match[1] : '';
  }
}

/**
 * The access key id and Region an `Authorization` header names, without verifying anything; undefined when the
 * header is absent or malformed. For endpoints that skip verification but still partition data by caller.
 */
export function readCredentialScope(header: string | undefined): { accessKeyId: string; region: string } | undefined {
  try {
    const { accessKeyId, region } = parseAuthorization(header);
    return { accessKeyId, region };
  } catch {
    return undefined;
  }
}

/** Parses `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/cleanrooms-ml/aws4_request, SignedHeaders=…, Signature=…`. */
function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (header === undefined || header === '') {
    throw new ServiceError('MissingAuthenticationTokenException', 'Missing Authentication Token');
  }
  if (!header.startsWith(`${ALGORITHM} `)) {
    throw new ServiceError('IncompleteSignatureException', `Unsupported authorization type; expected ${ALGORITHM}.`);
  }
  const parts = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length).split(',')) {
    const separator = part.indexOf('=');
    if (separator > 0) parts.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
  }
  const credential = parts.get('Credential')?.split('/');
  const signedHeaders = parts.get('SignedHeaders');
  const signature = parts.get('Signature');
  if (!credential || credential.length !== 5 || credential[4] !== 'aws4_request' || !signedHeaders || !signature) {
    throw new ServiceError(
      'IncompleteSignatureException',
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters, and a credential " +
        'of the form <access key>/<date>/<region>/<service>/aws4_request.',
    );
  }
  const [accessKeyId, date, region, service] = credential;
  return { accessKeyId, date, region, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** Parses the basic ISO 8601 form of `x-amz-date`: `20240101T120000Z`. */
function parseAmzDate(value: string | undefined): Date {
  const match = value === undefined ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) {
    throw new ServiceError('IncompleteSignatureException', "Authorization requires a valid 'X-Amz-Date' header (YYYYMMDD'T'HHMMSS'Z').");
  }
  const [, year, month, day, hour, minute, second] = match;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
}
