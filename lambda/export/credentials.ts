import type { AwsCredentialIdentity } from '@smithy/types';

/**
 * The run has no usable AWS credentials: none could be resolved, or the ones resolved have expired.
 * Raised once, before any request, instead of one identical failure per collaboration.
 */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

/**
 * The service refused the caller's identity (unknown key, bad signature, expired session token). Every
 * further request would get the same answer, so the run stops; this is the reason the other collaborations
 * carry in the manifest.
 */
export class CredentialsRejectedError extends Error {
  override readonly name = 'CredentialsRejectedError';
}

/**
 * Error names (Clean Rooms ML, S3, and the credential chain) that reject the identity of the caller rather
 * than one request or resource. AccessDenied is not one of them: it is per collaboration.
 */
const CREDENTIAL_REJECTIONS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'InvalidAccessKeyId',
  'InvalidToken',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
]);

export function isCredentialRejection(error: unknown): boolean {
  return error instanceof Error && CREDENTIAL_REJECTIONS.has(error.name);
}

/**
 * Resolves the credentials once, before the run starts. Missing credentials, or credentials that have
 * already expired (e.g. exported session credentials with `AWS_CREDENTIAL_EXPIRATION` in the past, which
 * no provider will refresh), throw one {@link CredentialsError}.
 */
export async function checkCredentials(resolve: () => Promise<AwsCredentialIdentity>, now: Date): Promise<void> {
  let credentials: AwsCredentialIdentity;
  try {
    credentials = await resolve();
  } catch (error) {
    throw new CredentialsError(
      `No AWS credentials could be resolved (${(error as Error).message}); give the function a role, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)`,
    );
  }
  if (credentials.expiration && credentials.expiration.getTime() <= now.getTime()) {
    throw new CredentialsError(`The AWS credentials expired at ${credentials.expiration.toISOString()}; refresh them and run again`);
  }
}
