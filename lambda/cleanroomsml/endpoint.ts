import { partition } from '@aws-sdk/util-endpoints';
import { ENDPOINT_PREFIX, SDK_ID } from './model-constants';

/** `AWS_ENDPOINT_URL_<SDKID>`, as the SDK derives it from the service's sdkId. */
export const SERVICE_ENDPOINT_ENV = `AWS_ENDPOINT_URL_${SDK_ID.toUpperCase().replace(/ /g, '_')}`;

/**
 * The endpoint the client calls, resolved as the official SDK does: an explicit endpoint, then
 * `AWS_ENDPOINT_URL_CLEANROOMSML`, then `AWS_ENDPOINT_URL` (both ignored when
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else `https://cleanrooms-ml.{region}.{partition dnsSuffix}`.
 */
export function resolveEndpoint(region: string, explicit?: string, env: NodeJS.ProcessEnv = process.env): URL {
  const ignoreEnv = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
  const configured = explicit ?? (ignoreEnv ? undefined : env[SERVICE_ENDPOINT_ENV] || env.AWS_ENDPOINT_URL || undefined);
  if (configured !== undefined) {
    let url: URL;
    try {
      url = new URL(configured);
    } catch {
      throw new Error(`Invalid Clean Rooms ML endpoint URL ${JSON.stringify(configured)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(`Invalid Clean Rooms ML endpoint URL ${JSON.stringify(configured)}: protocol must be http or https`);
    }
    return url;
  }
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new Error(`Invalid AWS region ${JSON.stringify(region)}`);
  }
  return new URL(`https://${ENDPOINT_PREFIX}.${region}.${partition(region).dnsSuffix}`);
}
