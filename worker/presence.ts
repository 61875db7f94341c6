import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { forgetWorker, reportWorkerAlive } from '../shared/data/deploymentStore';
import { logger } from '../shared/platform/logger';
import type { WorkerRuntime } from '../shared/platform/runtime';
import { startRounds } from './rounds';

/** How often a worker says it is alive; the API counts a worker gone after missing a few (rules/queuedImportWait.ts). */
export const PRESENCE_EVERY_MS = 10_000;

/**
 * A worker reports itself in its deployment's database every PRESENCE_EVERY_MS, so the API can tell
 * an import that waits its turn from one that waits for a worker no one started. Best effort:
 * a report that fails (MongoDB away) is simply tried again at the next round.
 */
export function startWorkerPresence(runtime: WorkerRuntime): { close(): Promise<void> } {
  const report = {
    id: `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    queues: runtime.config.workerQueues,
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date(),
  };
  const beat = () => void reportWorkerAlive(report, new Date()).catch((error) => logger.debug({ err: error }, 'could not report this worker alive; trying again next round'));
  beat();
  const stop = startRounds(PRESENCE_EVERY_MS, beat);
  return {
    async close() {
      stop();
      await forgetWorker(report.id).catch(() => undefined);
    },
  };
}
