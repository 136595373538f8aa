/**
 * AssumeRole and GetCallerIdentity: decoded form parameters and the verified caller in, STS results out.
 * Errors are thrown as `StsError`, with the codes and messages AWS STS uses.
 */
import type { LocalIdentities, LocalIdentity } from '../emulator/identities';
import type { LocalRoles } from './roles';
import { StsError, type XmlNode } from './sts-xml';
import { isoSeconds, issueTemporaryCredentials, roleIdOf } from './temporary-credentials';

/** What an action needs besides its parameters. */
export interface ActionContext {
  caller: LocalIdentity;
  identities: LocalIdentities;
  roles: LocalRoles;
  now: Date;
}

const DEFAULT_DURATION_SECONDS = 3600;
/** AssumeRole's `DurationSeconds` range. */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;

export function getCallerIdentity(context: ActionContext): XmlNode {
  const { caller } = context;
  return [
    ['Arn', caller.arn],
    ['UserId', caller.userId],
    ['Account', caller.accountId],
  ];
}

/**
 * Issues credentials for the role and registers them under the role's account, so every endpoint sharing the
 * registry accepts them. An unknown role, a denied one and a wrong external id all answer the same AccessDenied,
 * as AWS does: the caller cannot tell which condition failed.
 */
export function assumeRole(params: Record<string, string>, context: ActionContext): XmlNode {
  const roleArn = required(params, 'RoleArn', 'roleArn');
  const sessionName = required(params, 'RoleSessionName', 'roleSessionName');
  check(sessionName, 'roleSessionName', /^[\w+=,.@-]{2,64}$/);
  const externalId = params.ExternalId;
  if (externalId !== undefined) check(externalId, 'externalId', /^[\w+=,.@:/-]{2,1224}$/);
  const requestedDuration = params.DurationSeconds === undefined ? undefined : durationOf(params.DurationSeconds);

  const { roles, caller, identities, now } = context;
  roles.countCall(roleArn);
  const role = roles.get(roleArn);
  if (!role || roles.isDenied(roleArn) || (role.externalId !== undefined && role.externalId !== externalId)) {
    throw new StsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  }
  const maxSession = role.maxSessionDurationSeconds ?? Math.max(DEFAULT_DURATION_SECONDS, role.durationSeconds ?? 0);
  if (requestedDuration !== undefined && requestedDuration > maxSession) {
    throw new StsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.', 400);
  }

  const credentials = issueTemporaryCredentials();
  // Whole seconds, as written in the response, so a client's view of the expiry is the registry's.
  const expiration = new Date(
    Math.floor(now.getTime() / 1000) * 1000 + (requestedDuration ?? role.durationSeconds ?? DEFAULT_DURATION_SECONDS) * 1000,
  );
  const assumedRoleId = `${roleIdOf(roleArn)}:${sessionName}`;
  const arn = `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.roleName}/${sessionName}`;
  identities.add({ ...credentials, accountId: role.accountId, arn, userId: assumedRoleId, expiration });
  return [
    [
      'AssumedRoleUser',
      [
        ['AssumedRoleId', assumedRoleId],
        ['Arn', arn],
      ],
    ],
    [
      'Credentials',
      [
        ['AccessKeyId', credentials.accessKeyId],
        ['SecretAccessKey', credentials.secretAccessKey],
        ['SessionToken', credentials.sessionToken],
        ['Expiration', isoSeconds(expiration)],
      ],
    ],
  ];
}

function required(params: Record<string, string>, name: string, member: string): string {
  const value = params[name];
  if (value === undefined || value === '') {
    throw new StsError(
      'ValidationError',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

function check(value: string, member: string, pattern: RegExp): void {
  if (!pattern.test(value)) {
    throw new StsError(
      'ValidationError',
      `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
      400,
    );
  }
}

function durationOf(text: string): number {
  const duration = Number(text);
  if (!/^\d+$/.test(text)) {
    throw new StsError(
      'ValidationError',
      `1 validation error detected: Value '${text}' at 'durationSeconds' failed to satisfy constraint: Member must be an integer`,
      400,
    );
  }
  if (duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS) {
    throw new StsError(
      'ValidationError',
      `1 validation error detected: Value '${text}' at 'durationSeconds' failed to satisfy constraint: ` +
        `Member must have value ${duration < MIN_DURATION_SECONDS ? `greater than or equal to ${MIN_DURATION_SECONDS}` : `less than or equal to ${MAX_DURATION_SECONDS}`}`,
      400,
    );
  }
  return duration;
}
