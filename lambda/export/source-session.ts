import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { CleanRoomsMLClient } from '../cleanroomsml/client';
import { type AwsClientSettings, cleanRoomsClient, sourceCredentials } from '../commons/aws-clients';
import { errorDetails } from '../commons/error-details';
import type { SourceSpec } from '../config-rules/sources';

/** A source ready to be read: its account, and a client signed with its credentials. */
export interface SourceSession {
  accountId: string;
  client: CleanRoomsMLClient;
}

/** Opens a source: given a spec, resolves its credentials and account. Injected into the run (tests give their own). */
export type OpenSource = (spec: SourceSpec, abortSignal: AbortSignal | undefined) => Promise<SourceSession>;

/**
 * The source could not be read at all: its role could not be assumed, or its identity could not be learned. Each of
 * its collaborations fails with this error; the other sources go on.
 */
export class SourceUnavailableError extends Error {
  override readonly name = 'SourceUnavailableError';
}

/**
 * The default {@link OpenSource}: the account comes from STS GetCallerIdentity with the source's own credentials
 * (it needs no IAM permission), which also assumes the role when there is one.
 */
export function awsSourceOpener(settings: AwsClientSettings): OpenSource {
  return async (spec, abortSignal) => {
    const { sts } = sourceCredentials(spec);
    let accountId: string | undefined;
    try {
      ({ Account: accountId } = await sts.send(new GetCallerIdentityCommand({}), { abortSignal }));
    } catch (error) {
      if (abortSignal?.aborted) throw abortSignal.reason;
      const { name, message } = errorDetails(error);
      const what = spec.roleArn
        ? `The role ${spec.roleArn} could not be assumed`
        : `The identity of the function's own credentials could not be learned`;
      throw new SourceUnavailableError(`${what} in ${spec.region} (${name}: ${message})`);
    }
    if (!accountId || !/^\d{12}$/.test(accountId)) {
      throw new SourceUnavailableError(
        `STS GetCallerIdentity in ${spec.region} answered account ${JSON.stringify(accountId)}, which is not a 12-digit account id`,
      );
    }
    return { accountId, client: cleanRoomsClient(spec, accountId, settings) };
  };
}
