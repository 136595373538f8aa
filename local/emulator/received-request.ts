/** Reads a request off node:http into the form the verifier, router and recorder share. */
import type { IncomingMessage } from 'node:http';

/** A request as it came off the socket. */
export interface ReceivedRequest {
  method: string;
  /** The path exactly as sent, percent-encoding intact. */
  rawPath: string;
  /** Decoded query parameters; a parameter given twice has two values. */
  query: Record<string, string[]>;
  /** Lower-case names; repeated headers joined with `, ` as node:http does. */
  headers: Record<string, string>;
  body: Buffer;
}

export async function readReceivedRequest(request: IncomingMessage): Promise<ReceivedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method ?? 'GET',
    rawPath: queryStart < 0 ? url : url.slice(0, queryStart),
    query: parseQuery(queryStart < 0 ? '' : url.slice(queryStart + 1)),
    headers,
    body: Buffer.concat(chunks),
  };
}

/**
 * Decodes a query string as the AWS front end does: `%XX` escapes, and `+` as a space (form encoding). So a
 * client that sends a token's `+` unencoded gets a different token, and a signature mismatch, as it would on AWS.
 */
export function parseQuery(rawQuery: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeComponent(separator < 0 ? pair : pair.slice(0, separator));
    const value = separator < 0 ? '' : decodeComponent(pair.slice(separator + 1));
    (query[name] ??= []).push(value);
  }
  return query;
}

/** Percent-decodes; malformed escapes are kept as sent, so validation reports the value the client sent. */
export function decodeComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}
