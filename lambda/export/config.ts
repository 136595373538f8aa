import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, ENV, LIMITS } from '../commons/constants';
import { bucketNameProblem } from '../config-rules/bucket-name';
import { type CollaborationSelection, parseCollaborationSelection } from '../config-rules/collaboration-ids';
import { type Compression, compressionProblem } from '../config-rules/compression';
import { ConfigurationError } from '../config-rules/configuration-error';
import { configuredAudienceModelArnProblem } from '../config-rules/configured-audience-model-arn';
import { eventBusNameProblem, statusEventsProblem } from '../config-rules/event-bus-name';
import { snapshotPrefixProblem } from '../config-rules/snapshot-prefix';
import { parseSourceList, REGION_PATTERN, type SourceSpec } from '../config-rules/sources';

export interface ExporterConfig {
  /** Where jobs are read; one source (the function's own credentials and Region) unless EXPORT_SOURCES is given. */
  sources: readonly SourceSpec[];
  /** True when the sources came from EXPORT_SOURCES (or its file), false for the COLLABORATION_IDS form. */
  sourcesConfigured: boolean;
  /** The function's own Region: S3, and the source of the COLLABORATION_IDS form. */
  region: string;
  bucket: string;
  prefix: string;
  configuredAudienceModelArn: string | undefined;
  compression: Compression;
  maxConcurrency: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  /** STATUS_EVENTS: compare each snapshot with the previous one and send an event per change (pointers advance either way). */
  statusEvents: boolean;
  /** EVENT_BUS_NAME: the bus of the status-change events, a name or an ARN. */
  eventBusName: string;
}

/**
 * Reads and validates the exporter's environment (see lambda/commons/constants.ts) by the rules of
 * lambda/config-rules/, which the stack's configuration applies too. Every problem is collected into one
 * {@link ConfigurationError} that names the variable and the value.
 */
export function loadExporterConfig(env: NodeJS.ProcessEnv): ExporterConfig {
  const problems: string[] = [];
  const region = parseRegion(env, problems);
  const sources = parseSources(env, region, problems);
  const bucket = parseBucket(env[ENV.SNAPSHOT_BUCKET], problems);
  const prefix = parsePrefix(env[ENV.SNAPSHOT_PREFIX], problems);
  const configuredAudienceModelArn = parseModelArn(env[ENV.CONFIGURED_AUDIENCE_MODEL_ARN], problems);
  const compression = parseCompression(env[ENV.COMPRESSION], problems);
  const maxConcurrency = parseInteger(
    ENV.MAX_CONCURRENCY,
    env[ENV.MAX_CONCURRENCY],
    DEFAULTS.MAX_CONCURRENCY,
    1,
    LIMITS.MAX_CONCURRENCY,
    problems,
  );
  const maxAttempts = parseInteger(ENV.MAX_ATTEMPTS, env[ENV.MAX_ATTEMPTS], DEFAULTS.MAX_ATTEMPTS, 1, LIMITS.MAX_ATTEMPTS, problems);
  const requestTimeoutMs = parseInteger(
    ENV.REQUEST_TIMEOUT_MS,
    env[ENV.REQUEST_TIMEOUT_MS],
    DEFAULTS.REQUEST_TIMEOUT_MS,
    100,
    300_000,
    problems,
  );
  const statusEvents = parseStatusEvents(env[ENV.STATUS_EVENTS], problems);
  const eventBusName = parseEventBusName(env[ENV.EVENT_BUS_NAME], problems);
  if (problems.length > 0) throw new ConfigurationError(problems);
  return {
    sources: sources!.list,
    sourcesConfigured: sources!.configured,
    region: region!,
    bucket: bucket!,
    prefix,
    configuredAudienceModelArn,
    compression,
    maxConcurrency,
    maxAttempts,
    requestTimeoutMs,
    statusEvents,
    eventBusName,
  };
}

/** AWS_REGION, then AWS_DEFAULT_REGION (the AWS CLI reads it; the JavaScript SDK alone would not). */
function parseRegion(env: NodeJS.ProcessEnv, problems: string[]): string | undefined {
  const name = env.AWS_REGION ? 'AWS_REGION' : 'AWS_DEFAULT_REGION';
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) {
    problems.push('AWS_REGION is not set: the Region of the snapshot bucket and of the function (Lambda sets it)');
    return undefined;
  }
  if (!REGION_PATTERN.test(region)) problems.push(`${name} ${JSON.stringify(region)} is not a Region name such as eu-west-1`);
  return region;
}

