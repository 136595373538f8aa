/**
 * A small HTTP proxy on 127.0.0.1 in front of an S3-compatible server (moto_server or s3rver) that injects
 * count-based faults into chosen S3 operations: a 500 InternalError, a 503 SlowDown, a 403 AccessDenied (what S3
 * answers a read that is refused, and a missing key to a caller without s3:ListBucket), a 403
 * SignatureDoesNotMatch that echoes the string to sign (as S3 does), or a TCP reset, either before the
 * request reaches the server or after the server has acted on it (the answer is lost).
 *
 * Everything else is forwarded byte for byte, the `Host` header included, so that a signature computed
 * by the client for the proxy's address still verifies upstream.
 *
 * It also keeps the ledger of multipart uploads that the no-orphan checks read ({@link S3FaultProxy.openUploads}):
 * an upload is created when the server answers CreateMultipartUpload 200 with an UploadId, completed when it answers
 * CompleteMultipartUpload 200 (without an error body), aborted when it answers AbortMultipartUpload 204 or 200. What
 * the server did counts, whether or not the client heard the answer (`resetAfterForward`); a request the proxy
 * failed never reached the server and does not count. s3rver has no ListMultipartUploads, so the ledger is how a
 * test knows that nothing was left open; on moto_server the tests also compare it with the server's own listing.
 *
 * s3rver 3.7 implements only part of the multipart lifecycle (checked against it; see test/support/s3-backends.ts):
 * CreateMultipartUpload, UploadPart and CompleteMultipartUpload work, but AbortMultipartUpload is answered 405
 * MethodNotAllowed (the parts stay on its disk), a repeated CompleteMultipartUpload of a completed upload 500
 * InternalError, and UploadPart accepts any UploadId. With `fillMultipartGaps` the proxy answers those requests
 * as S3 does, from its own record of each upload (which persists across {@link S3FaultProxy.reset}):
 * AbortMultipartUpload of an open upload 204 (the upload is then aborted for the proxy, whatever s3rver keeps on
 * disk), UploadPart or CompleteMultipartUpload of an aborted upload 404 NoSuchUpload, a repeated
 * CompleteMultipartUpload of a completed upload the first 200 answer again. Use it for s3rver only: on moto_server,
 * every request reaches the server and its own answers are the second opinion.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, listenOnLoopback } from '../../local/loopback-server';

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
  /** 403 AccessDenied, without forwarding. */
  | 'accessDenied'
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
  /** Bucket and key of an object request (path-style), decoded. */
  bucket?: string;
  key?: string;
  /** The multipart upload it concerns: from the query, or from the server's answer to CreateMultipartUpload. */
  uploadId?: string;
  /**
   * What the S3 server answered (even if the client never heard it, after `resetAfterForward`); undefined when the
   * request did not reach it (a fault) or it has not answered yet. For a request answered in the server's place
   * (`fillMultipartGaps`), the status the proxy gave; then `answeredByProxy` is true.
   */
  serverStatus?: number;
  answeredByProxy?: boolean;
}

/** The multipart uploads of one key seen through the proxy since the last reset. */
export interface MultipartTally {
  bucket: string;
  key: string;
  created: number;
  completed: number;
  aborted: number;
  /** created − completed − aborted. */
  open: number;
}

export interface S3FaultProxyOptions {
  /** Answer, as S3 does, the multipart requests s3rver gets wrong (see the file comment). For s3rver only. */
  fillMultipartGaps?: boolean;
}

