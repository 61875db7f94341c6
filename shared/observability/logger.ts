import pino from 'pino';

/**
 * The one logger. Anything that could carry a password is redacted here, once, rather than
 * trusted to every call site: the design forbids passwords in logs.
 */
export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'user-csv-import' },
  redact: {
    paths: ['password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization', 'headers.authorization'],
    censor: '[redacted]',
  },
});

export function setLogLevel(level: string): void {
  logger.level = level;
}

export type Logger = pino.Logger;
