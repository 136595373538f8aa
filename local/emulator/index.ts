/** Local AWS Clean Rooms ML emulator: public API. */
export { CleanRoomsMLEmulator, EMULATOR_DEFAULT_CREDENTIALS, type EmulatorOptions } from './emulator';
export {
  ANY_COLLABORATION,
  EmulatorFaults,
  type FaultKind,
  type FaultScope,
  type InjectedFault,
  type ResetPoint,
  type ServerErrorStatus,
} from './faults';
export { generateJobs, type GenerateJobsOptions } from './seed';
export type { RateLimit } from './token-bucket';
export type { EmulatorCredentials, EmulatorJob, OperationName, RecordedRequest } from './types';
