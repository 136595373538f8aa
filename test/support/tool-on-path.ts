/**
 * Tests that need a tool outside Node (moto_server, cfn-lint: Python programs on this project's machine image and in
 * CI, but not on a newcomer's laptop): is the tool on PATH, and what to do when it is not.
 *
 * - On PATH: the tests that need it run.
 * - Not on PATH, `CI` set: one test fails, saying which tool CI lacks (CI must run every check).
 * - Not on PATH elsewhere: one test prints one loud line (console.warn, `<tool> NOT RUN: ...`) naming what did not
 *   run and how to install the tool, and asserts what it did establish: the tool is absent. Every other test runs.
 *
 * Nothing is skipped (no `it.skip`): a run without the tool passes only by saying so.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface Tool {
  /** The command, as looked up on PATH. */
  readonly name: string;
  /** Found on PATH, and its probe (e.g. `--version`) exited 0. */
  readonly available: boolean;
  /** When available: the probe's first line of output, or the path. Otherwise why not (`ENOENT`, `exit 127: ...`). */
  readonly detail: string;
}

export interface ToolAbsence {
  /** What did not run, for the loud line: "the S3 second-opinion checks (...)". */
  notRun: string;
  /** How to install the tool: "moto[server] (pip install 'moto[server]')". */
  install: string;
}

/** CI is any run with `CI` set (GitHub Actions, GitLab, CircleCI... set `CI=true`). */
export function isCi(): boolean {
  return Boolean(process.env.CI);
}

/**
 * Whether `name` is on PATH and runs: `probeArgs` must exit 0. (A PATH lookup alone is not enough: a pyenv shim is on
 * PATH even when the active Python lacks the tool, and then exits 127.)
 */
export function findTool(name: string, probeArgs: string[] = ['--version']): Tool {
  const path = onPath(name);
  if (path === undefined) return { name, available: false, detail: 'ENOENT: not found in any PATH directory' };
  const probe = spawnSync(path, probeArgs, { encoding: 'utf8', timeout: 60_000 });
  if (probe.status === 0) return { name, available: true, detail: probe.stdout.split('\n')[0].trim() || path };
  const why = probe.error
    ? String((probe.error as NodeJS.ErrnoException).code ?? probe.error.message)
    : `exit ${probe.status}: ${probe.stderr.trim().split('\n')[0]}`;
  return { name, available: false, detail: `${path} does not run (${why})` };
}

/** The line printed when a tool is absent outside CI. */
export function notRunLine(tool: Tool, absence: ToolAbsence): string {
  return `${tool.name} NOT RUN: not on PATH (${tool.detail}); ${absence.notRun} did not run. Install ${absence.install} to run them (CI fails without it).`;
}

/**
 * Stands in for the tests that need `tool` when it is absent (call it only then): in CI, a test that fails; elsewhere,
 * a test that prints {@link notRunLine} once and asserts that the tool is absent.
 */
export function describeToolAbsent(tool: Tool, absence: ToolAbsence): void {
  if (tool.available) throw new Error(`describeToolAbsent(${tool.name}): the tool is available; declare the tests that need it instead`);
  describe(`${tool.name} (not on PATH)`, () => {
    if (isCi()) {
      it(`is on PATH (CI must run ${absence.notRun})`, () => {
        throw new Error(
          `${tool.name} is not on PATH (${tool.detail}), so ${absence.notRun} cannot run; CI must install ${absence.install}`,
        );
      });
    } else {
      it(`is absent here: ${absence.notRun} did NOT run`, () => {
        console.warn(notRunLine(tool, absence));
        // What this test did establish: the tool is absent, so no result is claimed for what needs it.
        expect(tool.available).toBe(false);
      });
    }
  });
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
