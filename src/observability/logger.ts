import { pino, type Logger } from 'pino';
import type { Config } from '../config/index.js';

/** Header and field paths whose values never reach a log line. */
export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.query.apiKey',
  'apiKey',
  'authorization',
] as const;

/**
 * The process's root pino logger: JSON lines on stdout, level from LOG_LEVEL, secrets redacted.
 * Child loggers bind `requestId`, `buildId` and `tenantId`; nothing logs through `console`.
 */
export function createLogger(
  config: Pick<Config, 'LOG_LEVEL'>,
  destination?: pino.DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level: config.LOG_LEVEL,
    base: { service: 'lbe' },
    redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
