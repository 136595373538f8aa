/**
 * The deployable stack, for local runs of the real thing: the whole AudienceJobsExporterStack is synthesized as
 * `cdk synth` does it (bin/app.ts, with cdk.json's context and the caller's context on top), and the exporter
 * function's asset — the index.js that NodejsFunction bundled and `cdk deploy` would upload — is used as is, with
 * the synthesized template beside it (the function's environment, the alarms, the Glue table and the Athena named
 * queries all come from there).
 *
 * A synth costs a few seconds (aws-cdk-lib alone takes about two to load), so its output is cached under a hash of
 * everything that shapes it: the sources of lib/ and lambda/, cdk.json, package-lock.json, tsconfig.json, this
 * file and the context. An unchanged tree reuses the cached assembly without loading aws-cdk-lib at all.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Repository root. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
/** Default parent folder of the cached assemblies (git-ignored). */
export const DEFAULT_CACHE_ROOT = path.join(PROJECT_ROOT, '.local-data', 'deployable');
/** Name of the stack, as bin/app.ts creates it. */
export const STACK_NAME = 'AudienceJobsExporter';
/** Inputs of the synth besides the context: every file under these folders, and these files. */
const HASHED_FOLDERS = ['lib', 'lambda'];
const HASHED_FILES = ['cdk.json', 'package-lock.json', 'tsconfig.json'];
/**
 * Cached assemblies kept, the one in use included; the least recently used ones beyond are removed. `npm start`,
 * the contract test (two contexts) and the benchmark each use their own.
 */
const KEEP_CACHED = 6;

/** One resource of a CloudFormation template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/** The parts of a CloudFormation template that local runs read. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
}

export interface DeployableStackOptions {
  /**
   * CDK context on top of cdk.json's, as `-c key=value` would give it: `collaborationIds`, `sources`,
   * `snapshotPrefix`, … (lib/config.ts). Default none: the stack `cdk synth` builds from a fresh clone.
   */
  context?: Readonly<Record<string, unknown>>;
  /** Parent folder of the cached assemblies. Default `.local-data/deployable`. */
  cacheRoot?: string;
  /** Receives what the synth prints (e.g. "Bundling asset ..."); default: it goes to stderr as usual. */
  onOutput?: (text: string) => void;
}

export interface DeployableStack {
  /** The function asset's index.js: CommonJS, exports `handler`, with index.js.map (and any shipped file) beside it. */
  bundleFile: string;
  /** The synthesized template of the stack. */
  template: CfnTemplate;
  /** Logical id of the exporter function in the template. */
  functionLogicalId: string;
  /** The cloud assembly folder (cdk.out). */
  assemblyDirectory: string;
  /** True when the assembly was reused from the cache. */
  cached: boolean;
}

/** Written beside a cached assembly once it is complete. */
interface CacheEntry {
  bundleFile: string;
  templateFile: string;
  functionLogicalId: string;
}

/**
 * Synthesizes the stack (or reuses the cached synth of identical inputs) and returns the deployable bundle and
 * template. Synchronous, as `app.synth()` is: about 4 s on a cache miss, a few milliseconds on a hit.
 */
