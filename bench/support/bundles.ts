/**
 * The bundles the benchmark runs: the deployable exporter bundle, exactly as `cdk synth` builds it (the stack's
 * ExporterFunction is synthesized in a throwaway app and its asset is used as is), and two bundles built with the
 * same esbuild options: the naive reference exporter, and the "floor" (only @aws-sdk/client-s3 and
 * @aws-sdk/lib-storage).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DATA_DIR = path.join(ROOT, 'bench', '.data');

export interface Bundle {
  /** The bundle's entry file (`index.js`, CommonJS, exports `handler`). */
  file: string;
  /** Bytes of `index.js` (minified), without its source map. */
  bytes: number;
  /** Bytes of `index.js` gzipped (level 9, as a zip deployment package roughly compresses it). */
  gzipBytes: number;
  /** Bytes of the source map. */
  mapBytes: number;
}

export interface Bundles {
  exporter: Bundle;
  naive: Bundle;
  floor: Bundle;
  /** The esbuild command line NodejsFunction ran for the exporter (from the synth), for the record. */
  esbuildArgs: string[];
}

/**
 * The esbuild options of `lib/constructs/exporter-function.ts` (bundling: minify, sourceMap, target node24, CJS,
 * mainFields module,main, AWS SDK bundled), as NodejsFunction passes them to the esbuild CLI. Used for the naive
 * and floor bundles; `buildBundles` checks that the same options rebuild the synthesized exporter byte for byte,
 * so a change to the stack's bundling cannot silently skew the comparison.
 */
export const STACK_ESBUILD_ARGS = [
  '--bundle',
  '--target=node24',
  '--platform=node',
  '--format=cjs',
  '--minify',
  '--sourcemap',
  '--main-fields=module,main',
  '--log-level=warning',
];

function esbuild(entry: string, outfile: string): void {
  execFileSync(require.resolve('esbuild/bin/esbuild', { paths: [ROOT] }), [entry, ...STACK_ESBUILD_ARGS, `--outfile=${outfile}`], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export function describeBundle(file: string): Bundle {
  const code = fs.readFileSync(file);
  const map = `${file}.map`;
  return { file, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length, mapBytes: fs.existsSync(map) ? fs.statSync(map).size : 0 };
}

/** Synthesizes the stack's ExporterFunction alone and returns its asset's index.js (bundled by NodejsFunction). */
function synthExporterBundle(outdir: string): string {
  // Loaded lazily: aws-cdk-lib takes a few seconds to import.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App, Duration, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const s3 = require('aws-cdk-lib/aws-s3') as typeof import('aws-cdk-lib/aws-s3');
  const { ExporterFunction } = require('../../lib/constructs/exporter-function') as typeof import('../../lib/constructs/exporter-function');
  /* eslint-enable @typescript-eslint/no-require-imports */
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  const stack = new Stack(app, 'BenchExporter', { env: { account: '111122223333', region: 'us-east-1' } });
  new ExporterFunction(stack, 'Exporter', {
    bucket: s3.Bucket.fromBucketName(stack, 'Bucket', 'bench-snapshots'),
    snapshotPrefix: 'audience-generation-jobs/',
    collaborationIds: ['00000000-0000-4000-8000-000000000000'],
    compression: 'gzip',
    serviceName: 'audience-jobs-exporter',
    metricsNamespace: 'AudienceJobsExporter',
    maxEventAge: Duration.hours(1),
  });
  const assembly = app.synth();
  const dirs = fs.readdirSync(assembly.directory).filter((d) => d.startsWith('asset.') && fs.existsSync(path.join(assembly.directory, d, 'index.js')));
  if (dirs.length !== 1) throw new Error(`expected one bundled asset in ${assembly.directory}, found ${dirs.length}`);
  return path.join(assembly.directory, dirs[0]!, 'index.js');
}

/**
 * With `synth` (the full benchmark), the exporter bundle is the stack's own asset, and the same esbuild options
 * must rebuild it byte for byte. Without (quick mode, ~10 s faster), the exporter is built with those options.
 */
export function buildBundles(options: { synth: boolean; log: (line: string) => void }): Bundles {
  const { synth, log } = options;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  let t = performance.now();
  const rebuilt = path.join(DATA_DIR, 'bundles', 'exporter', 'index.js');
  esbuild(path.join(ROOT, 'lambda', 'export-audience-jobs.ts'), rebuilt);
  let exporterFile = rebuilt;
  if (synth) {
    exporterFile = synthExporterBundle(path.join(DATA_DIR, 'cdk.out'));
    log(`exporter bundle synthesized by the stack's NodejsFunction in ${Math.round(performance.now() - t)} ms`);
    if (!fs.readFileSync(rebuilt).equals(fs.readFileSync(exporterFile))) {
      throw new Error(
        `bench/support/bundles.ts STACK_ESBUILD_ARGS no longer rebuild the stack's bundle byte for byte; ` +
          `update them to match the bundling options in lib/constructs/exporter-function.ts`,
      );
    }
    t = performance.now();
  }
  const naiveFile = path.join(DATA_DIR, 'bundles', 'naive', 'index.js');
  esbuild(path.join(ROOT, 'bench', 'naive-exporter.ts'), naiveFile);
  const floorFile = path.join(DATA_DIR, 'bundles', 'floor', 'index.js');
  esbuild(path.join(ROOT, 'bench', 'floor-handler.ts'), floorFile);
  log(`naive and floor bundles built in ${Math.round(performance.now() - t)} ms`);
  return {
    exporter: describeBundle(exporterFile),
    naive: describeBundle(naiveFile),
    floor: describeBundle(floorFile),
    esbuildArgs: STACK_ESBUILD_ARGS,
  };
}
