export { createLogger, LOG_REDACT_PATHS } from './logger.js';
export { LbeMetrics } from './metrics.js';
