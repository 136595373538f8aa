import type { FaultKind } from './faults';

/**
 * Public types of the local Clean Rooms ML emulator. The emulator speaks the wire protocol (restJson1), so
 * these types carry wire strings, not SDK objects: tests control every byte the client will parse.
 */

/** The two operations the emulator implements, named as in the Smithy model. */
export type OperationName = 'ListAudienceGenerationJobs' | 'GetAudienceGenerationJob';

/** A credential set requests are signed with (see `LocalIdentities` for the accounts they map to). */
export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it in `x-amz-security-token`; when unset, they must not carry one. */
  sessionToken?: string;
}

/** One audience generation job, in wire form. */
export interface EmulatorJob {
  audienceGenerationJobArn: string;
  name: string;
  description?: string;
  /** Sent verbatim, so a value outside the model's enum can be served. */
  status: string;
  configuredAudienceModelArn: string;
  /** Wire value of `collaborationId`; defaults to the collaboration the job was seeded under. */
  collaborationId?: string;
  startedBy?: string;
  /** RFC 3339 strings, sent verbatim. */
  createTime: string;
  updateTime: string;
  /** Returned by GetAudienceGenerationJob only (the summary shape has no such member). */
  statusDetails?: { statusCode?: string; message?: string };
  /** The List summary omits `collaborationId` (it is optional in the model); Get still returns it. */
  omitCollaborationIdInSummary?: boolean;
}

/** One request as the emulator received it, and how it answered. */
export interface RecordedRequest {
  method: string;
  /** The raw path, exactly as received (label still percent-encoded). */
  path: string;
  /** Decoded query parameters; a parameter given twice has two values. */
  query: Record<string, string[]>;
  /** Lower-case header names, as node:http exposes them. */
  headers: Record<string, string>;
  /** The operation the method and path route to, or undefined for an unknown route. */
  operation: OperationName | undefined;
  /**
   * HTTP status the emulator answered with: undefined while the answer is pending, 0 when the connection was
   * destroyed before any status line was written.
   */
  status: number | undefined;
  /** `x-amzn-errortype` of the answer, if it was an error. */
  errorType?: string;
  /** The injected fault that shaped this answer, if any (see `EmulatorFaults`). */
  fault?: FaultKind;
  /** Account of the signing identity, once the signature was verified (or read, when verification is off). */
  accountId?: string;
  /** Region of the signature's credential scope, once verified (or read, when verification is off). */
  region?: string;
}
