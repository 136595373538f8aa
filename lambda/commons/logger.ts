import { Logger } from '@aws-lambda-powertools/logger';
import { DEFAULTS } from './constants';

/** The one configured logger. Powertools reads `POWERTOOLS_SERVICE_NAME` and `POWERTOOLS_LOG_LEVEL`. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULTS.SERVICE_NAME,
});