/**
 * EXPORT_SOURCES (inline JSON) or EXPORT_SOURCES_FILE (the same JSON in a file, for lists that do not fit in
 * Lambda's 4 KB of environment); without either, COLLABORATION_IDS describes one source. Giving two forms is an error.
 */
function parseSources(
  env: NodeJS.ProcessEnv,
  region: string | undefined,
  problems: string[],
): { list: SourceSpec[]; configured: boolean } | undefined {
  const given = [ENV.EXPORT_SOURCES, ENV.EXPORT_SOURCES_FILE, ENV.COLLABORATION_IDS].filter(
    (name) => env[name] !== undefined && env[name] !== '',
  );
  if (given.length > 1) {
    problems.push(
      `${given.join(' and ')} are both set: give the sources in one way only (${ENV.EXPORT_SOURCES} or ${ENV.EXPORT_SOURCES_FILE} for a list of sources, ${ENV.COLLABORATION_IDS} for the function's own account and Region)`,
    );
    return undefined;
  }
  if (given[0] === ENV.EXPORT_SOURCES) {
    const list = parseSourceList(env[ENV.EXPORT_SOURCES], ENV.EXPORT_SOURCES, problems);
    return list && { list, configured: true };
  }
  if (given[0] === ENV.EXPORT_SOURCES_FILE) {
    const file = resolveSourcesFile(env[ENV.EXPORT_SOURCES_FILE]!, env);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push(
        `${ENV.EXPORT_SOURCES_FILE} ${JSON.stringify(env[ENV.EXPORT_SOURCES_FILE])} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}: ${file})`,
      );
      return undefined;
    }
    const list = parseSourceList(text, `${ENV.EXPORT_SOURCES_FILE} ${file}`, problems);
    return list && { list, configured: true };
  }
  const collaborations = parseCollaborationIds(env[ENV.COLLABORATION_IDS], problems);
  if (!collaborations || !region) return undefined;
  return { list: [{ region, roleArn: undefined, externalId: undefined, collaborations }], configured: false };
}

/** A relative path is relative to the function's code (`LAMBDA_TASK_ROOT`), else to the working directory. */
function resolveSourcesFile(file: string, env: NodeJS.ProcessEnv): string {
  return path.resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), file);
}

/** A comma-separated list of lowercase UUIDs (the model's pattern), or `*`; every bad item is reported. */
function parseCollaborationIds(raw: string | undefined, problems: string[]): CollaborationSelection | undefined {
  const name = ENV.COLLABORATION_IDS;
  if (raw === undefined || raw === '') {
    problems.push(`${name} is required: a comma-separated list of collaboration ids, or * (or give ${ENV.EXPORT_SOURCES})`);
    return undefined;
  }
  return parseCollaborationSelection(raw === '*' ? '*' : raw.split(','), name, problems);
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

/** Unset: the default. Empty is allowed: the objects go to the bucket's root (see snapshotPrefixProblem). */
function parsePrefix(raw: string | undefined, problems: string[]): string {
  if (raw === undefined) return DEFAULTS.SNAPSHOT_PREFIX;
  const problem = snapshotPrefixProblem(raw);
  if (problem) problems.push(`${ENV.SNAPSHOT_PREFIX} ${JSON.stringify(raw)} is not a valid key prefix: it ${problem}`);
  return raw;
}

function parseModelArn(raw: string | undefined, problems: string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  const problem = configuredAudienceModelArnProblem(raw);
  if (problem)
    problems.push(`${ENV.CONFIGURED_AUDIENCE_MODEL_ARN} ${JSON.stringify(raw)} is not a configured audience model ARN: ${problem}`);
  return raw;
}

function parseCompression(raw: string | undefined, problems: string[]): Compression {
  if (raw === undefined || raw === '') return DEFAULTS.COMPRESSION;
  const problem = compressionProblem(raw);
  if (!problem) return raw as Compression;
  problems.push(`${ENV.COMPRESSION} ${JSON.stringify(raw)} ${problem}`);
  return DEFAULTS.COMPRESSION;
}

function parseStatusEvents(raw: string | undefined, problems: string[]): boolean {
  if (raw === undefined || raw === '') return DEFAULTS.STATUS_EVENTS === 'on';
  const problem = statusEventsProblem(raw);
  if (problem) problems.push(`${ENV.STATUS_EVENTS} ${JSON.stringify(raw)} ${problem}`);
  return raw === 'on';
}

function parseEventBusName(raw: string | undefined, problems: string[]): string {
  if (raw === undefined || raw === '') return DEFAULTS.EVENT_BUS_NAME;
  const problem = eventBusNameProblem(raw);
  if (problem) problems.push(`${ENV.EVENT_BUS_NAME} ${JSON.stringify(raw)} ${problem}`);
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