/** The proxy's record of one upload, for `fillMultipartGaps`. */
interface UploadState {
  key: string;
  state: 'open' | 'completed' | 'aborted';
  /** The server's 200 answer to CompleteMultipartUpload, replayed to a repeated one. */
  completeAnswer?: { headers: Record<string, string>; body: Buffer };
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
  private readonly uploads = new Map<string, UploadState>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly target: URL,
    private readonly options: S3FaultProxyOptions,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  static async start(targetEndpoint: string, options: S3FaultProxyOptions = {}): Promise<S3FaultProxy> {
    const { server, endpoint } = await listenOnLoopback();
    return new S3FaultProxy(server, endpoint, new URL(targetEndpoint), options);
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

  /** Clears the queued faults and the recorded requests (and with them the ledger of {@link multipartUploads}). */
  reset(): void {
    this.clearFaults();
    this.requests.length = 0;
  }

  /** Clears the queued faults only. */
  clearFaults(): void {
    this.queue = [];
  }

  /**
   * The ledger: per key, the multipart uploads the server created, completed and aborted since the last reset,
   * each upload counted once (a retried Complete answered 200 twice completes one upload).
   */
  multipartUploads(): MultipartTally[] {
    const tallies = new Map<string, MultipartTally>();
    for (const upload of this.ledger()) {
      const id = `${upload.bucket}/${upload.key}`;
      const tally = tallies.get(id) ?? { bucket: upload.bucket, key: upload.key, created: 0, completed: 0, aborted: 0, open: 0 };
      tally.created += 1;
      if (upload.state === 'completed') tally.completed += 1;
      if (upload.state === 'aborted') tally.aborted += 1;
      tally.open = tally.created - tally.completed - tally.aborted;
      tallies.set(id, tally);
    }
    const order = (t: MultipartTally) => `${t.bucket}/${t.key}`;
    return [...tallies.values()].sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  }

  /** Keys of the multipart uploads left open since the last reset (a key once per open upload), sorted. */
  openUploads(bucket?: string): string[] {
    return this.multipartUploads()
      .filter((t) => bucket === undefined || t.bucket === bucket)
      .flatMap((t) => Array.from({ length: t.open }, () => t.key))
      .sort();
  }

  /** The uploads behind {@link openUploads}, with their ids (for clean-up). */
  openUploadIds(bucket?: string): Array<{ bucket: string; key: string; uploadId: string }> {
    return this.ledger()
      .filter((u) => u.state === 'open' && (bucket === undefined || u.bucket === bucket))
      .map(({ bucket: b, key, uploadId }) => ({ bucket: b, key, uploadId }));
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
    await closeServer(this.server);
  }

  /** Each upload created since the last reset, and what became of it, from the server's answers. */
  private ledger(): Array<{ bucket: string; key: string; uploadId: string; state: 'open' | 'completed' | 'aborted' }> {
    const created = new Map<string, ProxiedRequest>();
    const completed = new Set<string>();
    const aborted = new Set<string>();
    for (const r of this.requests) {
      if (r.uploadId === undefined || r.serverStatus === undefined) continue;
      if (r.operation === 'CreateMultipartUpload' && r.serverStatus === 200) created.set(r.uploadId, r);
      if (r.operation === 'CompleteMultipartUpload' && r.serverStatus === 200) completed.add(r.uploadId);
      if (r.operation === 'AbortMultipartUpload' && (r.serverStatus === 204 || r.serverStatus === 200)) aborted.add(r.uploadId);
    }
    return [...created].map(([uploadId, r]) => ({
      bucket: r.bucket ?? '',
      key: r.key ?? '',
      uploadId,
      state: completed.has(uploadId) ? 'completed' : aborted.has(uploadId) ? 'aborted' : 'open',
    }));
  }

  private take(operation: S3Operation, url: string): S3FaultKind | undefined {
    const path = decodeURIComponent(url.split('?')[0]);
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
    const record: ProxiedRequest = {
      operation: classifyS3Request(method, url),
      method,
      url,
      status: 0,
      authorization: req.headers.authorization,
      ...objectOf(url),
    };
    this.requests.push(record);
    const fault = this.take(record.operation, url);
    record.fault = fault;
    if (fault === undefined || fault === 'resetAfterForward') {
      const standIn = this.options.fillMultipartGaps ? this.answerInServersPlace(record) : undefined;
      if (standIn) this.answerLocally(req, res, record, standIn, fault === 'resetAfterForward');
      else this.forward(req, res, record, fault === 'resetAfterForward');
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
      res.writeHead(status, {
        'content-type': 'application/xml',
        'content-length': String(Buffer.byteLength(xml)),
        'x-amz-request-id': requestId(),
      });
      res.end(xml);
    });
  }

  /**
   * With `fillMultipartGaps`: the answer S3 would give to a multipart request that s3rver gets wrong, or undefined
   * to forward the request.
   */
  private answerInServersPlace(record: ProxiedRequest): { status: number; headers: Record<string, string>; body: Buffer } | undefined {
    const upload = record.uploadId === undefined ? undefined : this.uploads.get(record.uploadId);
    const noSuchUpload = () => {
      const xml = s3Error(
        'NoSuchUpload',
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        requestId(),
        `<UploadId>${escapeXml(record.uploadId ?? '')}</UploadId>`,
      );
      return { status: 404, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
    };
    switch (record.operation) {
      case 'AbortMultipartUpload':
        if (upload === undefined || upload.state === 'completed') return noSuchUpload();
        upload.state = 'aborted';
        return { status: 204, headers: {}, body: Buffer.alloc(0) };
      case 'UploadPart':
        return upload?.state === 'aborted' ? noSuchUpload() : undefined;
      case 'CompleteMultipartUpload':
        if (upload?.state === 'aborted') return noSuchUpload();
        if (upload?.state === 'completed' && upload.completeAnswer) return { status: 200, ...upload.completeAnswer };
        return undefined;
      default:
        return undefined;
    }
  }

  private answerLocally(
    req: IncomingMessage,
    res: ServerResponse,
    record: ProxiedRequest,
    answer: { status: number; headers: Record<string, string>; body: Buffer },
    dropAnswer: boolean,
  ): void {
    record.serverStatus = answer.status;
    record.answeredByProxy = true;
    req.resume();
    req.on('end', () => {
      if (dropAnswer) {
        res.socket?.resetAndDestroy();
        return;
      }
      record.status = answer.status;
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length), 'x-amz-request-id': requestId() });
      res.end(answer.body);
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
        // Read before the client can act on the answer: the ledger is up to date when the client has heard it.
        const chunks: Buffer[] = [];
        const keepsBody = record.operation === 'CreateMultipartUpload' || record.operation === 'CompleteMultipartUpload';
        if (keepsBody) answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => this.serverAnswered(record, answer, Buffer.concat(chunks)));
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

