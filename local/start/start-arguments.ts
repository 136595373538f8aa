/**
 * The command line of `npm start`: the scenario, as `--scenario <name>` or as the one positional argument
 * (`npm start -- status-changes`), and `--data-dir`. Parsing only; main.ts runs what it returns.
 */
import { Argument, Command, CommanderError, Option, type OutputConfiguration } from 'commander';
import { DEFAULT_SCENARIO, SCENARIO_NAMES, scenarioHelp, type ScenarioName } from './scenarios';

export interface StartArguments {
  scenario: ScenarioName;
  dataDir: string;
}

/** What the command line asks for: a run, or an exit (after `--help`, 0, or a usage error, 1, already printed). */
export type ParsedStart = { run: StartArguments } | { exitCode: number };

/** Parses `argv` (as `process.argv`: node and the script first); `output` replaces stdout and stderr (tests). */
export function parseStartArguments(argv: string[], defaultDataDir: string, output?: OutputConfiguration): ParsedStart {
  const program = new Command()
    .name('npm start --')
    .description('Run the exporter end to end on this machine: emulator, local S3, the deployed Lambda bundle, DuckDB, alarm verdicts.')
    .addArgument(new Argument('[scenario]', 'what to show, the same as --scenario').choices(SCENARIO_NAMES))
    .addOption(new Option('--scenario <name>', 'what to show').choices(SCENARIO_NAMES).default(DEFAULT_SCENARIO))
    .option('--data-dir <folder>', 'parent of the per-scenario data folders', defaultDataDir)
    .addHelpText('after', `\nScenarios:\n${scenarioHelp()}\n`)
    .exitOverride()
    .showHelpAfterError();
  if (output) program.configureOutput(output);
  try {
    program.parse(argv);
    const options = program.opts<{ scenario: ScenarioName; dataDir: string }>();
    const positional = program.processedArgs[0] as ScenarioName | undefined;
    if (positional !== undefined && program.getOptionValueSource('scenario') === 'cli' && positional !== options.scenario) {
      program.error(`error: two scenarios given: '${positional}' and --scenario '${options.scenario}'; give one`);
    }
    return { run: { scenario: positional ?? options.scenario, dataDir: options.dataDir } };
  } catch (error) {
    if (error instanceof CommanderError) return { exitCode: error.exitCode === 0 ? 0 : 1 };
    throw error;
  }
}
