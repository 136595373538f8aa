/**
 * W3 cold start: the deployable bundle's size (minified, gzipped) and the time to require() it in a fresh Node.js
 * process, against the floor: a bundle that imports only @aws-sdk/client-s3 and @aws-sdk/lib-storage. Imports are
 * measured with the function's NODE_OPTIONS (--enable-source-maps, as the stack sets it) and without.
 */
import { importBundle } from '../../local/lambda-runtime';
import type { Bundle } from '../support/bundles';
import type { BenchContext, WorkloadResult } from '../support/context';
import { kb, median, ms, ratio } from '../support/stats';

const IMPORT_TARGET_RATIO = 1.3;

export async function runW3(ctx: BenchContext): Promise<WorkloadResult> {
  const runs = ctx.quick ? 2 : 15;
  const { exporter, floor, naive } = ctx.bundles;
  const env = (nodeOptions: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, AWS_REGION: 'us-east-1', NODE_OPTIONS: nodeOptions });
  const times = (bundle: Bundle, nodeOptions: string) => ({ bundle, nodeOptions, importMs: [] as number[], processMs: [] as number[] });
  const series = {
    exporter: times(exporter, '--enable-source-maps'),
    floor: times(floor, '--enable-source-maps'),
    naive: times(naive, '--enable-source-maps'),
    exporterPlain: times(exporter, ''),
    floorPlain: times(floor, ''),
  };
  // One warm-up each (the file system cache), then rounds that alternate the bundles.
  for (const s of Object.values(series)) await importBundle({ bundleFile: s.bundle.file, env: env(s.nodeOptions) });
  for (let run = 0; run < runs; run++) {
    for (const s of Object.values(series)) {
      const r = await importBundle({ bundleFile: s.bundle.file, env: env(s.nodeOptions) });
      s.importMs.push(r.measurements.importMs);
      s.processMs.push(r.durationMs);
    }
  }
  const m = (s: { importMs: number[] }) => median(s.importMs);
  const toFloor = m(series.exporter) / m(series.floor);
  const toFloorPlain = m(series.exporterPlain) / m(series.floorPlain);
  ctx.log(`W3: exporter ${ms(m(series.exporter))}, floor ${ms(m(series.floor))} (${ratio(toFloor)})`);
  const label = 'W3 cold start (the deployable bundle)';
  return {
    rows: [
      {
        workload: label,
        metric: 'bundle size, minified (floor)',
        exporter: `${kb(exporter.bytes)} (${kb(floor.bytes)})`,
        naive: kb(naive.bytes),
        target: '',
      },
      {
        workload: label,
        metric: 'bundle size, gzipped (floor)',
        exporter: `${kb(exporter.gzipBytes)} (${kb(floor.gzipBytes)})`,
        naive: kb(naive.gzipBytes),
        target: '',
      },
      {
        workload: label,
        metric: `import time with --enable-source-maps, median of ${runs} (floor)`,
        exporter: `${ms(m(series.exporter))} (${ms(m(series.floor))})`,
        naive: ms(m(series.naive)),
        target: '',
      },
      {
        workload: label,
        metric: 'import time / floor, with --enable-source-maps (as deployed)',
        exporter: ratio(toFloor),
        naive: '',
        target: '≤ 1.30×',
        met: ctx.judge(toFloor <= IMPORT_TARGET_RATIO),
      },
      {
        workload: label,
        metric: `import time without source maps, median of ${runs} (floor)`,
        exporter: `${ms(m(series.exporterPlain))} (${ms(m(series.floorPlain))})`,
        naive: '',
        target: '',
      },
      {
        workload: label,
        metric: 'import time / floor, without source maps',
        exporter: ratio(toFloorPlain),
        naive: '',
        target: '≤ 1.30×',
        met: ctx.judge(toFloorPlain <= IMPORT_TARGET_RATIO),
      },
    ],
    data: {
      bundles: {
        exporter: { bytes: exporter.bytes, gzipBytes: exporter.gzipBytes, mapBytes: exporter.mapBytes },
        floor: { bytes: floor.bytes, gzipBytes: floor.gzipBytes, mapBytes: floor.mapBytes },
        naive: { bytes: naive.bytes, gzipBytes: naive.gzipBytes, mapBytes: naive.mapBytes },
        esbuildArgs: ctx.bundles.esbuildArgs,
      },
      runs,
      importMs: Object.fromEntries(
        Object.entries(series).map(([k, s]) => [
          k,
          { nodeOptions: s.nodeOptions, runs: s.importMs, median: m(s), processMedianMs: median(s.processMs) },
        ]),
      ),
      importToFloor: toFloor,
      importToFloorWithoutSourceMaps: toFloorPlain,
      targets: { importToFloor: IMPORT_TARGET_RATIO },
      met: { importToFloor: toFloor <= IMPORT_TARGET_RATIO, importToFloorWithoutSourceMaps: toFloorPlain <= IMPORT_TARGET_RATIO },
    },
  };
}
