/**
 * `npm start`: the whole exporter on this machine, with no AWS account and no network. The local Clean Rooms ML
 * emulator and a local S3 run in this process; the Lambda bundle that the stack deploys runs in a child process
 * with the function's environment from the synthesized template; DuckDB answers the Athena named queries over the
 * files it wrote; the stack's alarms are evaluated on the metrics it emitted. The status-changes scenario runs it twice
 * with a local EventBridge, and shows the events the second run sent and what the stack's rule makes of them.
 *
 *   npm start [-- [--scenario] healthy|delete-failed|throttled|partial-failure|status-changes] [--data-dir <folder>]
 *
 * Exits 0 when the scenario behaved as it should (partial-failure included: the handler is meant to throw there),
 * 1 otherwise, 128 + n on signal n after stopping every server it started.
 */
import * as path from 'node:path';
import { PROJECT_ROOT } from '../lambda-runtime';
import { Cleanup } from './cleanup';
import { formatDuration, Progress } from './progress';
import { runScenario } from './run-scenario';
import { SCENARIOS } from './scenarios';
import { parseStartArguments } from './start-arguments';

/** Default parent of the per-scenario folders (git-ignored). */
const DEFAULT_DATA_DIR = path.join(PROJECT_ROOT, '.local-data', 'start');

async function main(argv: string[]): Promise<number> {
  const parsed = parseStartArguments(argv, DEFAULT_DATA_DIR);
  if ('exitCode' in parsed) return parsed.exitCode;
  const options = parsed.run;
  const scenario = SCENARIOS[options.scenario];
  // This process's own S3 client (copying the objects out) would warn about Node.js 20 in the middle of the output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const progress = new Progress();
  const cleanup = new Cleanup();
  const started = performance.now();
  cleanup.handleSignals(
    (signal) => progress.line(`\n▸ ${signal} received: stopping everything this run started…`),
    (names, exitCode) => {
      progress.line(`  stopped: ${names.length > 0 ? names.join(', ') : 'nothing was running'}`);
      process.exit(exitCode);
    },
  );

  progress.line(`npm start: scenario ${scenario.name} (${scenario.summary})`);
  let exitCode = 1;
  try {
    const result = await runScenario(
      scenario,
      { dataDirectory: path.join(path.resolve(options.dataDir), scenario.name) },
      progress,
      cleanup,
    );
    if (result.asExpected) {
      exitCode = 0;
    } else if (result.unexpected) {
      progress.line(`✖ Unexpected in scenario ${scenario.name}: ${result.unexpected}.`);
    } else {
      progress.line(
        `✖ Unexpected: the handler ${result.handler.outcome.status === 'resolved' ? 'resolved' : 'failed'} in scenario ${scenario.name}.`,
      );
    }
  } catch (error) {
    // After a signal, the aborted step's error is only its echo.
    if (!cleanup.interrupted.signal.aborted) progress.line(`✖ ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    const stopped = await cleanup.stopAll((name, error) => progress.line(`✖ could not stop ${name}: ${String(error)}`));
    if (stopped.length > 0) progress.line(`▸ stopped ${stopped.join(', ')}`);
  }
  // The signal handler reports and exits once everything is stopped.
  if (cleanup.interrupted.signal.aborted) return new Promise<number>(() => undefined);
  progress.line(`\n${exitCode === 0 ? 'Done' : 'Failed'} in ${formatDuration(performance.now() - started)}.`);
  return exitCode;
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
