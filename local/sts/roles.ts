/** The IAM roles the STS emulator can hand out sessions for, and what their trust policies would allow. */

/** A role that may be assumed. */
export interface LocalRole {
  /** `arn:aws:iam::<account>:role/<path/>name`; sessions of it sign as that account. */
  roleArn: string;
  /** When set, AssumeRole must pass exactly this `ExternalId` (a trust policy's `sts:ExternalId` condition). */
  externalId?: string;
  /**
   * Lifetime of issued credentials when the request sets no `DurationSeconds`; default 3600. May be shorter than
   * AWS's 900-second minimum, so that a test can watch credentials expire and be refreshed.
   */
  durationSeconds?: number;
  /** Largest `DurationSeconds` a request may ask for (the role's MaxSessionDuration); default 3600, at least `durationSeconds`. */
  maxSessionDurationSeconds?: number;
}

/** A registered role with what its ARN tells. */
export interface RegisteredRole extends LocalRole {
  accountId: string;
  partition: string;
  /** The last segment of the ARN, without the path: the name in the assumed-role ARN. */
  roleName: string;
}

const ROLE_ARN = /^arn:(aws(?:-[a-z]+)*):iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)?([\w+=,.@-]{1,64})$/;

export class LocalRoles {
  private readonly roles = new Map<string, RegisteredRole>();
  private readonly denied = new Set<string>();
  private readonly assumeRoleCalls = new Map<string, number>();

  /** Registers (or replaces) a role; throws on an ARN that is not an IAM role ARN. */
  add(role: LocalRole): RegisteredRole {
    const match = ROLE_ARN.exec(role.roleArn);
    if (!match) throw new RangeError(`not an IAM role ARN: ${role.roleArn}`);
    if (role.durationSeconds !== undefined && !(Number.isInteger(role.durationSeconds) && role.durationSeconds > 0)) {
      throw new RangeError(`durationSeconds must be a positive integer, got ${role.durationSeconds}`);
    }
    const [, partition, accountId, roleName] = match;
    const registered = { ...role, accountId, partition, roleName };
    this.roles.set(role.roleArn, registered);
    return registered;
  }

  get(roleArn: string): RegisteredRole | undefined {
    return this.roles.get(roleArn);
  }

  deny(roleArn: string): void {
    this.denied.add(roleArn);
  }

  allow(roleArn: string): void {
    this.denied.delete(roleArn);
  }

  isDenied(roleArn: string): boolean {
    return this.denied.has(roleArn);
  }

  countCall(roleArn: string): void {
    this.assumeRoleCalls.set(roleArn, (this.assumeRoleCalls.get(roleArn) ?? 0) + 1);
  }

  callCount(roleArn: string): number {
    return this.assumeRoleCalls.get(roleArn) ?? 0;
  }
}
