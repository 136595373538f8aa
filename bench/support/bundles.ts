/**
 * The bundles the benchmark runs: the deployable exporter bundle, the asset of the stack exactly as `cdk synth`
 * builds it (the deployable stack of local/lambda-runtime, cached while lib/ and lambda/ are unchanged), and two
 * bundles built with the same esbuild options: the naive reference exporter, and the "floor" (only
 * @aws-sdk/client-s3 and @aws-sdk/lib-storage).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { functionSettings, synthesizeDeployableStack } from '../../local/lambda-runtime';

export const ROOT = path.resolve(__dirname, '..', '..');
export const DATA_DIR = path.join(ROOT, 'bench', '.data');
/**
 * The context the exporter's stack is synthesized with: one configured collaboration, so that the stack is a
 * deployable one (no placeholder). The bundle does not depend on it; every workload sets COLLABORATION_IDS itself.
 */
const STACK_CONTEXT = { collaborationIds: '00000000-0000-4000-8000-000000000000' };

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
  /** The function's settings in the template, which every measured run (exporter and naive) is given. */
  function: { nodeOptions: string; memorySizeMb: number; timeoutMs: number };
}

/**
 * The esbuild options of `lib/constructs/exporter-function.ts` (bundling: minify, sourceMap without sourcesContent,
 * target node24, CJS, mainFields module,main, AWS SDK bundled), as NodejsFunction passes them to the esbuild CLI.
 * Used for the naive and floor bundles; `buildBundles` checks that the same options rebuild the synthesized exporter
 * byte for byte, so a change to the stack's bundling cannot silently skew the comparison.
 */
export const STACK_ESBUILD_ARGS = [
  '--bundle',
  '--target=node24',
  '--platform=node',
  '--format=cjs',
  '--minify',
  '--sourcemap',
  '--sources-content=false',
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
  return {
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    mapBytes: fs.existsSync(map) ? fs.statSync(map).size : 0,
  };
}

/**
 * The exporter is the deployable stack's asset (as `cdk synth` builds it, with STACK_CONTEXT), which
 * STACK_ESBUILD_ARGS must rebuild byte for byte; or, with `exporterBundle`, that file (a before/after comparison).
 */
export function buildBundles(options: { exporterBundle?: string; log: (line: string) => void }): Bundles {
  const { exporterBundle, log } = options;
  fs.mkdirSync(DATA_DIR, { recursive: true });
  let t = performance.now();
  // The stack is synthesized in any case: the measured runs take the function's settings from its template.
  const stack = synthesizeDeployableStack({ context: STACK_CONTEXT });
  log(`deployable stack${stack.cached ? ' (cached synth)' : ', synthesized'} in ${Math.round(performance.now() - t)} ms`);
  t = performance.now();
  const settings = functionSettings(stack.template, stack.functionLogicalId, 'bench-snapshots');
  log(`the function's settings: NODE_OPTIONS=${settings.variables.NODE_OPTIONS ?? ''}, ${settings.memorySizeMb} MB`);
  let exporterFile = exporterBundle;
  if (exporterFile) {
    log(`measuring ${exporterFile} as the exporter`);
  } else {
    exporterFile = stack.bundleFile;
    const rebuilt = path.join(DATA_DIR, 'bundles', 'exporter', 'index.js');
    esbuild(path.join(ROOT, 'lambda', 'export-audience-jobs.ts'), rebuilt);
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
    function: {
      nodeOptions: settings.variables.NODE_OPTIONS ?? '',
      memorySizeMb: settings.memorySizeMb,
      timeoutMs: settings.timeoutSeconds * 1000,
    },
  };
}
