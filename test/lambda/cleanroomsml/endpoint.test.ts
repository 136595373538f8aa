import { CleanRoomsMLClient } from '../../../lambda/cleanroomsml';
import { resolveEndpoint } from '../../../lambda/cleanroomsml/endpoint';

const CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

describe('resolveEndpoint', () => {
  describe('precedence', () => {
    const both = { AWS_ENDPOINT_URL_CLEANROOMSML: 'http://127.0.0.1:4000', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' };

    it('an explicit endpoint wins over both variables', () => {
      expect(resolveEndpoint('us-east-1', 'https://explicit.example.com', both).href).toBe('https://explicit.example.com/');
    });

    it('AWS_ENDPOINT_URL_CLEANROOMSML comes before AWS_ENDPOINT_URL', () => {
      expect(resolveEndpoint('us-east-1', undefined, both).href).toBe('http://127.0.0.1:4000/');
    });

    it('AWS_ENDPOINT_URL applies when the service variable is unset or empty', () => {
      expect(resolveEndpoint('us-east-1', undefined, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).href).toBe('http://127.0.0.1:5000/');
      expect(resolveEndpoint('us-east-1', undefined, { ...both, AWS_ENDPOINT_URL_CLEANROOMSML: '' }).href).toBe('http://127.0.0.1:5000/');
    });

    it('an empty AWS_ENDPOINT_URL means the default endpoint', () => {
      expect(resolveEndpoint('us-east-1', undefined, { AWS_ENDPOINT_URL: '' }).href).toBe('https://cleanrooms-ml.us-east-1.amazonaws.com/');
    });

    it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores both variables, but not an explicit endpoint', () => {
      const ignoring = { ...both, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' };
      expect(resolveEndpoint('eu-west-1', undefined, ignoring).href).toBe('https://cleanrooms-ml.eu-west-1.amazonaws.com/');
      expect(
        resolveEndpoint('eu-west-1', undefined, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })
          .href,
      ).toBe('https://cleanrooms-ml.eu-west-1.amazonaws.com/');
      expect(resolveEndpoint('eu-west-1', 'http://127.0.0.1:6000', ignoring).href).toBe('http://127.0.0.1:6000/');
    });

    it('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false keeps the variables', () => {
      expect(resolveEndpoint('us-east-1', undefined, { ...both, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'false' }).href).toBe(
        'http://127.0.0.1:4000/',
      );
    });

    it('keeps a path and port of a configured endpoint', () => {
      const url = resolveEndpoint('us-east-1', 'http://localhost:4566/cleanrooms-ml/', {});
      expect([url.protocol, url.hostname, url.port, url.pathname]).toEqual(['http:', 'localhost', '4566', '/cleanrooms-ml/']);
    });

    it('reads process.env when no environment is given', () => {
      const saved = process.env.AWS_ENDPOINT_URL_CLEANROOMSML;
      try {
        process.env.AWS_ENDPOINT_URL_CLEANROOMSML = 'http://127.0.0.1:7000';
        expect(resolveEndpoint('us-east-1').href).toBe('http://127.0.0.1:7000/');
      } finally {
        if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_CLEANROOMSML;
        else process.env.AWS_ENDPOINT_URL_CLEANROOMSML = saved;
      }
    });
  });

  describe('default endpoint', () => {
    it.each([
      ['us-east-1', 'https://cleanrooms-ml.us-east-1.amazonaws.com/'],
      ['eu-central-1', 'https://cleanrooms-ml.eu-central-1.amazonaws.com/'],
      ['ap-northeast-2', 'https://cleanrooms-ml.ap-northeast-2.amazonaws.com/'],
      ['cn-north-1', 'https://cleanrooms-ml.cn-north-1.amazonaws.com.cn/'],
      ['cn-northwest-1', 'https://cleanrooms-ml.cn-northwest-1.amazonaws.com.cn/'],
      ['us-gov-west-1', 'https://cleanrooms-ml.us-gov-west-1.amazonaws.com/'],
    ])('%s → %s', (region, expected) => {
      expect(resolveEndpoint(region, undefined, {}).href).toBe(expected);
    });

    it.each(['US-EAST-1', 'us-east-1.evil.example', 'us east 1', 'us-east-1/x', ''])('rejects the region %j', (region) => {
      expect(() => resolveEndpoint(region, undefined, {})).toThrow(`Invalid AWS region ${JSON.stringify(region)}`);
    });
  });

  describe('invalid endpoint URLs', () => {
    it.each(['not a url', '://missing-scheme', 'http://', ''])('explicit %j: a clear error naming the value', (endpoint) => {
      expect(() => resolveEndpoint('us-east-1', endpoint, {})).toThrow(`Invalid Clean Rooms ML endpoint URL ${JSON.stringify(endpoint)}`);
    });

    it('from AWS_ENDPOINT_URL_CLEANROOMSML: a clear error naming the value', () => {
      expect(() => resolveEndpoint('us-east-1', undefined, { AWS_ENDPOINT_URL_CLEANROOMSML: 'http//127.0.0.1:4000' })).toThrow(
        'Invalid Clean Rooms ML endpoint URL "http//127.0.0.1:4000"',
      );
    });

    it.each(['ftp://example.com', 'localhost:4566', 'file:///tmp/x'])('%j: the protocol must be http or https', (endpoint) => {
      expect(() => resolveEndpoint('us-east-1', endpoint, {})).toThrow(
        `Invalid Clean Rooms ML endpoint URL ${JSON.stringify(endpoint)}: protocol must be http or https`,
      );
    });
  });
});

describe('CleanRoomsMLClient endpoint', () => {
  const saved: Record<string, string | undefined> = {};
  const VARS = ['AWS_ENDPOINT_URL_CLEANROOMSML', 'AWS_ENDPOINT_URL', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS'] as const;
  beforeEach(() => {
    for (const name of VARS) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(() => {
    for (const name of VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it('uses the regional endpoint by default and the environment override when set', () => {
    const regional = new CleanRoomsMLClient({ region: 'cn-north-1', credentials: CREDENTIALS });
    process.env.AWS_ENDPOINT_URL_CLEANROOMSML = 'http://127.0.0.1:4010';
    const overridden = new CleanRoomsMLClient({ region: 'cn-north-1', credentials: CREDENTIALS });
    try {
      expect(regional.endpoint.href).toBe('https://cleanrooms-ml.cn-north-1.amazonaws.com.cn/');
      expect(overridden.endpoint.href).toBe('http://127.0.0.1:4010/');
    } finally {
      regional.destroy();
      overridden.destroy();
    }
  });

  it('fails at construction on an invalid endpoint', () => {
    expect(() => new CleanRoomsMLClient({ region: 'us-east-1', endpoint: 'nope', credentials: CREDENTIALS })).toThrow(
      'Invalid Clean Rooms ML endpoint URL "nope"',
    );
  });
});
