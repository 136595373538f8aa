import type { ResponseMetadata } from './types';

/**
 * An error answered by the service (or by something between us and it), in the shape of the official
 * SDK's `CleanRoomsMLServiceException`: `name` is the error shape (`AccessDeniedException`,
 * `ThrottlingException`, ...), `$metadata` carries the HTTP status and request id.
 */
export class CleanRoomsMLServiceException extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: ResponseMetadata;

  constructor(options: { name: string; message: string; $fault: 'client' | 'server'; $metadata: ResponseMetadata }) {
    super(options.message);
    this.name = options.name;
    this.$fault = options.$fault;
    this.$metadata = options.$metadata;
  }
}

/**
 * A 2xx response whose body does not match the model: unparseable JSON, a missing required member, a
 * member of the wrong type. Not retried: a wrong row is worse than a failed collaboration.
 */
export class InvalidResponseError extends Error {
  override readonly name = 'InvalidResponseError';
  readonly $metadata: ResponseMetadata;

  constructor(message: string, $metadata: ResponseMetadata) {
    super(message);
    this.$metadata = $metadata;
  }
}

/** The service answered a nextToken it had already answered: following it would loop forever. */
export class PaginationLoopError extends Error {
  override readonly name = 'PaginationLoopError';

  constructor(readonly pageNumber: number) {
    super(`ListAudienceGenerationJobs repeated a nextToken on page ${pageNumber}; stopped to avoid an endless loop`);
  }
}
