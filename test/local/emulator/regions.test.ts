import { CleanRoomsMLEmulator, generateJobs, isRegionName, type EmulatorJob } from '../../../local/emulator';
import { collaborationId } from '../../support/ids';
import { errorOf, getJob, listJobs, type RawResponse } from '../../support/signed-http';

const C = collaborationId(1);
const arnsOf = (response: RawResponse): string[] =>
  JSON.parse(response.body).audienceGenerationJobs.map((job: EmulatorJob) => job.audienceGenerationJobArn);

describe('isRegionName', () => {
  it.each(['us-east-1', 'eu-west-1', 'ap-southeast-5', 'us-gov-west-1', 'cn-north-1', 'us-isob-east-1', 'eusc-de-east-1'])(
    'accepts %s',
    (region) => {
      expect(isRegionName(region)).toBe(true);
    },
  );

  it.each(['', 'local', 'us-east', 'US-EAST-1', 'us_east_1', 'us-east-1 ', 'us-east-123', '../us-east-1'])('refuses %j', (region) => {
    expect(isRegionName(region)).toBe(false);
  });
});

describe('emulator: Regions', () => {
  describe("regions: 'any'", () => {
    let emulator: CleanRoomsMLEmulator;
    const inUsEast1 = generateJobs({ collaborationId: C, count: 3, region: 'us-east-1' });
    const inEuWest1 = generateJobs({ collaborationId: C, count: 2, region: 'eu-west-1' });
    beforeAll(async () => {
      emulator = await CleanRoomsMLEmulator.start({ regions: 'any' });
      emulator.seed(C, inUsEast1);
      emulator.seed(C, inEuWest1, { region: 'eu-west-1' });
    });
    afterAll(() => emulator.stop());
    beforeEach(() => emulator.clearRequests());

    it("takes the Region from the signature's scope and serves that Region's jobs", async () => {
      const usEast1 = await listJobs(emulator, { collaborationId: C });
      const euWest1 = await listJobs(emulator, { collaborationId: C }, { region: 'eu-west-1' });
      const got = await getJob(emulator, inEuWest1[0].audienceGenerationJobArn, { region: 'eu-west-1' });
      const elsewhere = await getJob(emulator, inEuWest1[0].audienceGenerationJobArn);

      expect(emulator.region).toBe('us-east-1');
      expect(arnsOf(usEast1)).toEqual(inUsEast1.map((job) => job.audienceGenerationJobArn));
      expect(arnsOf(euWest1)).toEqual(inEuWest1.map((job) => job.audienceGenerationJobArn));
      expect(got.status).toBe(200);
      expect(errorOf(elsewhere)).toMatchObject({ status: 404, type: 'ResourceNotFoundException' });
      expect(emulator.requests.map((request) => request.region)).toEqual(['us-east-1', 'eu-west-1', 'eu-west-1', 'us-east-1']);
    });

    it('scopes a counted fault to a Region', async () => {
      emulator.faults.throttle(1, { region: 'eu-west-1' });

      const statuses = [
        (await listJobs(emulator, { collaborationId: C })).status,
        (await listJobs(emulator, { collaborationId: C }, { region: 'eu-west-1' })).status,
      ];

      expect(statuses).toEqual([200, 429]);
      emulator.faults.reset();
    });

    it('lists nothing in a valid Region where nothing was seeded', async () => {
      expect(arnsOf(await listJobs(emulator, { collaborationId: C }, { region: 'ap-south-1' }))).toEqual([]);
    });

    it('refuses a scope that is not a Region name', async () => {
      const response = await listJobs(emulator, { collaborationId: C }, { region: 'moon-base' });

      expect(errorOf(response)).toEqual({
        status: 403,
        type: 'InvalidSignatureException',
        message: 'Credential should be scoped to a valid region.',
      });
    });

    it('refuses a page token issued in another Region', async () => {
      const { nextToken } = JSON.parse((await listJobs(emulator, { collaborationId: C, maxResults: 1 })).body);

      const response = await listJobs(emulator, { collaborationId: C, maxResults: 1, nextToken }, { region: 'eu-west-1' });

      expect(errorOf(response)).toMatchObject({ status: 400, type: 'ValidationException' });
    });

    it('lets one ARN be seeded in two Regions, but only once in one', () => {
      const [job] = generateJobs({ collaborationId: collaborationId(2), count: 1 });

      emulator.seed(collaborationId(2), [job]);
      emulator.seed(collaborationId(2), [job], { region: 'eu-west-1' });

      expect(() => emulator.seed(collaborationId(2), [job], { region: 'eu-west-1' })).toThrow(/already seeded/);
    });
  });

  describe('a list of regions', () => {
    let emulator: CleanRoomsMLEmulator;
    beforeAll(async () => {
      emulator = await CleanRoomsMLEmulator.start({ regions: ['eu-central-1', 'eu-west-1'] });
    });
    afterAll(() => emulator.stop());

    it('defaults the Region to the first listed, and accepts only listed Regions', async () => {
      const listed = await listJobs(emulator, {}, { region: 'eu-west-1' });
      const unlisted = await listJobs(emulator, {}, { region: 'us-east-1' });

      expect(emulator.region).toBe('eu-central-1');
      expect(listed.status).toBe(200);
      expect(errorOf(unlisted)).toEqual({
        status: 403,
        type: 'InvalidSignatureException',
        message: 'Credential should be scoped to a valid region.',
      });
    });

    it('refuses to seed a Region no request could be signed for', () => {
      expect(() => emulator.seed(C, [], { region: 'us-east-1' })).toThrow(/cannot be signed for us-east-1/);
    });
  });

  describe('without regions', () => {
    it('accepts only the default Region, as before', async () => {
      const emulator = await CleanRoomsMLEmulator.start({ region: 'eu-north-1' });
      try {
        const own = await listJobs(emulator, {});
        const other = await listJobs(emulator, {}, { region: 'us-east-1' });

        expect(own.status).toBe(200);
        expect(errorOf(other).message).toBe('Credential should be scoped to a valid region.');
        expect(() => emulator.seed(C, [], { region: 'us-east-1' })).toThrow(RangeError);
      } finally {
        await emulator.stop();
      }
    });
  });

  it('refuses start options that accept no request', async () => {
    await expect(CleanRoomsMLEmulator.start({ region: 'us-east-1', regions: ['eu-west-1'] })).rejects.toThrow(/not among the accepted/);
    await expect(CleanRoomsMLEmulator.start({ regions: ['eu-west'] })).rejects.toThrow(/not an AWS Region name/);
  });

  it('partitions by the Region and access key the header names when signatures are not verified', async () => {
    const open = await CleanRoomsMLEmulator.start({ regions: 'any', verifySignatures: false });
    try {
      open.seed(C, generateJobs({ collaborationId: C, count: 2, region: 'eu-west-1' }), { region: 'eu-west-1' });

      const euWest1 = await listJobs(
        open,
        { collaborationId: C },
        { region: 'eu-west-1', credentials: { accessKeyId: 'AKIDANY', secretAccessKey: 'x' } },
      );

      expect(arnsOf(euWest1)).toHaveLength(2);
      expect(open.requests[0]).toMatchObject({ accountId: open.accountId, region: 'eu-west-1' });
    } finally {
      await open.stop();
    }
  });
});
