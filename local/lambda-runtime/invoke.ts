/**
 * One invocation of the deployed bundle, as Lambda makes it: a fresh Node.js process with only the function's
 * environment, `require(index.js).handler(event, context)` once, stdout collected (the JSON log lines and the EMF
 * metric documents, as CloudWatch Logs would receive them). The outcome travels on a pipe of its own (fd 3), so
 * nothing the handler prints can be mistaken for it.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { isEmfDocument, type EmfDocument } from './emf';

/** Runs in the child: plain CommonJS, nothing between Node.js and the bundle. argv: bundle, event JSON, timeout ms, function name. */
const RUNNER = `
const fs = require('node:fs');
const [bundle, eventJson, timeoutMs, functionName, requestId] = process.argv.slice(1);
const started = Date.now();
const context = {
  functionName, functionVersion: '$LATEST', memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  invokedFunctionArn: 'arn:aws:lambda:' + process.env.AWS_REGION + ':111122223333:function:' + functionName,
  awsRequestId: requestId, logGroupName: '/aws/lambda/' + functionName, logStreamName: 'local',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Number(timeoutMs) - (Date.now() - started),
};
const report = (outcome, code) => {
  fs.writeSync(3, JSON.stringify(outcome) + '\\n');
  // The SDK clients keep sockets alive, which would hold the process open; Lambda would freeze it here.
  process.stdout.write('', () => process.exit(code));
};
Promise.resolve()
  .then(() => require(bundle).handler(JSON.parse(eventJson), context))
  .then(
    (result) => report({ status: 'resolved', result }, 0),
    (error) => report({ status: 'rejected', error: { name: error && error.name, message: error && error.message } }, 2),
  );
`;

export type HandlerOutcome =
  | { status: 'resolved'; result: unknown }
  | { status: 'rejected'; error: { name: string; message: string } }
  /** The process ended without an outcome (crash, out of memory, killed). */
  | { status: 'crashed'; exitCode: number | null; signal: NodeJS.Signals | null };

export interface HandlerRun {
  outcome: HandlerOutcome;
  /** EMF documents the handler printed. */
  emf: EmfDocument[];
  /** JSON log lines the handler printed (everything on stdout that is not EMF). */
  logs: Record<string, unknown>[];
  durationMs: number;
}

export interface HandlerProcessOptions {
  bundleFile: string;
  /** The whole environment of the process: nothing is inherited. */
  env: Record<string, string>;
  event: unknown;
  /** The function timeout: `getRemainingTimeInMillis()` counts down from it. */
  timeoutMs: number;
  functionName: string;
  /** Everything the process prints (stdout and stderr) is appended here. */
  outputFile: string;
  /** Called when the process started, with a function that kills it (if still running) and waits for its end. */
  onStart?: (pid: number, stop: () => Promise<void>) => void;
  /** Called for each JSON log line as it arrives. */
  onLog?: (line: Record<string, unknown>) => void;
  /** Kills the process (SIGKILL) when aborted. */
  signal?: AbortSignal;
}

/** Runs the handler once in a child process; resolves when the process exited. */
export function runHandlerProcess(options: HandlerProcessOptions): Promise<HandlerRun> {
  const started = performance.now();
  const output = fs.openSync(options.outputFile, 'a');
  const child = spawn(
    process.execPath,
    ['-e', RUNNER, options.bundleFile, JSON.stringify(options.event), String(options.timeoutMs), options.functionName, randomUUID()],
    { env: options.env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], signal: options.signal, killSignal: 'SIGKILL' },
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  if (child.pid !== undefined) {
    options.onStart?.(child.pid, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return closed;
    });
  }
  const emf: EmfDocument[] = [];
  const logs: Record<string, unknown>[] = [];
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    fs.writeSync(output, chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) collect(line);
  });
  child.stderr!.on('data', (chunk: Buffer) => fs.writeSync(output, chunk));
  let outcomeText = '';
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (outcomeText += chunk.toString('utf8')));

  function collect(line: string): void {
    if (!line.startsWith('{')) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (isEmfDocument(parsed)) emf.push(parsed);
    else {
      logs.push(parsed);
      options.onLog?.(parsed);
    }
  }

  return new Promise((resolve, reject) => {
    let failure: Error | undefined;
    child.on('error', (error) => {
      // Spawned processes still emit 'close' (after an abort, once killed); one that never started does not.
      failure = error;
      if (child.pid === undefined) {
        fs.closeSync(output);
        reject(error);
      }
    });
    child.on('close', (exitCode, signal) => {
      collect(pending);
      fs.closeSync(output);
      if (failure) {
        reject(failure);
        return;
      }
      const outcome: HandlerOutcome = outcomeText.trim()
        ? (JSON.parse(outcomeText) as HandlerOutcome)
        : { status: 'crashed', exitCode, signal };
      resolve({ outcome, emf, logs, durationMs: performance.now() - started });
    });
  });
}
