/** Local AWS STS emulator: public API. */
export { StsEmulator, type StsEmulatorOptions, type StsRecordedRequest } from './sts-emulator';
export type { LocalRole } from './roles';
export { STS_NAMESPACE, STS_VERSION } from './sts-xml';
// The registry is shared with the Clean Rooms ML emulator; re-exported so STS users need one import.
export { LocalIdentities, type LocalIdentity, type LocalIdentityInput } from '../emulator/identities';
