/**
 * Writes an answer to the socket, shaped by the fault the request took: slow, reset, truncated, malformed or
 * missing a member. Everything else about the answer (status, error type) was decided before.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { InjectedFault } from './faults';
import type { WireResponse } from './wire';

/** Writes `response` and resolves with the status sent, or 0 when no status line went out (reset, or client gone). */
export async function deliver(
  res: ServerResponse,
  response: WireResponse,
  requestId: string,
  fault: InjectedFault | undefined,
  signal: AbortSignal,
): Promise<number> {
  if (fault?.kind === 'slowResponse') await sleep(fault.delayMs, undefined, { signal });
  // The client gave up (e.g. its timeout fired during a slow answer): nothing reaches it.
  if (res.destroyed) return 0;
  const body = Buffer.from(shapeBody(response, fault));
  const headers = { ...response.headers, 'x-amzn-requestid': requestId, 'content-length': String(body.length) };

  if (fault?.kind !== 'resetConnection') {
    res.writeHead(response.status, headers).end(body);
    return response.status;
  }
  if (fault.at === 'before-response') {
    res.socket?.resetAndDestroy();
    return 0;
  }
  res.writeHead(response.status, headers);
  // Everything written before the reset reaches the client first; the declared length is never completed.
  const sent = fault.at === 'mid-body' ? body.subarray(0, Math.floor(body.length / 2)) : Buffer.alloc(0);
  res.flushHeaders();
  await new Promise<void>((resolve) => res.write(sent, () => resolve()));
  res.socket?.resetAndDestroy();
  return response.status;
}

function shapeBody(response: WireResponse, fault: InjectedFault | undefined): string {
  switch (fault?.kind) {
    case 'truncateBody':
      return response.body.slice(0, Math.floor(response.body.length / 2));
    case 'malformedJson':
      return response.body.replace('"', '');
    case 'missingRequiredField':
      return response.status === 200 ? withoutMember(response.body, fault.field) : response.body;
    default:
      return response.body;
  }
}

/** Drops `field` from the output and from every job summary in it. */
function withoutMember(body: string, field: string): string {
  const output = JSON.parse(body) as Record<string, unknown>;
  delete output[field];
  const jobs = output.audienceGenerationJobs;
  if (Array.isArray(jobs)) for (const job of jobs as Record<string, unknown>[]) delete job[field];
  return JSON.stringify(output);
}
