/** The `smithy.api#http` bindings of the two operations: method and URI to operation. */
import { GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX, LIST_AUDIENCE_GENERATION_JOBS_PATH } from '../../lambda/cleanroomsml/model-constants';

export type Route =
  | { operation: 'ListAudienceGenerationJobs' }
  /** The `{audienceGenerationJobArn}` label, percent-decoded (or as sent, if its encoding is malformed). */
  | { operation: 'GetAudienceGenerationJob'; audienceGenerationJobArn: string };

/**
 * Routes `GET /audience-generation-job` and `GET /audience-generation-job/{audienceGenerationJobArn}`.
 * A label is one path segment (it is not greedy), so an ARN whose `/` the client did not encode routes nowhere.
 */
export function route(method: string, rawPath: string): Route | undefined {
  if (method !== 'GET') return undefined;
  if (rawPath === LIST_AUDIENCE_GENERATION_JOBS_PATH) return { operation: 'ListAudienceGenerationJobs' };
  if (rawPath.startsWith(GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX)) {
    const rawLabel = rawPath.slice(GET_AUDIENCE_GENERATION_JOB_PATH_PREFIX.length);
    if (rawLabel !== '' && !rawLabel.includes('/')) {
      return { operation: 'GetAudienceGenerationJob', audienceGenerationJobArn: decodeLabel(rawLabel) };
    }
  }
  return undefined;
}

/** Path labels are percent-decoded; unlike the query, `+` in a path is a plus. */
function decodeLabel(rawLabel: string): string {
  try {
    return decodeURIComponent(rawLabel);
  } catch {
    return rawLabel;
  }
}
