/**
 * A small HTTP proxy on 127.0.0.1 in front of an S3-compatible server (moto_server or s3rver) that injects
 * count-based faults into chosen S3 operations: a 500 InternalError, a 503 SlowDown, a 403
 * SignatureDoesNotMatch that echoes the string to sign (as S3 does), or a TCP reset, either before the
 * request reaches the server or after the server has acted on it (the answer is lost).
 *
 * Everything else is forwarded byte for byte, the `Host` header included, so that a signature computed
 * by the client for the proxy's address still verifies upstream.
 */
import { randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type S3Operation =
  | 'PutObject'
  | 'UploadPart'
  | 'CreateMultipartUpload'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListMultipartUploads'
  | 'GetObject'
  | 'Other';

export type S3FaultKind =
  /** 500 InternalError, without forwarding. */
  | 'internalError'
  /** 503 SlowDown, without forwarding. */
  | 'slowDown'
  /** 403 SignatureDoesNotMatch with StringToSign, SignatureProvided and CanonicalRequest echoed, without forwarding. */
  | 'signatureDoesNotMatch'
  /** TCP reset once the request body is read, without forwarding. */
  | 'resetBeforeForward'
  /** Forwarded and answered by the server, then the answer is dropped with a TCP reset. */
  | 'resetAfterForward'
  /** Read, never answered: the connection stays open until the client gives up (or the proxy stops). */
  | 'hang';

export interface ProxiedRequest {
  operation: S3Operation;
  method: string;
  /** Path and query, as received. */
  url: string;
  /** Status sent to the client; 0 for a reset. */
  status: number;
  fault?: S3FaultKind;
  /** The request's `authorization` header (tests search logs for the signatures in it). */
  authorization?: string;
}

interface QueuedFault {
  operation: S3Operation;
  kind: S3FaultKind;
  remaining: number;
  /** Only requests whose path contains this (e.g. a collaboration id, or `_manifest_`). */
  pathContains: string | undefined;
}

/** Which S3 operation a path-style request is, from its method and query. */
export function classifyS3Request(method: string, url: string): S3Operation {
  const parsed = new URL(url, 'http://proxy.invalid');
  const query = parsed.searchParams;
  const hasKey = parsed.pathname.split('/').filter(Boolean).length >= 2;
  switch (method) {
    case 'PUT':
      if (query.has('partNumber') && query.has('uploadId')) return 'UploadPart';
      // The SDK adds `x-id=PutObject`; any other subresource (`tagging`, `acl`, ...) is another operation.
      if (hasKey && [...query.keys()].every((k) => k === 'x-id')) return 'PutObject';
      return 'Other';
    case 'POST':
      if (query.has('uploads')) return 'CreateMultipartUpload';
      if (query.has('uploadId')) return 'CompleteMultipartUpload';
      return 'Other';
    case 'DELETE':
      return query.has('uploadId') ? 'AbortMultipartUpload' : 'Other';
    case 'GET':
      if (query.has('uploads')) return 'ListMultipartUploads';
      return hasKey ? 'GetObject' : 'Other';
    default:
      return 'Other';
  }
}

export class S3FaultProxy {
  /** Every request received, in arrival order. */
  readonly requests: ProxiedRequest[] = [];
  private queue: QueuedFault[] = [];

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly target: URL,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  static async start(targetEndpoint: string): Promise<S3FaultProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    return new S3FaultProxy(server, `http://127.0.0.1:${port}`, new URL(targetEndpoint));
  }

  /**
   * The next `count` requests of `operation` (whose path contains `pathContains`, when given) take the fault
   * `kind`. Faults queue in the order given; a request takes at most one.
   */
  fail(operation: S3Operation, count: number, kind: S3FaultKind = 'internalError', options: { pathContains?: string } = {}): this {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${count}`);
    if (count > 0) this.queue.push({ operation, kind, remaining: count, pathContains: options.pathContains });
    return this;
  }

  /** Clears the queued faults and the recorded requests. */
  reset(): void {
    this.queue = [];
    this.requests.length = 0;
  }

  /** Faulty answers still queued; 0 once every programmed fault has been served. */
  get pending(): number {
    return this.queue.reduce((sum, q) => sum + q.remaining, 0);
  }

  /** Requests of `operation` seen so far. */
  count(operation: S3Operation): number {
    return this.requests.filter((r) => r.operation === operation).length;
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private take(operation: S3Operation, url: string): S3FaultKind | undefined {
    const path = decodeURIComponent(url.split('?')[0]!);
    const queued = this.queue.find((q) => q.operation === operation && (q.pathContains === undefined || path.includes(q.pathContains)));
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining === 0) this.queue.splice(this.queue.indexOf(queued), 1);
    return queued.kind;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => undefined);
    req.on('error', () => undefined);
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const record: ProxiedRequest = { operation: classifyS3Request(method, url), method, url, status: 0, authorization: req.headers.authorization };
    this.requests.push(record);
    const fault = this.take(record.operation, url);
    record.fault = fault;
    if (fault === undefined || fault === 'resetAfterForward') {
      this.forward(req, res, record, fault === 'resetAfterForward');
      return;
    }
    // Read the whole body first, as S3 does, so that the client sees the answer and not a broken pipe.
    req.resume();
    req.on('end', () => {
      if (fault === 'hang') return;
      if (fault === 'resetBeforeForward') {
        res.socket?.resetAndDestroy();
        return;
      }
      const { status, xml } = errorBody(fault, req);
      record.status = status;
      res.writeHead(status, { 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(xml)), 'x-amz-request-id': requestId() });
      res.end(xml);
    });
  }

  private forward(req: IncomingMessage, res: ServerResponse, record: ProxiedRequest, dropAnswer: boolean): void {
    const upstream = httpRequest(
      {
        hostname: this.target.hostname,
        port: this.target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        if (dropAnswer) {
          // The server acted on the request; the client never learns it.
          answer.resume();
          answer.on('end', () => res.socket?.resetAndDestroy());
          return;
        }
        record.status = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.socket?.destroy());
    req.pipe(upstream);
  }
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

function errorBody(kind: Exclude<S3FaultKind, 'resetBeforeForward' | 'resetAfterForward' | 'hang'>, req: IncomingMessage): { status: number; xml: string } {
  const id = requestId();
  if (kind === 'internalError') {
    return { status: 500, xml: s3Error('InternalError', 'We encountered an internal error. Please try again.', id) };
  }
  if (kind === 'slowDown') {
    return { status: 503, xml: s3Error('SlowDown', 'Please reduce your request rate.', id) };
  }
  // What S3 answers for a wrong secret key: it echoes what it expected to be signed, and what it received.
  const authorization = String(req.headers.authorization ?? '');
  const accessKeyId = /Credential=([^/]+)\//.exec(authorization)?.[1] ?? '';
  const signature = /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
  const canonicalRequest = `${req.method}\n${req.url}\n\nhost:${req.headers.host}\nx-amz-date:${req.headers['x-amz-date']}\n`;
  const stringToSign = `AWS4-HMAC-SHA256\n${req.headers['x-amz-date']}\n${/Credential=[^/]+\/([^,]+)/.exec(authorization)?.[1] ?? ''}\n${'0'.repeat(64)}`;
  const extra =
    `<AWSAccessKeyId>${accessKeyId}</AWSAccessKeyId><StringToSign>${escapeXml(stringToSign)}</StringToSign>` +
    `<SignatureProvided>${signature}</SignatureProvided><StringToSignBytes>${Buffer.from(stringToSign).toString('hex').replace(/(..)/g, '$1 ').trim()}</StringToSignBytes>` +
    `<CanonicalRequest>${escapeXml(canonicalRequest)}</CanonicalRequest>`;
  return {
    status: 403,
    xml: s3Error('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.', id, extra),
  };
}

function s3Error(code: string, message: string, id: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${id}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
