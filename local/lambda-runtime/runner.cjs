/**
 * Runs one bundled handler once, in this fresh Node.js process, as Lambda would, and reports what it cost on fd 3
 * as one JSON line: import time, handler wall time, peak RSS (VmHWM) and CPU time (process.resourceUsage), and the
 * handler's result or error. Plain CommonJS so that nothing (tsx, a loader) runs in the measured process but
 * Node.js and the bundle.
 *
 *   node invoke-handler.cjs <bundle/index.js> '<event JSON>' [--import-only]
 */
'use strict';
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

const [bundle, eventJson = '{}', mode] = process.argv.slice(2);

// BENCH_MEMORY_SAMPLE_MS: also report the peaks of process.memoryUsage() (heap, external, array buffers), sampled.
const memoryPeaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sampleMs = Number(process.env.BENCH_MEMORY_SAMPLE_MS || 0);
if (sampleMs > 0) {
  setInterval(() => {
    const usage = process.memoryUsage();
    for (const key of Object.keys(memoryPeaks)) memoryPeaks[key] = Math.max(memoryPeaks[key], usage[key]);
    for (const space of require('node:v8').getHeapSpaceStatistics()) {
      const key = `space:${space.space_name}`;
      memoryPeaks[key] = Math.max(memoryPeaks[key] || 0, space.space_size);
    }
  }, sampleMs).unref();
}

/**
 * Peak RSS of this process since its exec: VmHWM from /proc/self/status (Linux). getrusage's maxRSS is not used
 * when VmHWM is there: it also counts the memory of the parent at fork time (the benchmark's own buffers), which
 * a child of a big parent reports as its own.
 */
function peakRssBytes(usage) {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return usage.maxRSS * 1024;
}

const report = (fields) => {
  const usage = process.resourceUsage();
  fs.writeSync(3, `${JSON.stringify({
    ...fields,
    ...(sampleMs > 0 ? { memoryPeaks } : {}),
    maxRssBytes: peakRssBytes(usage),
    ruMaxRssBytes: usage.maxRSS * 1024,
    userCpuMs: usage.userCPUTime / 1000,
    systemCpuMs: usage.systemCPUTime / 1000,
  })}\n`);
};

const importStart = performance.now();
const { handler } = require(bundle);
const importMs = performance.now() - importStart;
if (mode === '--import-only') {
  report({ importMs });
} else {
  const started = Date.now();
  const context = {
    functionName: 'bench', functionVersion: '$LATEST', memoryLimitInMB: '512',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:bench',
    awsRequestId: `bench-${process.pid}`, logGroupName: '/aws/lambda/bench', logStreamName: 'bench',
    getRemainingTimeInMillis: () => 600_000 - (Date.now() - started),
  };
  const handlerStart = performance.now();
  handler(JSON.parse(eventJson), context).then(
    (result) => {
      report({ importMs, handlerMs: performance.now() - handlerStart, result });
      // Kept-alive sockets of the cached SDK clients would hold the process open; Lambda would freeze it here.
      process.exit(0);
    },
    (error) => {
      report({ importMs, handlerMs: performance.now() - handlerStart, error: `${error && error.name}: ${error && error.message}` });
      process.exit(2);
    },
  );
}
