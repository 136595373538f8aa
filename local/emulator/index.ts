/** Local AWS Clean Rooms ML emulator: public API. */
export { CleanRoomsMLEmulator, EMULATOR_DEFAULT_CREDENTIALS, type EmulatorOptions, type SeedOptions } from './emulator';
export {
  ANY_COLLABORATION,
  EmulatorFaults,
  type FaultKind,
  type FaultScope,
  type InjectedFault,
  type ResetPoint,
  type ServerErrorStatus,
} from './faults';
export type { FirstAttemptThrottleOptions } from './first-attempt-throttle';
export { DEFAULT_ACCOUNT_ID, LocalIdentities, type LocalIdentity, type LocalIdentityInput } from './identities';
export type { RateLimitScope } from './rate-limits';
export { isRegionName, type AcceptedRegions } from './regions';
export { generateJobs, type GenerateJobsOptions } from './seed';
export type { RateLimit } from './token-bucket';
export type { EmulatorCredentials, EmulatorJob, OperationName, RecordedRequest } from './types';
