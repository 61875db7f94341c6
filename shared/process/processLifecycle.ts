import { ConfigError } from '../platform/config';
import { logger } from '../platform/logger';

/**
 * Runs a process entry point: a bad configuration exits 1 with its message (no stack), SIGTERM
 * and SIGINT close what `start` started once, and a second signal forces the exit.
 */
export function runProcess(name: string, start: () => Promise<{ close(): Promise<void> }>): void {
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

  // Through a promise, so a configuration refused while `start` is still synchronous is caught too.
  Promise.resolve()
    .then(start)
    .then((started) => {
      stop = () => started.close();
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
