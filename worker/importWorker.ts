import { WaitingError, Worker } from 'bullmq';
import { QUEUE_NAMES, connectRedis, queueConnection, type ImportJobPayload } from '../shared/queues/queues';
import { runImport } from '../shared/imports/runImport';
import type { Runtime } from '../shared/runtime/runtime';
import { logger } from '../shared/observability/logger';

export interface ImportWorker {
  worker: Worker<ImportJobPayload>;
  /** Stops taking jobs, hands running ones back to the queue at their next chunk, then closes. */
  close(): Promise<void>;
}

/**
 * The queue side of imports: takes jobs off BullMQ and runs the import use case. A crashed
 * worker's job stalls and BullMQ gives it to another worker, which resumes from the checkpoint.
 */
export function startImportWorker(runtime: Runtime, options: { lockDurationMs?: number; stalledIntervalMs?: number } = {}): ImportWorker {
  let stopping = false;
  const worker = new Worker<ImportJobPayload>(
    QUEUE_NAMES.imports,
    async (job, token) => {
      const result = await runImport(job.data.importId, {
        chunkSize: runtime.config.importChunkSize,
        shouldYield: () => stopping,
      });
      if (result === 'yielded') {
        // Shutting down mid-import: put the job back so another worker resumes it right away
        // instead of waiting for the lock to expire.
        await job.moveToWait(token);
        throw new WaitingError();
      }
    },
    {
      connection: queueConnection(connectRedis(runtime.config.redisUrl)),
      prefix: runtime.config.queuePrefix,
      concurrency: runtime.config.workerConcurrency,
      // A deploy or OOM kill is a stall, not a failure: let the job be resumed several times.
      maxStalledCount: 10,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'import worker error'));
  return {
    worker,
    async close() {
      stopping = true;
      await worker.close();
    },
  };
}
