/**
 * The local AWS the exporter runs against, in-process: the Clean Rooms ML emulator, STS, s3rver and the local
 * EventBridge, sharing one registry of credentials (so that roles assumed through STS are accepted by the
 * emulator and EventBridge). The one way the tests, `npm start` and the benchmark start them.
 */
import { CleanRoomsMLEmulator } from './emulator';
import { LocalIdentities } from './emulator/identities';
import { EventBridgeEmulator } from './eventbridge';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, LOCAL_REGION, localAwsEnvironment } from './local-aws-environment';
import { LocalS3Server } from './s3/local-s3-server';
import { StsEmulator } from './sts';

export interface LocalAwsOptions {
  /** The function's own Region; default us-east-1. */
  region?: string;
  /** Delay before every Clean Rooms ML answer, in milliseconds. */
  latencyMs?: number;
  /** Buckets s3rver creates at start. */
  buckets?: string[];
  /** Where s3rver keeps its objects; default a new temporary folder. */
  s3Directory?: string;
  /** Event buses that exist besides `default`. */
  eventBuses?: string[];
  /** The local EventBridge keeps at most this many recorded events and requests (see EventBridgeEmulatorOptions). */
  maxRecordedEvents?: number;
}

export class LocalAws {
  private constructor(
    readonly identities: LocalIdentities,
    readonly emulator: CleanRoomsMLEmulator,
    readonly sts: StsEmulator,
    readonly s3Server: LocalS3Server,
    readonly eventBridge: EventBridgeEmulator,
    readonly region: string,
  ) {}

  static async start(options: LocalAwsOptions = {}): Promise<LocalAws> {
    const region = options.region ?? LOCAL_REGION;
    const identities = new LocalIdentities([{ ...LOCAL_CREDENTIALS, accountId: LOCAL_ACCOUNT_ID }]);
    const [emulator, sts, s3Server, eventBridge] = await Promise.all([
      CleanRoomsMLEmulator.start({ identities, credentials: LOCAL_CREDENTIALS, region, regions: 'any', latencyMs: options.latencyMs }),
      StsEmulator.start({ identities }),
      LocalS3Server.start({ buckets: options.buckets, directory: options.s3Directory }),
      EventBridgeEmulator.start({
        identities,
        credentials: LOCAL_CREDENTIALS,
        region,
        buses: options.eventBuses,
        maxRecorded: options.maxRecordedEvents,
      }),
    ]);
    return new LocalAws(identities, emulator, sts, s3Server, eventBridge, region);
  }

  /** The standard AWS variables that point the exporter at these servers. */
  env(): Record<string, string> {
    return localAwsEnvironment(
      { cleanRoomsMl: this.emulator.endpoint, s3: this.s3Server.endpoint, sts: this.sts.endpoint, eventBridge: this.eventBridge.endpoint },
      this.region,
    );
  }

  async stop(): Promise<void> {
    await Promise.all([this.emulator.stop(), this.sts.stop(), this.s3Server.stop(), this.eventBridge.stop()]);
  }
}
