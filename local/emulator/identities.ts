/**
 * The credential sets local AWS endpoints accept, each mapped to the AWS account (and principal) it signs as.
 * One registry may be shared by several local endpoints: the STS emulator adds the temporary credentials it issues,
 * and the Clean Rooms ML emulator given the same registry then accepts requests signed with them.
 */
import { createHash } from 'node:crypto';
import { ACCOUNT_ID_PATTERN } from '../../lambda/cleanroomsml/model-constants';

/** The account the default identity signs as. */
export const DEFAULT_ACCOUNT_ID = '111122223333';

/** A credential set to register. */
export interface LocalIdentityInput {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, requests must carry it in `x-amz-security-token`; when unset, they must not carry one. */
  sessionToken?: string;
  /** 12-digit AWS account id the credentials belong to. */
  accountId: string;
  /** Principal ARN (GetCallerIdentity's `Arn`); default `arn:aws:iam::<accountId>:user/local`. */
  arn?: string;
  /** GetCallerIdentity's `UserId`; default a stable `AIDA…` id derived from the access key id. */
  userId?: string;
  /** Temporary credentials are refused (ExpiredToken) from this instant on; default never. */
  expiration?: Date;
}

/** A registered credential set, defaults resolved. */
export interface LocalIdentity extends LocalIdentityInput {
  arn: string;
  userId: string;
}

/** An identity's key material only, as a client is handed it (no session token key when it has none). */
export function keyMaterialOf(identity: LocalIdentityInput): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } {
  const { accessKeyId, secretAccessKey, sessionToken } = identity;
  return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
}

/** Shared, mutable registry of accepted credentials, looked up by access key id (the key a signature names). */
export class LocalIdentities {
  private readonly byAccessKeyId = new Map<string, LocalIdentity>();

  constructor(identities: Iterable<LocalIdentityInput> = []) {
    for (const identity of identities) this.add(identity);
  }

  /**
   * Registers a credential set and returns it with defaults resolved. Adding the same set again is a no-op;
   * reusing an access key id for different credentials throws, since a signature could not tell them apart.
   */
  add(input: LocalIdentityInput): LocalIdentity {
    if (!ACCOUNT_ID_PATTERN.test(input.accountId)) throw new RangeError(`accountId must be 12 digits, got ${input.accountId}`);
    const identity: LocalIdentity = {
      ...input,
      arn: input.arn ?? `arn:aws:iam::${input.accountId}:user/local`,
      userId: input.userId ?? stableUserId(input.accessKeyId),
    };
    const existing = this.byAccessKeyId.get(input.accessKeyId);
    if (existing) {
      if (sameIdentity(existing, identity)) return existing;
      throw new Error(`access key id already registered with other credentials or account: ${input.accessKeyId}`);
    }
    this.byAccessKeyId.set(identity.accessKeyId, identity);
    return identity;
  }

  /** The identity signing with this access key id, if registered. */
  get(accessKeyId: string): LocalIdentity | undefined {
    return this.byAccessKeyId.get(accessKeyId);
  }

  /** Forgets a credential set; requests signed with it are then refused as unrecognized. */
  remove(accessKeyId: string): boolean {
    return this.byAccessKeyId.delete(accessKeyId);
  }

  /** Every registered identity, in registration order. */
  list(): LocalIdentity[] {
    return [...this.byAccessKeyId.values()];
  }
}

function sameIdentity(a: LocalIdentity, b: LocalIdentity): boolean {
  return (
    a.secretAccessKey === b.secretAccessKey &&
    a.sessionToken === b.sessionToken &&
    a.accountId === b.accountId &&
    a.arn === b.arn &&
    a.userId === b.userId &&
    a.expiration?.getTime() === b.expiration?.getTime()
  );
}

/** IAM user ids are `AIDA` and 17 upper-case letters or digits; derived from the key so runs are reproducible. */
function stableUserId(accessKeyId: string): string {
  const digest = createHash('sha256').update(accessKeyId).digest('hex').toUpperCase();
  return `AIDA${digest.slice(0, 17)}`;
}

/** The default credentials: AWS's documented example keys, never valid anywhere. */
export const EMULATOR_DEFAULT_CREDENTIALS: Readonly<Pick<LocalIdentityInput, 'accessKeyId' | 'secretAccessKey'>> = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

/**
 * The identity an endpoint calls its own (what `emulator.credentials` hands to a client, whose account seeding
 * defaults to): `credentials` if given, registered under `accountId` unless already registered; else the registry's
 * first identity; else the example keys, registered. Throws when the options contradict the registry.
 */
export function resolveDefaultIdentity(
  identities: LocalIdentities,
  options: { credentials?: Pick<LocalIdentityInput, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>; accountId?: string },
): LocalIdentity {
  const { credentials, accountId } = options;
  const existing = credentials ? identities.get(credentials.accessKeyId) : identities.list()[0];
  if (!existing) return identities.add({ ...(credentials ?? EMULATOR_DEFAULT_CREDENTIALS), accountId: accountId ?? DEFAULT_ACCOUNT_ID });
  if (credentials && (credentials.secretAccessKey !== existing.secretAccessKey || credentials.sessionToken !== existing.sessionToken)) {
    throw new Error(`credentials ${credentials.accessKeyId} differ from the ones registered under that access key id`);
  }
  if (accountId !== undefined && accountId !== existing.accountId) {
    throw new Error(`accountId ${accountId} contradicts the registered account ${existing.accountId} of ${existing.accessKeyId}`);
  }
  return existing;
}
