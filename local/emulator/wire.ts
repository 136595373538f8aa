/**
 * restJson1 response forms: JSON bodies, and errors named by `x-amzn-errortype` with a `{ message }` body.
 */
import { ERROR_HTTP_STATUS, type CleanRoomsMLErrorName } from '../../lambda/cleanroomsml/model-constants';

/** An answer before it is written; faults may rewrite it, the server adds the request id and length. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Errors the AWS front end answers itself, outside the service model (signature checks, routing, load balancer).
 * AWS uses these names and codes.
 */
const FRONT_END_ERROR_STATUS = {
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  ExpiredTokenException: 403,
  UnknownOperationException: 404,
  ServiceUnavailableException: 503,
} as const;
export type FrontEndErrorName = keyof typeof FRONT_END_ERROR_STATUS;

/** An error answer; thrown by handlers and turned into a response by the server. */
export class ServiceError extends Error {
  readonly status: number;
  constructor(
    readonly errorType: CleanRoomsMLErrorName | FrontEndErrorName,
    message: string,
    readonly extraHeaders: Record<string, string> = {},
  ) {
    super(message);
    this.name = errorType;
    this.status =
      errorType in ERROR_HTTP_STATUS
        ? ERROR_HTTP_STATUS[errorType as CleanRoomsMLErrorName]
        : FRONT_END_ERROR_STATUS[errorType as FrontEndErrorName];
  }
}

const JSON_CONTENT_TYPE = 'application/json';

export function jsonResponse(status: number, value: unknown): WireResponse {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(value) };
}

export function errorResponse(error: ServiceError): WireResponse {
  return {
    status: error.status,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-errortype': error.errorType, ...error.extraHeaders },
    body: JSON.stringify({ __type: error.errorType, message: error.message }),
  };
}

/** What a load balancer in front of the service answers on 502/504: HTML, no error type. */
export function gatewayErrorResponse(status: 502 | 504): WireResponse {
  const reason = status === 502 ? 'Bad Gateway' : 'Gateway Timeout';
  return {
    status,
    headers: { 'content-type': 'text/html' },
    body: `<html><head><title>${status} ${reason}</title></head><body><center><h1>${status} ${reason}</h1></center></body></html>`,
  };
}
