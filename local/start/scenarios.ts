/**
 * What `npm start -- --scenario <name>` can show. Every scenario seeds the same collaborations (see sample-data.ts)
 * and differs only in the job statuses and in the faults the emulator injects.
 */
import type { CleanRoomsMLEmulator } from '../emulator';
import { SAMPLE_COLLABORATIONS } from './sample-data';

export const SCENARIO_NAMES = ['healthy', 'delete-failed', 'throttled', 'partial-failure', 'status-changes'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];
/** What `npm start` runs without `--scenario`: the full sample, every status included. */
export const DEFAULT_SCENARIO: ScenarioName = 'delete-failed';

export interface Scenario {
  readonly name: ScenarioName;
  /** One line for `--help` and the run's header. */
  readonly summary: string;
  /** Whether the sample includes DELETE_FAILED jobs. */
  readonly withDeleteFailed: boolean;
  /** The collaboration the emulator denies, if any. */
  readonly deniedCollaborationId?: string;
  /** Whether the handler must throw: the run is reported as unexpected (exit 1) otherwise. */
  readonly handlerThrows: boolean;
  /**
   * Two runs an hour apart, with jobs changing in between (see status-changes.ts), and a local EventBridge that
   * receives the second run's status-change events. Default: one run, no EventBridge.
   */
  readonly statusChanges?: boolean;
  /** Programs the emulator's faults before the handler runs. */
  applyFaults(emulator: CleanRoomsMLEmulator): void;
}

/** The collaboration the partial-failure scenario denies: the second of the sample (140 jobs, two pages). */
const DENIED = SAMPLE_COLLABORATIONS[1].id;

/**
 * Throttling of the throttled scenario: a service limit of a few requests per second with a small burst, far below
 * what the run asks for (a few dozen requests at once). The exporter's client uses the SDK's adaptive retry
 * strategy: it backs off (from 500 ms for throttling, doubling, with jitter) and its client-side rate limiter slows
 * every request down after each 429. Measured here: a quarter of the requests are throttled and the handler ends in
 * about 8 s. Counted throttles at the very start would be much slower: before any request succeeded the limiter has
 * no measured rate and falls to its floor of 0.5 requests per second.
 */
export const THROTTLING = { requestsPerSecond: 5, burst: 6 } as const;

export const SCENARIOS: Record<ScenarioName, Scenario> = {
  healthy: {
    name: 'healthy',
    summary: 'every collaboration exports, no job is in DELETE_FAILED: no alarm fires',
    withDeleteFailed: false,
    handlerThrows: false,
    applyFaults: () => undefined,
  },
  'delete-failed': {
    name: 'delete-failed',
    summary: 'the full sample: every status, DELETE_FAILED jobs with their status details; the DeleteFailedJobs alarm fires',
    withDeleteFailed: true,
    handlerThrows: false,
    applyFaults: () => undefined,
  },
  throttled: {
    name: 'throttled',
    summary: `the emulator throttles heavily (above ${THROTTLING.requestsPerSecond} requests/s, burst ${THROTTLING.burst}); the client backs off and retries, and the run completes`,
    withDeleteFailed: true,
    handlerThrows: false,
    applyFaults: (emulator) => {
      emulator.faults.rateLimit(THROTTLING);
    },
  },
  'partial-failure': {
    name: 'partial-failure',
    summary: 'one collaboration is denied (AccessDeniedException): it fails alone, the others are exported completely, the handler throws',
    withDeleteFailed: true,
    deniedCollaborationId: DENIED,
    handlerThrows: true,
    applyFaults: (emulator) => {
      emulator.faults.denyCollaboration(DENIED);
    },
  },
  'status-changes': {
    name: 'status-changes',
    summary:
      "two runs an hour apart, jobs changing in between (one becomes DELETE_FAILED): the second run's status-change events, and the messages the stack's rule sends",
    withDeleteFailed: false,
    handlerThrows: false,
    statusChanges: true,
    applyFaults: () => undefined,
  },
};

/** `--help` text: one line per scenario. */
export function scenarioHelp(): string {
  const width = Math.max(...SCENARIO_NAMES.map((n) => n.length));
  return SCENARIO_NAMES.map((n) => `  ${n.padEnd(width)}  ${SCENARIOS[n].summary}${n === DEFAULT_SCENARIO ? ' (default)' : ''}`).join('\n');
}
