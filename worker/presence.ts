import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { forgetWorker, reportWorkerAlive } from '../shared/data/deploymentStore';
import { logger } from '../shared/platform/logger';
import type { WorkerRuntime } from '../shared/process/runtime';
import { startRounds } from './rounds';

/**
 * A worker reports itself in its deployment's database every 10 s, so the API can tell
 * an import that waits its turn from one that waits for a worker no one started. Best effort:
 * a report that fails (MongoDB away) is simply tried again at the next round.
 */
export interface WorkerPresence {
  /**
   * Unhealthy once reports have failed to reach MongoDB for WORKER_UNHEALTHY_AFTER_SECONDS: a worker that
   * cannot reach its database (or whose driver stopped reconnecting) does no work however long it
   * lives, and an orchestrator restarting it is the cure.
   */
  health(): { healthy: true } | { healthy: false; reason: string };
  close(): Promise<void>;
}

export function startWorkerPresence(runtime: WorkerRuntime): WorkerPresence {
  const report = {
    id: `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    queues: runtime.config.workerQueues,
    host: os.hostname(),
    pid: process.pid,
    startedAt: new Date(),
  };
  /** When the first of the reports failing since the last one that reached MongoDB was sent. */
  let failingSince: number | undefined;
  let lastError = '';
  const beat = () => {
    const sentAt = Date.now();
    void reportWorkerAlive(report, new Date(sentAt)).then(
      () => {
        failingSince = undefined;
      },
      (error: unknown) => {
        failingSince ??= sentAt;
        lastError = error instanceof Error ? error.message : String(error);
        logger.debug({ err: error }, 'could not report this worker alive; trying again next round');
      },
    );
  };
  beat();
  const stop = startRounds(runtime.config.presenceEveryMs, beat);
  return {
    health() {
      const failingMs = failingSince === undefined ? 0 : Date.now() - failingSince;
      if (failingMs <= runtime.config.workerUnhealthyAfterMs) return { healthy: true };
      return { healthy: false, reason: `MongoDB has not been reachable for ${Math.round(failingMs / 1000)} s (${lastError.slice(0, 200)})` };
    },
    async close() {
      stop();
      await forgetWorker(report.id).catch(() => undefined);
    },
  };
}
