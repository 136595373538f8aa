import type { EventBridgeEmulator } from '../../local/eventbridge';
import { type ExportTestBed, type ExportTestBedOptions, useExportTestBed } from './export-test-bed';
import { S3FaultProxy } from './s3-fault-proxy';

/** The export test bed, its local EventBridge, and an S3 fault proxy in front of its s3rver (set in beforeAll). */
export interface StatusEventsBed {
  bed: ExportTestBed;
  eventBridge: EventBridgeEmulator;
  /** S3 faults, and the requests counted, for the runs pointed at its endpoint. */
  proxy: S3FaultProxy;
}

/**
 * {@link useExportTestBed} for the status-change tests: the event buses and the roles given are added once, and the
 * EventBridge faults and events and the proxy's faults and counts are reset before each test.
 */
export function useStatusEventsBed(options: ExportTestBedOptions & { buses?: string[]; roleArns?: string[] }): StatusEventsBed {
  const bed = useExportTestBed(options);
  const fixtures = { bed } as StatusEventsBed;
  beforeAll(async () => {
    fixtures.eventBridge = bed.harness.aws.eventBridge;
    for (const bus of options.buses ?? []) fixtures.eventBridge.addBus(bus);
    for (const roleArn of options.roleArns ?? []) bed.harness.sts.addRole({ roleArn });
    fixtures.proxy = await S3FaultProxy.start(bed.harness.s3Server.endpoint, { fillMultipartGaps: true });
  });
  afterAll(async () => {
    await fixtures.proxy.stop();
  });
  beforeEach(() => {
    fixtures.eventBridge.faults.reset();
    fixtures.eventBridge.clear();
    fixtures.proxy.reset();
  });
  return fixtures;
}
