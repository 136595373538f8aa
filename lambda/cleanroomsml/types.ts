/**
 * Input and output types of the two operations we use, named as `@aws-sdk/client-cleanroomsml` names them,
 * so that moving to the official client is a change of imports. Timestamps are `Date`, as in the SDK.
 */
import type { AudienceGenerationJobStatus } from './model-constants';

export type { AudienceGenerationJobStatus };

export interface AudienceGenerationJobSummary {
  createTime: Date;
  updateTime: Date;
  audienceGenerationJobArn: string;
  name: string;
  description?: string;
  /** A value outside the model's enum is passed through as-is (the service may add statuses). */
  status: AudienceGenerationJobStatus | (string & {});
  configuredAudienceModelArn: string;
  collaborationId?: string;
  startedBy?: string;
}

export interface StatusDetails {
  statusCode?: string;
  message?: string;
}

export interface ListAudienceGenerationJobsCommandInput {
  nextToken?: string;
  maxResults?: number;
  configuredAudienceModelArn?: string;
  collaborationId?: string;
}

export interface ListAudienceGenerationJobsCommandOutput {
  nextToken?: string;
  audienceGenerationJobs: AudienceGenerationJobSummary[];
  $metadata: ResponseMetadata;
}

export interface GetAudienceGenerationJobCommandInput {
  audienceGenerationJobArn: string;
}

/** The members the exporter reads; the rest of the response is kept untyped in `raw`-free form. */
export interface GetAudienceGenerationJobCommandOutput extends AudienceGenerationJobSummary {
  statusDetails?: StatusDetails;
  protectedQueryIdentifier?: string;
  $metadata: ResponseMetadata;
}

export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
  totalRetryDelay?: number;
}
