import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULTS } from './constants';

/**
 * The one configured EMF metrics instance. Powertools adds the `service` dimension from
 * `POWERTOOLS_SERVICE_NAME`; the stack's alarms select on exactly that dimension.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULTS.METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULTS.SERVICE_NAME,
});