  /** Records what the server did with a forwarded request (the ledger, and the proxy's record of uploads). */
  private serverAnswered(record: ProxiedRequest, answer: IncomingMessage, body: Buffer): void {
    const status = answer.statusCode ?? 0;
    const text = body.toString('utf8');
    // S3 may answer CompleteMultipartUpload 200 with an error in the body.
    const failedIn200 = status === 200 && /<Error>/.test(text);
    record.serverStatus = failedIn200 ? 500 : status;
    if (record.operation === 'CreateMultipartUpload' && status === 200) {
      record.uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(text)?.[1];
      if (record.uploadId !== undefined) this.uploads.set(record.uploadId, { key: record.key ?? '', state: 'open' });
    }
    const upload = record.uploadId === undefined ? undefined : this.uploads.get(record.uploadId);
    if (upload && record.operation === 'CompleteMultipartUpload' && record.serverStatus === 200) {
      upload.state = 'completed';
      upload.completeAnswer = { headers: { 'content-type': answer.headers['content-type'] ?? 'application/xml' }, body };
    }
    if (upload && record.operation === 'AbortMultipartUpload' && (status === 204 || status === 200)) upload.state = 'aborted';
  }
}

/** Bucket, key and upload id of a path-style request. */
function objectOf(url: string): Pick<ProxiedRequest, 'bucket' | 'key' | 'uploadId'> {
  const parsed = new URL(url, 'http://proxy.invalid');
  const [bucket, ...key] = parsed.pathname.slice(1).split('/');
  return {
    bucket: bucket ? decodeURIComponent(bucket) : undefined,
    key: key.length > 0 ? decodeURIComponent(key.join('/')) : undefined,
    uploadId: parsed.searchParams.get('uploadId') ?? undefined,
  };
}

function requestId(): string {
  return randomBytes(8).toString('hex').toUpperCase();
}

function errorBody(
  kind: Exclude<S3FaultKind, 'resetBeforeForward' | 'resetAfterForward' | 'hang'>,
  req: IncomingMessage,
): { status: number; xml: string } {
  const id = requestId();
  if (kind === 'internalError') {
    return { status: 500, xml: s3Error('InternalError', 'We encountered an internal error. Please try again.', id) };
  }
  if (kind === 'slowDown') {
    return { status: 503, xml: s3Error('SlowDown', 'Please reduce your request rate.', id) };
  }
  if (kind === 'accessDenied') {
    return { status: 403, xml: s3Error('AccessDenied', 'Access Denied', id) };
  }
  // What S3 answers for a wrong secret key: it echoes what it expected to be signed, and what it received.
  const authorization = String(req.headers.authorization ?? '');
  const accessKeyId = /Credential=([^/]+)\//.exec(authorization)?.[1] ?? '';
  const signature = /Signature=([0-9a-f]+)/.exec(authorization)?.[1] ?? '';
  const amzDate = String(req.headers['x-amz-date']);
  const canonicalRequest = `${req.method}\n${req.url}\n\nhost:${req.headers.host}\nx-amz-date:${amzDate}\n`;
  const stringToSign = `AWS4-HMAC-SHA256\n${amzDate}\n${/Credential=[^/]+\/([^,]+)/.exec(authorization)?.[1] ?? ''}\n${'0'.repeat(64)}`;
  const extra =
    `<AWSAccessKeyId>${accessKeyId}</AWSAccessKeyId><StringToSign>${escapeXml(stringToSign)}</StringToSign>` +
    `<SignatureProvided>${signature}</SignatureProvided><StringToSignBytes>${Buffer.from(stringToSign).toString('hex').replace(/(..)/g, '$1 ').trim()}</StringToSignBytes>` +
    `<CanonicalRequest>${escapeXml(canonicalRequest)}</CanonicalRequest>`;
  return {
    status: 403,
    xml: s3Error(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      id,
      extra,
    ),
  };
}

function s3Error(code: string, message: string, id: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>${extra}<RequestId>${id}</RequestId><HostId>${randomBytes(24).toString('base64')}</HostId></Error>`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