export function synthesizeDeployableStack(options: DeployableStackOptions = {}): DeployableStack {
  const cacheRoot = options.cacheRoot ?? DEFAULT_CACHE_ROOT;
  const context = options.context ?? {};
  const key = inputHash(context);
  const entryDir = path.join(cacheRoot, key);
  const cached = readEntry(entryDir);
  if (cached) {
    // Most recently used: pruning removes the entries no run has used for the longest.
    touch(entryDir);
    return cached;
  }

  // Synthesize beside the final place, then rename: a concurrent run never sees a half-written entry.
  fs.mkdirSync(cacheRoot, { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheRoot, `${key}.staging-`));
  try {
    const entry = withStderrTo(options.onOutput, () => synthesize(path.join(staging, 'cdk.out'), context));
    fs.writeFileSync(path.join(staging, 'entry.json'), JSON.stringify(relativeEntry(staging, entry), null, 2));
    try {
      fs.renameSync(staging, entryDir);
    } catch (error) {
      // Another run cached the same inputs first: theirs is as good as ours.
      if (!isCode(error, 'ENOTEMPTY') && !isCode(error, 'EEXIST')) throw error;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  pruneOldEntries(cacheRoot, key);
  const entry = readEntry(entryDir);
  if (!entry) throw new Error(`The synthesized assembly in ${entryDir} is incomplete`);
  return { ...entry, cached: false };
}

/** The template's resources of one type (e.g. `AWS::CloudWatch::Alarm`), in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): CfnResource[] {
  return Object.values(template.Resources).filter((r) => r.Type === type);
}

function synthesize(outdir: string, context: Readonly<Record<string, unknown>>): CacheEntry {
  // Loaded only on a cache miss: aws-cdk-lib takes seconds to import.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { AudienceJobsExporterStack } =
    require('../../lib/audience-jobs-exporter-stack') as typeof import('../../lib/audience-jobs-exporter-stack');
  const { parseStackConfig } = require('../../lib/config') as typeof import('../../lib/config');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const cdkJson = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const app = new App({
    outdir,
    context: { ...cdkJson.context, ...context },
    // The CloudFormation schema validation costs about 8 s here; the stack tests run it (and cdk-nag).
    builtinCloudFormationValidation: false,
  });
  const stack = new AudienceJobsExporterStack(app, STACK_NAME, { config: parseStackConfig((k) => app.node.tryGetContext(k)) });
  const assembly = app.synth();
  const templateFile = path.join(assembly.directory, stack.templateFile);
  const template = JSON.parse(fs.readFileSync(templateFile, 'utf8')) as CfnTemplate;
  const functionLogicalId = stack.getLogicalId(stack.exporter.function.node.defaultChild as import('aws-cdk-lib').CfnElement);
  const code = template.Resources[functionLogicalId]?.Properties?.Code as { S3Key?: string } | undefined;
  const assetHash = code?.S3Key?.replace(/\.zip$/, '');
  const bundleFile = path.join(assembly.directory, `asset.${assetHash}`, 'index.js');
  if (!assetHash || !fs.existsSync(bundleFile)) throw new Error(`No bundled asset for ${functionLogicalId} in ${assembly.directory}`);
  return { bundleFile, templateFile, functionLogicalId };
}

/** Runs `fn` with this process's stderr writes sent to `sink` (CDK prints its bundling notices there). */
function withStderrTo<T>(sink: ((text: string) => void) | undefined, fn: () => T): T {
  if (!sink) return fn();
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept only to be put back on process.stderr below, never called detached
  const write = process.stderr.write;
  process.stderr.write = (chunk: string | Uint8Array) => {
    sink(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  try {
    return fn();
  } finally {
    process.stderr.write = write;
  }
}

function readEntry(entryDir: string): DeployableStack | undefined {
  let entry: CacheEntry;
  try {
    entry = JSON.parse(fs.readFileSync(path.join(entryDir, 'entry.json'), 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
  const bundleFile = path.join(entryDir, entry.bundleFile);
  const templateFile = path.join(entryDir, entry.templateFile);
  if (!fs.existsSync(bundleFile) || !fs.existsSync(templateFile)) return undefined;
  return {
    bundleFile,
    template: JSON.parse(fs.readFileSync(templateFile, 'utf8')) as CfnTemplate,
    functionLogicalId: entry.functionLogicalId,
    assemblyDirectory: path.dirname(templateFile),
    cached: true,
  };
}

function relativeEntry(base: string, entry: CacheEntry): CacheEntry {
  return { ...entry, bundleFile: path.relative(base, entry.bundleFile), templateFile: path.relative(base, entry.templateFile) };
}

/** Hash of every input of the synth; 16 hex digits name the cache entry. */
function inputHash(context: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ context }));
  const files = [
    ...HASHED_FOLDERS.flatMap((folder) => listFiles(path.join(PROJECT_ROOT, folder))),
    ...HASHED_FILES.map((f) => path.join(PROJECT_ROOT, f)),
    __filename,
  ];
  for (const file of files.sort()) {
    hash.update(`\0${path.relative(PROJECT_ROOT, file)}\0`);
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(folder: string): string[] {
  return fs
    .readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

function touch(dir: string): void {
  const now = new Date();
  try {
    fs.utimesSync(dir, now, now);
  } catch {
    // Removed meanwhile by another run's pruning: this run still has what it read.
  }
}

function pruneOldEntries(cacheRoot: string, keep: string): void {
  const entries = fs
    .readdirSync(cacheRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== keep && !d.name.includes('.staging-'))
    .map((d) => ({ dir: path.join(cacheRoot, d.name), mtime: statOrUndefined(path.join(cacheRoot, d.name))?.mtimeMs ?? 0 }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const old of entries.slice(KEEP_CACHED - 1)) fs.rmSync(old.dir, { recursive: true, force: true });
}

function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

function isCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}
