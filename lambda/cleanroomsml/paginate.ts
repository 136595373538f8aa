import { createHash } from 'node:crypto';
import type { CleanRoomsMLClient, SendOptions } from './client';
import { ListAudienceGenerationJobsCommand } from './commands';
import { PaginationLoopError } from './errors';
import { MAX_RESULTS_MAX } from './model-constants';
import type { ListAudienceGenerationJobsCommandInput, ListAudienceGenerationJobsCommandOutput } from './types';

export interface ListAudienceGenerationJobsPaginationConfiguration extends SendOptions {
  client: CleanRoomsMLClient;
  /** maxResults per page. Default: the model's maximum, 100. */
  pageSize?: number;
}

/**
 * Every page of ListAudienceGenerationJobs, one request after another (each needs the previous token).
 * Shaped like the official SDK's paginator. Unlike it, a token seen before on this walk (not only the
 * previous one) stops the walk with a {@link PaginationLoopError}. Tokens are remembered as MD5
 * digests, because a token may be 10 KB long and a walk may have thousands of pages.
 */
export async function* paginateListAudienceGenerationJobs(
  config: ListAudienceGenerationJobsPaginationConfiguration,
  input: ListAudienceGenerationJobsCommandInput,
): AsyncGenerator<ListAudienceGenerationJobsCommandOutput, void, undefined> {
  const { client, pageSize = MAX_RESULTS_MAX, abortSignal } = config;
  const seenTokens = new Set<string>();
  const digestOf = (token: string) => createHash('md5').update(token).digest('base64');
  let nextToken = input.nextToken;
  if (nextToken) seenTokens.add(digestOf(nextToken));
  let pageNumber = 0;
  do {
    pageNumber++;
    const page = await client.send(new ListAudienceGenerationJobsCommand({ ...input, nextToken, maxResults: pageSize }), {
      abortSignal,
    });
    if (page.nextToken) {
      const digest = digestOf(page.nextToken);
      if (seenTokens.has(digest)) {
        throw new PaginationLoopError(pageNumber);
      }
      seenTokens.add(digest);
    }
    // Check the loop before yielding, so a looping walk never hands out the repeated page.
    yield page;
    // An empty token ends the walk, as in the SDK's paginators (the model's minimum length is 1).
    nextToken = page.nextToken || undefined;
  } while (nextToken);
}
