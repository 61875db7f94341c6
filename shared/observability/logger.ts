import pino from 'pino';

/**
 * The one logger. Anything that could carry a password is redacted here, once, rather than
 * trusted to every call site: the design forbids passwords in logs.
 */
const destinations = pino.multistream([{ level: 'trace', stream: pino.destination(1) }]);

export const logger = pino({
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'user-csv-import' },
  redact: {
    paths: ['password', '*.password', '*.*.password', 'passwordHash', '*.passwordHash', 'req.headers.authorization', 'headers.authorization'],
    censor: '[redacted]',
  },
}, destinations);

/** Adds a place log lines are written to as well (e.g. a shipper, or a test reading them). */
export function addLogDestination(stream: NodeJS.WritableStream): void {
  destinations.add({ level: 'trace', stream });
}

export function setLogLevel(level: string): void {
  logger.level = level;
}

export type Logger = pino.Logger;
