import { ConfigError } from './config';
import { logger } from './logger';

/**
 * Runs a process entry point: a bad configuration exits 1 with its message (no stack), SIGTERM
 * and SIGINT run `stop` once, and a second signal forces the exit.
 */
export function runProcess(name: string, start: () => Promise<() => Promise<void>>): void {
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, `${name}: second signal, exiting now`);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, `${name}: shutting down`);
    try {
      await stop?.();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, `${name}: shutdown failed`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));

  start()
    .then((stopFn) => {
      stop = stopFn;
      if (stopping) void shutdown('SIGTERM');
    })
    .catch((error) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`${name} cannot start. ${error.message}\n`);
      } else {
        logger.fatal({ err: error }, `${name}: failed to start`);
      }
      process.exit(1);
    });
}
