import { HttpRequest } from '@smithy/protocol-http';
import { escapeUri } from '@smithy/util-uri-escape';
import { deserializeGetAudienceGenerationJob, deserializeListAudienceGenerationJobs } from './deserialize';
import { GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX, LIST_AUDIENCE_GENERATION_JOBS_PATH } from './model-constants';
import type {
  GetAudienceGenerationJobCommandInput,
  GetAudienceGenerationJobCommandOutput,
  ListAudienceGenerationJobsCommandInput,
  ListAudienceGenerationJobsCommandOutput,
  ResponseMetadata,
} from './types';

/**
 * A command serializes its input to an HTTP request and deserializes the JSON body of a 2xx answer,
 * following the restJson1 bindings of the model. Named and shaped as in `@aws-sdk/client-cleanroomsml`.
 */
export interface CleanRoomsMLCommand<Input, Output> {
  readonly operationName: string;
  readonly input: Input;
  serialize(endpoint: URL): HttpRequest;
  deserialize(json: unknown, $metadata: ResponseMetadata): Output;
}

export class ListAudienceGenerationJobsCommand implements CleanRoomsMLCommand<
  ListAudienceGenerationJobsCommandInput,
  ListAudienceGenerationJobsCommandOutput
> {
  readonly operationName = 'ListAudienceGenerationJobs';

  constructor(readonly input: ListAudienceGenerationJobsCommandInput) {}

  serialize(endpoint: URL): HttpRequest {
    const { collaborationId, configuredAudienceModelArn, maxResults, nextToken } = this.input;
    // HttpRequest.query is URI-encoded (RFC 3986) by the HTTP handler and the signer alike, so opaque
    // tokens with + / = survive the trip.
    const query: Record<string, string> = {};
    if (nextToken !== undefined) query.nextToken = nextToken;
    if (maxResults !== undefined) query.maxResults = String(maxResults);
    if (configuredAudienceModelArn !== undefined) query.configuredAudienceModelArn = configuredAudienceModelArn;
    if (collaborationId !== undefined) query.collaborationId = collaborationId;
    return newGetRequest(endpoint, LIST_AUDIENCE_GENERATION_JOBS_PATH, query);
  }

  deserialize(json: unknown, $metadata: ResponseMetadata): ListAudienceGenerationJobsCommandOutput {
    return deserializeListAudienceGenerationJobs(json, $metadata);
  }
}

export class GetAudienceGenerationJobCommand implements CleanRoomsMLCommand<
  GetAudienceGenerationJobCommandInput,
  GetAudienceGenerationJobCommandOutput
> {
  readonly operationName = 'GetAudienceGenerationJob';

  constructor(readonly input: GetAudienceGenerationJobCommandInput) {}

  serialize(endpoint: URL): HttpRequest {
    const arn = this.input.audienceGenerationJobArn;
    if (!arn) {
      throw new Error('GetAudienceGenerationJob: audienceGenerationJobArn is required');
    }
    // httpLabel: the whole ARN is one path segment, so ':' and '/' are percent-encoded.
    return newGetRequest(endpoint, GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX + escapeUri(arn), {});
  }

  deserialize(json: unknown, $metadata: ResponseMetadata): GetAudienceGenerationJobCommandOutput {
    return deserializeGetAudienceGenerationJob(json, $metadata);
  }
}

function newGetRequest(endpoint: URL, operationPath: string, query: Record<string, string>): HttpRequest {
  const basePath = endpoint.pathname.replace(/\/+$/, '');
  return new HttpRequest({
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: endpoint.port ? Number(endpoint.port) : undefined,
    method: 'GET',
    path: basePath + operationPath,
    query,
    headers: {
      host: endpoint.host,
      accept: 'application/json',
    },
  });
}
