/** The function's environment of a local run: the template's variables, Lambda's own, the local endpoints. */
import { functionSettings, lambdaEnvironment, localFunction, type CfnTemplate, type LocalTarget } from '../../../local/lambda-runtime';

function template(variables: Record<string, unknown>): CfnTemplate {
  return {
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket' },
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'exporter-events' } },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Timeout: 600, MemorySize: 512, Environment: { Variables: variables } } },
    },
  };
}

const TARGET: LocalTarget = {
  functionName: 'AudienceJobsExporter-ExporterFunction-local',
  region: 'us-east-1',
  endpoints: { cleanRoomsMl: 'http://127.0.0.1:1', s3: 'http://127.0.0.1:2', sts: 'http://127.0.0.1:3' },
};

describe('functionSettings', () => {
  it('takes the variables as the template sets them; only the bucket Ref (and an event bus of the stack) are resolved', () => {
    const settings = functionSettings(
      template({
        SNAPSHOT_PREFIX: 'p/',
        SNAPSHOT_BUCKET: { Ref: 'Bucket' },
        EVENT_BUS_NAME: { Ref: 'Bus' },
        EVENT_BUS_ARN: { 'Fn::GetAtt': ['Bus', 'Arn'] },
      }),
      'Fn',
      'local-bucket',
    );
    expect(settings).toEqual({
      variables: {
        SNAPSHOT_PREFIX: 'p/',
        SNAPSHOT_BUCKET: 'local-bucket',
        EVENT_BUS_NAME: 'exporter-events',
        EVENT_BUS_ARN: 'arn:aws:events:us-east-1:111122223333:event-bus/exporter-events',
      },
      timeoutSeconds: 600,
      memorySizeMb: 512,
    });
  });

  it('refuses any other token: the local run would not be the deployed configuration', () => {
    expect(() => functionSettings(template({ TABLE: { Ref: 'SomethingElse' } }), 'Fn', 'b')).toThrow(/TABLE .* cannot be resolved locally/);
    expect(() => functionSettings(template({}), 'Missing', 'b')).toThrow(/no resource Missing/);
  });
});

describe('lambdaEnvironment and localFunction', () => {
  it("the function's variables, Lambda's own (LAMBDA_TASK_ROOT the bundle's folder), the local endpoints; nothing else", () => {
    const settings = functionSettings(
      template({ NODE_OPTIONS: '--enable-source-maps', SNAPSHOT_BUCKET: { Ref: 'Bucket' } }),
      'Fn',
      'local-bucket',
    );
    const fn = localFunction({ bundleFile: '/cache/asset.abc/index.js' }, settings, {
      ...TARGET,
      endpoints: { ...TARGET.endpoints, eventBridge: 'http://127.0.0.1:4' },
    });
    expect(fn).toMatchObject({
      bundleFile: '/cache/asset.abc/index.js',
      functionName: TARGET.functionName,
      timeoutMs: 600_000,
      memorySizeMb: 512,
    });
    expect(fn.env).toEqual(
      lambdaEnvironment(settings, { ...TARGET, endpoints: { ...TARGET.endpoints, eventBridge: 'http://127.0.0.1:4' } }, '/cache/asset.abc'),
    );
    expect(fn.env).toMatchObject({
      NODE_OPTIONS: '--enable-source-maps',
      SNAPSHOT_BUCKET: 'local-bucket',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_LAMBDA_FUNCTION_NAME: TARGET.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      LAMBDA_TASK_ROOT: '/cache/asset.abc',
      TZ: ':UTC',
      AWS_ENDPOINT_URL_CLEANROOMSML: 'http://127.0.0.1:1',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2',
      AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:3',
      AWS_ENDPOINT_URL_EVENTBRIDGE: 'http://127.0.0.1:4',
    });
    expect(fn.env.PATH).toBeUndefined();
    expect(lambdaEnvironment(settings, TARGET, '/x').AWS_ENDPOINT_URL_EVENTBRIDGE).toBeUndefined();
  });
});
