import { parseRfc3339DateTimeWithOffset } from '@smithy/core/serde';
import { InvalidResponseError } from './errors';
import type {
  AudienceGenerationJobSummary,
  GetAudienceGenerationJobCommandOutput,
  ListAudienceGenerationJobsCommandOutput,
  ResponseMetadata,
  StatusDetails,
} from './types';

/**
 * restJson1 response bodies to SDK-shaped outputs. Unlike the generated SDK, required members and member
 * types are checked: the exporter must never write a row from a body it did not understand. Members the
 * exporter does not use are ignored, and a status outside the model's enum is passed through as-is.
 */

type JsonObject = Record<string, unknown>;

export function parseJsonBody(body: string, $metadata: ResponseMetadata): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    throw new InvalidResponseError(`Response body is not valid JSON (${(err as Error).message}; ${body.length} bytes)`, $metadata);
  }
}

export function deserializeListAudienceGenerationJobs(json: unknown, $metadata: ResponseMetadata): ListAudienceGenerationJobsCommandOutput {
  const body = expectObject(json, 'ListAudienceGenerationJobsResponse', $metadata);
  const jobs = body.audienceGenerationJobs;
  if (!Array.isArray(jobs)) {
    throw new InvalidResponseError('ListAudienceGenerationJobsResponse.audienceGenerationJobs is required and must be a list', $metadata);
  }
  return {
    nextToken: optionalString(body, 'nextToken', 'ListAudienceGenerationJobsResponse', $metadata),
    audienceGenerationJobs: jobs.map((job, i) => readSummary(job, `audienceGenerationJobs[${i}]`, $metadata)),
    $metadata,
  };
}

export function deserializeGetAudienceGenerationJob(json: unknown, $metadata: ResponseMetadata): GetAudienceGenerationJobCommandOutput {
  const path = 'GetAudienceGenerationJobResponse';
  const summary = readSummary(json, path, $metadata);
  const body = json as JsonObject;
  let statusDetails: StatusDetails | undefined;
  if (body.statusDetails !== undefined && body.statusDetails !== null) {
    const details = expectObject(body.statusDetails, `${path}.statusDetails`, $metadata);
    statusDetails = {
      statusCode: optionalString(details, 'statusCode', `${path}.statusDetails`, $metadata),
      message: optionalString(details, 'message', `${path}.statusDetails`, $metadata),
    };
  }
  return {
    ...summary,
    statusDetails,
    protectedQueryIdentifier: optionalString(body, 'protectedQueryIdentifier', path, $metadata),
    $metadata,
  };
}

function readSummary(value: unknown, path: string, $metadata: ResponseMetadata): AudienceGenerationJobSummary {
  const job = expectObject(value, path, $metadata);
  return {
    createTime: requiredTimestamp(job, 'createTime', path, $metadata),
    updateTime: requiredTimestamp(job, 'updateTime', path, $metadata),
    audienceGenerationJobArn: requiredString(job, 'audienceGenerationJobArn', path, $metadata),
    name: requiredString(job, 'name', path, $metadata),
    description: optionalString(job, 'description', path, $metadata),
    status: requiredString(job, 'status', path, $metadata),
    configuredAudienceModelArn: requiredString(job, 'configuredAudienceModelArn', path, $metadata),
    collaborationId: optionalString(job, 'collaborationId', path, $metadata),
    startedBy: optionalString(job, 'startedBy', path, $metadata),
  };
}

function expectObject(value: unknown, path: string, $metadata: ResponseMetadata): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidResponseError(`${path} must be a JSON object`, $metadata);
  }
  return value as JsonObject;
}

function requiredString(obj: JsonObject, key: string, path: string, $metadata: ResponseMetadata): string {
  const value = optionalString(obj, key, path, $metadata);
  if (value === undefined) {
    throw new InvalidResponseError(`${path}.${key} is required but missing`, $metadata);
  }
  return value;
}

function optionalString(obj: JsonObject, key: string, path: string, $metadata: ResponseMetadata): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new InvalidResponseError(`${path}.${key} must be a string, got ${typeof value}`, $metadata);
  }
  return value;
}

/** The service's usual form, `2024-03-01T09:00:00.000Z`: UTC, milliseconds. */
const CANONICAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function requiredTimestamp(obj: JsonObject, key: string, path: string, $metadata: ResponseMetadata): Date {
  const value = requiredString(obj, key, path, $metadata);
  // Fast path, a fraction of the cost of the generic parser (two timestamps per job, a million jobs): the native
  // parser, kept only when it read the value as written. It refuses (NaN) a month, hour, minute or second out of
  // range, and rolls a day past the month's end (2024-02-30) or an hour of 24 over into the next day: the day of the
  // month then differs. Such values go to the generic parser and its error.
  if (value.length === 24 && CANONICAL_DATE_TIME.test(value)) {
    const date = new Date(value);
    if (date.getUTCDate() === (value.charCodeAt(8) - 48) * 10 + value.charCodeAt(9) - 48) return date;
  }
  try {
    return parseRfc3339DateTimeWithOffset(value)!;
  } catch (err) {
    throw new InvalidResponseError(
      `${path}.${key} is not an RFC 3339 date-time: ${JSON.stringify(value.slice(0, 64))} (${(err as Error).message})`,
      $metadata,
    );
  }
}
