/**
 * A minimal SigV4 HTTP client for wire-level tests: signs with the real `@smithy/signature-v4` signer, sends over
 * node:http with the path exactly as given, and returns the raw answer (or the socket error).
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { buildQueryString } from '@smithy/querystring-builder';
import { SignatureV4 } from '@smithy/signature-v4';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import {
  GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX,
  LIST_AUDIENCE_GENERATION_JOBS_PATH,
  SIGNING_NAME,
} from '../../lambda/cleanroomsml/model-constants';
import type { CleanRoomsMLEmulator, EmulatorCredentials } from '../../local/emulator';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface SignedRequest {
  /** Already percent-encoded, sent and signed as is. */
  path: string;
  query?: Record<string, string>;
  method?: string;
  /** Overrides of the emulator's region, credentials and the signing name, to provoke signature errors. */
  region?: string;
  service?: string;
  credentials?: EmulatorCredentials;
  signingDate?: Date;
  /** Applied after signing, to tamper with a signed request. */
  afterSigning?: (request: HttpRequest) => void;
  /** Serializes the signed query; default the SDK's `buildQueryString`. Override to mimic a careless client. */
  serializeQuery?: (query: HttpRequest['query']) => string;
  timeoutMs?: number;
}

/** Signs for `emulator` unless the request overrides region, service or credentials, then sends. */
export async function sendSigned(emulator: CleanRoomsMLEmulator, options: SignedRequest): Promise<RawResponse> {
  const url = new URL(emulator.endpoint);
  const signer = new SignatureV4({
    service: options.service ?? SIGNING_NAME,
    region: options.region ?? emulator.region,
    credentials: options.credentials ?? emulator.credentials,
    sha256: Sha256,
  });
  const signed = (await signer.sign(
    new HttpRequest({
      method: options.method ?? 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: options.path,
      query: options.query ?? {},
      headers: { host: url.host, accept: 'application/json' },
    }),
    { signingDate: options.signingDate },
  )) as HttpRequest;
  options.afterSigning?.(signed);
  const queryString = (options.serializeQuery ?? buildQueryString)(signed.query);
  return sendRaw(emulator.endpoint, {
    method: signed.method,
    pathAndQuery: queryString ? `${signed.path}?${queryString}` : signed.path,
    headers: signed.headers,
    timeoutMs: options.timeoutMs,
  });
}

/** Sends a request as given; rejects with the socket error if the connection breaks. */
export function sendRaw(
  endpoint: string,
  options: { method?: string; pathAndQuery: string; headers?: Record<string, string>; timeoutMs?: number },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${endpoint}${options.pathAndQuery}`, {
      method: options.method ?? 'GET',
      headers: options.headers,
      timeout: options.timeoutMs,
      agent: false,
    });
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
      res.on('end', () => {
        if (!res.complete) return reject(new Error('response incomplete'));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() });
      });
    });
    req.end();
  });
}

/** The query of a ListAudienceGenerationJobs call. */
export interface ListQuery {
  collaborationId?: string;
  configuredAudienceModelArn?: string;
  maxResults?: number;
  nextToken?: string;
}

export function listJobs(emulator: CleanRoomsMLEmulator, query: ListQuery, options: Partial<SignedRequest> = {}): Promise<RawResponse> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params[name] = String(value);
  return sendSigned(emulator, { ...options, path: LIST_AUDIENCE_GENERATION_JOBS_PATH, query: params });
}

export function getJob(
  emulator: CleanRoomsMLEmulator,
  audienceGenerationJobArn: string,
  options: Partial<SignedRequest> = {},
): Promise<RawResponse> {
  return sendSigned(emulator, { ...options, path: jobPath(audienceGenerationJobArn) });
}

/** The Get path with its label percent-encoded once, as an SDK client encodes it. */
export function jobPath(audienceGenerationJobArn: string): string {
  return GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX + encodeURIComponent(audienceGenerationJobArn);
}

interface ListOutput {
  audienceGenerationJobs: Array<Record<string, unknown>>;
  nextToken?: string;
}

/** Walks every page of a listing; fails on the first non-200 answer. Guards against token loops. */
export async function listAllPages(
  emulator: CleanRoomsMLEmulator,
  query: Omit<ListQuery, 'nextToken'>,
  maxPages = 1000,
): Promise<ListOutput[]> {
  const pages: ListOutput[] = [];
  let nextToken: string | undefined;
  do {
    const response = await listJobs(emulator, { ...query, nextToken });
    if (response.status !== 200) throw new Error(`page ${pages.length + 1}: ${response.status} ${response.body}`);
    const page = JSON.parse(response.body) as ListOutput;
    pages.push(page);
    nextToken = page.nextToken;
  } while (nextToken !== undefined && pages.length < maxPages);
  return pages;
}

/** Parses the error answer of the emulator (restJson1). */
export function errorOf(response: RawResponse): { status: number; type: string | undefined; message: string } {
  const body = JSON.parse(response.body) as { message: string };
  return { status: response.status, type: response.headers['x-amzn-errortype'] as string | undefined, message: body.message };
}
