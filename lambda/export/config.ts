import {
  ARN_MAX_LENGTH,
  ARN_MIN_LENGTH,
  CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN,
  UUID_PATTERN,
} from '../cleanroomsml/model-constants';
import { DEFAULTS, ENV, LIMITS } from '../commons/constants';
import type { Compression } from '../snapshot/key-layout';
import { ConfigurationError } from './configuration-error';

/** What to export: listed collaborations, or every job the account can see (`*`). */
export type CollaborationSelection = { kind: 'listed'; collaborationIds: readonly string[] } | { kind: 'all' };

export interface ExporterConfig {
  collaborations: CollaborationSelection;
  bucket: string;
  prefix: string;
  configuredAudienceModelArn: string | undefined;
  compression: Compression;
  maxConcurrency: number;
  maxAttempts: number;
  requestTimeoutMs: number;
}

/**
 * Reads and validates the exporter's environment (see lambda/commons/constants.ts). Every problem is
 * collected into one {@link ConfigurationError} that names the variable and the value.
 */
export function loadExporterConfig(env: NodeJS.ProcessEnv): ExporterConfig {
  const problems: string[] = [];
  const collaborations = parseCollaborationIds(env[ENV.COLLABORATION_IDS], problems);
  const bucket = parseBucket(env[ENV.SNAPSHOT_BUCKET], problems);
  const prefix = parsePrefix(env[ENV.SNAPSHOT_PREFIX], problems);
  const configuredAudienceModelArn = parseModelArn(env[ENV.CONFIGURED_AUDIENCE_MODEL_ARN], problems);
  const compression = parseCompression(env[ENV.COMPRESSION], problems);
  const maxConcurrency = parseInteger(ENV.MAX_CONCURRENCY, env[ENV.MAX_CONCURRENCY], DEFAULTS.MAX_CONCURRENCY, 1, LIMITS.MAX_CONCURRENCY, problems);
  const maxAttempts = parseInteger(ENV.MAX_ATTEMPTS, env[ENV.MAX_ATTEMPTS], DEFAULTS.MAX_ATTEMPTS, 1, LIMITS.MAX_ATTEMPTS, problems);
  const requestTimeoutMs = parseInteger(ENV.REQUEST_TIMEOUT_MS, env[ENV.REQUEST_TIMEOUT_MS], DEFAULTS.REQUEST_TIMEOUT_MS, 100, 300_000, problems);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return { collaborations: collaborations!, bucket: bucket!, prefix, configuredAudienceModelArn, compression, maxConcurrency, maxAttempts, requestTimeoutMs };
}

/** A comma-separated list of lowercase UUIDs (the model's pattern), or `*`. */
export function parseCollaborationIds(raw: string | undefined, problems: string[], name: string = ENV.COLLABORATION_IDS): CollaborationSelection | undefined {
  if (raw === undefined || raw === '') {
    problems.push(`${name} is required: a comma-separated list of collaboration ids, or *`);
    return undefined;
  }
  if (raw === '*') return { kind: 'all' };
  const items = raw.split(',');
  if (items.length > LIMITS.MAX_COLLABORATIONS) {
    problems.push(`${name} lists ${items.length} collaborations; at most ${LIMITS.MAX_COLLABORATIONS} are supported per run (use * to export every collaboration)`);
    return undefined;
  }
  const ids: string[] = [];
  const seen = new Set<string>();
  const before = problems.length;
  items.forEach((item, index) => {
    const where = `${name} item ${index + 1} ${JSON.stringify(item)}`;
    if (item === '*') problems.push(`${where}: * must stand alone, not in a list`);
    else if (item === '') problems.push(`${where} is empty (check for doubled or trailing commas)`);
    else if (/\s/.test(item)) problems.push(`${where} contains whitespace; separate ids with a comma only`);
    else if (UUID_PATTERN.test(item.toLowerCase()) && !UUID_PATTERN.test(item)) problems.push(`${where} must be lowercase, as the API returns it: ${item.toLowerCase()}`);
    else if (!UUID_PATTERN.test(item)) problems.push(`${where} is not a collaboration id (a UUID such as 3f1c2a4e-8b7d-4c6e-9a2f-1b3c5d7e9f01)`);
    else if (seen.has(item)) problems.push(`${where} is listed twice`);
    else {
      seen.add(item);
      ids.push(item);
    }
  });
  return problems.length === before ? { kind: 'listed', collaborationIds: ids } : undefined;
}

/** S3 general purpose bucket naming rules. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return 'may contain only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  if (name.includes('..')) return 'must not contain two adjacent dots';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not be formatted as an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name) || /(-s3alias|--ol-s3|--x-s3|--table-s3|\.mrap)$/.test(name)) return 'uses a prefix or suffix that S3 reserves';
  return undefined;
}

function parseBucket(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw === '') {
    problems.push(`${ENV.SNAPSHOT_BUCKET} is required: the name of the bucket that receives the snapshots`);
    return undefined;
  }
  const problem = bucketNameProblem(raw);
  if (problem) problems.push(`${ENV.SNAPSHOT_BUCKET} ${JSON.stringify(raw)} is not a valid bucket name: it ${problem}`);
  return raw;
}

/** A key prefix: empty, or safe characters ending in `/`, with no empty, `.` or `..` segment. */
export function prefixProblem(prefix: string): string | undefined {
  if (prefix === '') return undefined;
  if (prefix.startsWith('/')) return 'must not start with /';
  if (!prefix.endsWith('/')) return 'must end with /';
  if (prefix.length > 512) return 'must be at most 512 characters';
  if (!/^[A-Za-z0-9!_.*'()=/-]+$/.test(prefix)) return "may contain only letters, digits, / and the characters ! _ . * ' ( ) = -";
  const segments = prefix.slice(0, -1).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'must not contain empty, . or .. path segments';
  return undefined;
}

function parsePrefix(raw: string | undefined, problems: string[]): string {
  if (raw === undefined) return DEFAULTS.SNAPSHOT_PREFIX;
  const problem = prefixProblem(raw);
  if (problem) problems.push(`${ENV.SNAPSHOT_PREFIX} ${JSON.stringify(raw)} is not a valid key prefix: it ${problem}`);
  return raw;
}

function parseModelArn(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < ARN_MIN_LENGTH || raw.length > ARN_MAX_LENGTH || !CONFIGURED_AUDIENCE_MODEL_ARN_PATTERN.test(raw)) {
    problems.push(
      `${ENV.CONFIGURED_AUDIENCE_MODEL_ARN} ${JSON.stringify(raw)} is not a configured audience model ARN (arn:aws:cleanrooms-ml:<region>:<account>:configured-audience-model/<id>)`,
    );
  }
  return raw;
}

function parseCompression(raw: string | undefined, problems: string[]): Compression {
  if (raw === undefined || raw === '') return DEFAULTS.COMPRESSION;
  if (raw !== 'gzip' && raw !== 'none') {
    problems.push(`${ENV.COMPRESSION} ${JSON.stringify(raw)} must be gzip or none`);
    return DEFAULTS.COMPRESSION;
  }
  return raw;
}

function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} ${JSON.stringify(raw)} must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return value;
}
