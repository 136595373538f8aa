/**
 * The process of one local Lambda invocation (started by invoke.ts): requires the bundle and calls
 * `handler(event, context)` once, as the Node.js runtime of Lambda does, then reports on fd 3 — a pipe of its own, so
 * that nothing the handler prints can be mistaken for it — one JSON line: the outcome, and what the invocation cost
 * (import time, handler time, peak RSS from VmHWM, CPU time, optionally sampled memory peaks). Plain CommonJS, so
 * that nothing (tsx, a loader) runs in the process but Node.js and the bundle.
 *
 *   node runner.cjs '<spec JSON>'
 *
 * spec: { bundleFile, importOnly, event, context: { functionName, memoryLimitInMB, invokedFunctionArn, awsRequestId,
 * logGroupName, logStreamName }, timeoutMs, memorySampleMs }
 */
'use strict';
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

const spec = JSON.parse(process.argv[2]);

// Peaks of process.memoryUsage() (heap, external, array buffers) and of the V8 heap spaces, sampled.
const memoryPeaks = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
const sampleMs = Number(spec.memorySampleMs || 0);
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
 * when VmHWM is there: it also counts the memory of the parent at fork time, which a child of a big parent
 * reports as its own.
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

function report(outcome, timings) {
  const usage = process.resourceUsage();
  const measurements = {
    ...timings,
    maxRssBytes: peakRssBytes(usage),
    ruMaxRssBytes: usage.maxRSS * 1024,
    userCpuMs: usage.userCPUTime / 1000,
    systemCpuMs: usage.systemCPUTime / 1000,
    ...(sampleMs > 0 ? { memoryPeaks } : {}),
  };
  fs.writeSync(3, `${JSON.stringify({ outcome, measurements })}\n`);
}

function describe(error) {
  return { name: error && error.name, message: error && error.message };
}

/** Reports, then ends the process once stdout is flushed: the SDK clients keep sockets alive; Lambda would freeze it here. */
function finish(outcome, timings, code) {
  report(outcome, timings);
  process.stdout.write('', () => process.exit(code));
}

const importStart = performance.now();
let handler;
let initError;
try {
  handler = require(spec.bundleFile).handler;
  if (typeof handler !== 'function') throw new TypeError(`${spec.bundleFile} exports no handler function`);
} catch (error) {
  initError = error;
}
const importMs = performance.now() - importStart;

if (initError !== undefined) {
  finish({ status: 'rejected', error: describe(initError) }, { importMs }, 2);
} else if (spec.importOnly) {
  // A cold start's init alone; the process ends by itself, as it would have without the report.
  report({ status: 'imported' }, { importMs });
} else {
  const started = Date.now();
  const context = {
    ...spec.context,
    functionVersion: '$LATEST',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => spec.timeoutMs - (Date.now() - started),
  };
  const handlerStart = performance.now();
  Promise.resolve()
    .then(() => handler(spec.event, context))
    .then(
      (result) => finish({ status: 'resolved', result }, { importMs, handlerMs: performance.now() - handlerStart }, 0),
      (error) => finish({ status: 'rejected', error: describe(error) }, { importMs, handlerMs: performance.now() - handlerStart }, 2),
    );
}
