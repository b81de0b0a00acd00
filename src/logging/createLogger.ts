import pino from 'pino';
import type { Logger } from './Logger';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/**
 * Creates the structured JSON logger. `silent` is what tests use.
 */
export function createLogger(options: { level?: LogLevel; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'snatchshot',
    level: options.level ?? 'info',
    // Never log upload bytes or image data by accident.
    redact: { paths: ['*.imageData', '*.buffer', 'req.headers.authorization'], censor: '[redacted]' },
  });
}
