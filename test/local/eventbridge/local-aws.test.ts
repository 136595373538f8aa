/** LocalAws starts the local EventBridge beside the other servers, sharing their identities; env() points the SDK at it. */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { LocalAws } from '../../../local/local-aws';
import { LOCAL_ACCOUNT_ID, LOCAL_CREDENTIALS, localAwsEnvironment } from '../../../local/local-aws-environment';

const MEMBER_ROLE = 'arn:aws:iam::444455556666:role/AudienceJobsReader';

describe('LocalAws with EventBridge', () => {
  let aws: LocalAws;
  beforeAll(async () => {
    aws = await LocalAws.start({ eventBuses: ['audience-jobs'] });
  });
  afterAll(() => aws.stop());

  it('env() sets AWS_ENDPOINT_URL_EVENTBRIDGE to the local EventBridge, beside the other endpoints', () => {
    const env = aws.env();
    expect(env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBe(aws.eventBridge.endpoint);
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL_CLEANROOMSML: aws.emulator.endpoint,
      AWS_ENDPOINT_URL_S3: aws.s3Server.endpoint,
      AWS_ENDPOINT_URL_STS: aws.sts.endpoint,
      AWS_REGION: aws.region,
    });
    expect(aws.eventBridge.busNames()).toEqual(['default', 'audience-jobs']);
  });

  it('localAwsEnvironment leaves the variable out when no EventBridge endpoint is given', () => {
    const env = localAwsEnvironment({ cleanRoomsMl: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2', sts: 'http://127.0.0.1:3' });
    expect(env).not.toHaveProperty('AWS_ENDPOINT_URL_EVENTBRIDGE');
  });

  it('accepts the local credentials, and credentials STS issued for a role of another account', async () => {
    const saved = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = aws.env().AWS_ENDPOINT_URL_EVENTBRIDGE;
    try {
      const own = new EventBridgeClient({ region: aws.region, credentials: LOCAL_CREDENTIALS });
      await own.send(
        new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{"who":"own"}', EventBusName: 'audience-jobs' }] }),
      );
      own.destroy();

      aws.sts.addRole({ roleArn: MEMBER_ROLE });
      const sts = new STSClient({ region: aws.region, endpoint: aws.sts.endpoint, credentials: LOCAL_CREDENTIALS });
      const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: MEMBER_ROLE, RoleSessionName: 'test' }));
      sts.destroy();
      const member = new EventBridgeClient({
        region: aws.region,
        credentials: {
          accessKeyId: Credentials!.AccessKeyId!,
          secretAccessKey: Credentials!.SecretAccessKey!,
          sessionToken: Credentials!.SessionToken,
        },
      });
      await member.send(new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{"who":"member"}' }] }));
      member.destroy();
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
      else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = saved;
    }
    expect(aws.eventBridge.events.map((e) => [e.accountId, e.eventBusName, e.detail.who])).toEqual([
      [LOCAL_ACCOUNT_ID, 'audience-jobs', 'own'],
      ['444455556666', 'default', 'member'],
    ]);
  });
});
