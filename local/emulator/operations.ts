/**
 * ListAudienceGenerationJobs and GetAudienceGenerationJob: validated input in, restJson1 output out.
 * Errors are thrown as `ServiceError`.
 */
import type { EmulatorFaults } from './faults';
import { parseListInput, validateJobArn } from './input-validation';
import type { JobStore, StoredJob } from './job-store';
import type { PageCursor, PageTokenCodec } from './page-token';
import { jsonResponse, ServiceError, type WireResponse } from './wire';

export interface OperationContext {
  store: JobStore;
  tokens: PageTokenCodec;
  faults: EmulatorFaults;
}

export function listAudienceGenerationJobs(context: OperationContext, query: Record<string, string[]>): WireResponse {
  const { store, tokens, faults } = context;
  const input = parseListInput(query);
  const { collaborationId, configuredAudienceModelArn } = input;
  if (collaborationId !== undefined && faults.isDenied(collaborationId)) throw accessDenied(collaborationId);

  const cursor = input.nextToken === undefined ? undefined : readToken(tokens, input.nextToken, input);
  const lifetime = faults.tokenLifetime(collaborationId);
  if (cursor && lifetime !== undefined && cursor.page >= lifetime) {
    throw new ServiceError('ValidationException', 'The pagination token has expired.');
  }

  const matching = store.list({ collaborationId, configuredAudienceModelArn, isHidden: (id) => faults.isDenied(id) });
  const isSecondPage = cursor?.page === 1;
  // The listing "shifted" by one job between the first and second page.
  const start = cursor ? cursor.offset - (isSecondPage && faults.duplicatesAcrossPages(collaborationId) ? 1 : 0) : 0;
  const page = matching.slice(start, start + input.maxResults);
  const end = start + page.length;

  let nextToken: string | undefined;
  if (isSecondPage && faults.repeatsToken(collaborationId)) {
    nextToken = input.nextToken;
  } else if (end < matching.length) {
    nextToken = tokens.encode({
      collaborationId: collaborationId ?? null,
      configuredAudienceModelArn: configuredAudienceModelArn ?? null,
      offset: end,
      page: (cursor?.page ?? 0) + 1,
    });
  }
  return jsonResponse(200, {
    audienceGenerationJobs: page.map((stored) => summaryOf(stored, context)),
    nextToken,
  });
}

export function getAudienceGenerationJob(context: OperationContext, audienceGenerationJobArn: string): WireResponse {
  validateJobArn(audienceGenerationJobArn);
  const stored = context.store.get(audienceGenerationJobArn);
  if (!stored) {
    throw new ServiceError('ResourceNotFoundException', `Audience generation job ${audienceGenerationJobArn} not found.`);
  }
  if (context.faults.isDenied(stored.collaborationId)) throw accessDenied(stored.collaborationId);
  const { job } = stored;
  return jsonResponse(200, {
    ...summaryOf(stored, context),
    // Get always names the collaboration; only the summary may omit it.
    collaborationId: job.collaborationId ?? stored.collaborationId,
    statusDetails: job.statusDetails,
  });
}

/** The summary members in model order; `JSON.stringify` drops the undefined ones. */
function summaryOf(stored: StoredJob, context: OperationContext): Record<string, unknown> {
  const { job } = stored;
  const arn = job.audienceGenerationJobArn;
  return {
    createTime: job.createTime,
    updateTime: job.updateTime,
    audienceGenerationJobArn: arn,
    name: job.name,
    description: job.description,
    status: context.faults.statusOverride(arn, context.store.isFirstSeeded(arn)) ?? job.status,
    configuredAudienceModelArn: job.configuredAudienceModelArn,
    collaborationId: job.omitCollaborationIdInSummary ? undefined : (job.collaborationId ?? stored.collaborationId),
    startedBy: job.startedBy,
  };
}

/** A token is valid only with the query it was issued for; the page size may change between pages. */
function readToken(
  tokens: PageTokenCodec,
  nextToken: string,
  input: { collaborationId?: string; configuredAudienceModelArn?: string },
): PageCursor {
  const cursor = tokens.decode(nextToken);
  if (!cursor) throw new ServiceError('ValidationException', 'Invalid nextToken: the pagination token is not valid.');
  if (
    cursor.collaborationId !== (input.collaborationId ?? null) ||
    cursor.configuredAudienceModelArn !== (input.configuredAudienceModelArn ?? null)
  ) {
    throw new ServiceError(
      'ValidationException',
      'Invalid nextToken: the pagination token was issued for a different collaborationId or configuredAudienceModelArn.',
    );
  }
  return cursor;
}

function accessDenied(collaborationId: string): ServiceError {
  return new ServiceError('AccessDeniedException', `You do not have access to collaboration ${collaborationId}.`);
}
