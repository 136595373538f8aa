/**
 * `npm run bench [-- --quick] [-- --only W1,W3]`: the exporter's performance, measured against a naive reference
 * exporter (W1-W4) or against bounds and targets of its own (W5-W7), side by side in one run, on the local AWS of
 * local/local-aws.ts (the Clean Rooms ML emulator, STS and s3rver).
 *
 * Every exporter run is the deployable bundle (synthesized by the stack's own NodejsFunction bundling) running
 * once in a fresh Node.js process; the emulator, STS and the S3 server run in this process, so the figures (wall
 * time of the handler, peak RSS, CPU time from process.resourceUsage) are the exporter's own.
 *
 * Full mode writes bench/results.json; --quick (smaller workloads, about a minute, for CI) and --only write under
 * bench/.data/ instead, so the recorded full results are never overwritten by a partial run.
 */
import { spawnSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setMaxListeners } from 'node:events';
import { buildBundles, DATA_DIR, ROOT } from './support/bundles';
import { BenchContext, type Row, type WorkloadResult } from './support/context';
import { ms } from './support/stats';
import { runW1 } from './workloads/w1-fanout';
import { runW2 } from './workloads/w2-huge';
import { runW3 } from './workloads/w3-cold-start';
import { runW4 } from './workloads/w4-throttling';
import { runW5 } from './workloads/w5-pacing';
import { runW6 } from './workloads/w6-storm';
import { runW7 } from './workloads/w7-many-collaborations';

const WORKLOADS: Record<string, (ctx: BenchContext) => Promise<WorkloadResult>> = {
  W1: runW1,
  W2: runW2,
  W3: runW3,
  W4: runW4,
  W5: runW5,
  W6: runW6,
  W7: runW7,
};

interface Args {
  quick: boolean;
  only: string[];
  /** A bundle to measure instead of the stack's (for before/after comparisons); implies a partial run. */
  exporterBundle?: string;
}

function parseArgs(argv: string[]): Args {
  let quick = false;
  let exporterBundle: string | undefined;
  let only = Object.keys(WORKLOADS);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      only = (value ?? '')
        .split(',')
        .map((w) => w.trim().toUpperCase())
        .filter(Boolean);
      const unknown = only.filter((w) => !(w in WORKLOADS));
      if (unknown.length > 0 || only.length === 0)
        throw new Error(`--only takes a comma-separated list of ${Object.keys(WORKLOADS).join(', ')}`);
    } else if (arg === '--exporter-bundle' || arg.startsWith('--exporter-bundle=')) {
      exporterBundle = path.resolve(arg === '--exporter-bundle' ? (argv[++i] ?? '') : arg.slice('--exporter-bundle='.length));
      if (!fs.existsSync(exporterBundle)) throw new Error(`--exporter-bundle: no such file ${exporterBundle}`);
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: npm run bench [-- --quick] [-- --only W1,W2,W3,W4,W5,W6,W7] [-- --exporter-bundle path/to/index.js]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}; see --help`);
  }
  return { quick, only, exporterBundle };
}

export function formatTable(rows: Row[]): string {
  const header = ['Workload', 'Metric', 'Exporter', 'Naive reference', 'Target', 'Met'];
  const lines = rows.map((r, i) => [
    i > 0 && rows[i - 1].workload === r.workload ? '' : r.workload,
    r.metric,
    r.exporter,
    r.naive,
    r.target,
    r.met === undefined ? '' : r.met ? 'yes' : '**no**',
  ]);
  const escape = (cell: string) => cell.replace(/\|/g, '\\|');
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.map(escape).join(' | ')} |`).join('\n');
}

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node.js 17 and later) only has in
 * its legacy provider: a listing of more than 1,000 keys (W7 counts 5,000 objects) answers InternalError without it.
 * The benchmark then runs itself again with --openssl-legacy-provider. Only this process (the servers) gets it; the
 * measured children have their own NODE_OPTIONS.
 */
function rerunWithLegacyOpenSsl(): boolean {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return false;
  } catch {
    if (process.env.BENCH_OPENSSL_LEGACY === '1')
      throw new Error('DES is unavailable even with --openssl-legacy-provider; s3rver cannot page ListObjectsV2');
  }
  const rerun = spawnSync(process.execPath, ['--openssl-legacy-provider', ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_OPENSSL_LEGACY: '1' },
  });
  process.exitCode = rerun.status ?? 1;
  return true;
}

async function main(): Promise<void> {
  const { quick, only, exporterBundle } = parseArgs(process.argv.slice(2));
  if (rerunWithLegacyOpenSsl()) return;
  // The emulator waits out its latency with one abort listener per pending request.
  setMaxListeners(1000);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[bench ${ms(performance.now() - started).padStart(7)}] ${line}\n`);
  const loadBefore = os.loadavg();
  log(
    `${quick ? 'quick' : 'full'} mode, workloads ${only.join(', ')}; ${os.cpus().length} CPUs, load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`,
  );
  const bundles = buildBundles({ exporterBundle, log });
  const ctx = new BenchContext(quick, bundles, log);

  const results: Record<string, WorkloadResult> = {};
  for (const name of only) {
    log(`${name} ...`);
    results[name] = await WORKLOADS[name](ctx);
  }
  const rows = Object.values(results).flatMap((r) => r.rows);
  const table = formatTable(rows);
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim(),
    memoryBytes: os.totalmem(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageBefore: loadBefore,
    loadAverageAfter: os.loadavg(),
  };
  const date = new Date().toISOString();
  const output = {
    date,
    mode: quick ? 'quick' : 'full',
    exporterBundle: path.relative(ROOT, bundles.exporter.file),
    durationMs: Math.round(performance.now() - started),
    machine,
    workloads: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.data])),
    table: rows,
  };
  const complete = !quick && !exporterBundle && only.length === Object.keys(WORKLOADS).length;
  const file = complete ? path.join(ROOT, 'bench', 'results.json') : path.join(DATA_DIR, `results-${quick ? 'quick' : 'partial'}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);

  process.stdout.write(
    `\n${table}\n\n${machine.cpus} CPUs (${machine.cpuModel}), ${Math.round(machine.memoryBytes / 2 ** 30)} GiB, Node.js ${machine.node}, ` +
      `load average ${machine.loadAverageBefore.map((l) => l.toFixed(2)).join(' ')} before and ${machine.loadAverageAfter.map((l) => l.toFixed(2)).join(' ')} after; ${date}\n` +
      `Written to ${path.relative(process.cwd(), file)} in ${ms(output.durationMs)}.\n`,
  );
  const missed = rows.filter((r) => r.met === false);
  if (missed.length > 0)
    process.stdout.write(`Targets missed: ${missed.map((r) => `${r.workload.split(' ')[0]} ${r.metric}`).join('; ')}\n`);
  // A missed performance target is a finding, reported above; a run that lost jobs is a failure.
  if (missed.some((r) => r.correctness)) process.exitCode = 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
