import { Queue, type ConnectionOptions } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';

/** Every queue the product has, and the payload each one carries. */
export const QUEUE_NAMES = {
  imports: 'imports',
} as const;

export interface ImportJobPayload {
  /** The import job document's id; also the BullMQ job id, so a double enqueue is a no-op. */
  importId: string;
}

/**
 * BullMQ needs `maxRetriesPerRequest: null` on the connections its workers block on; using it
 * everywhere keeps one way to connect.
 */
export function connectRedis(url: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export function queueConnection(redis: Redis): ConnectionOptions {
  return redis as unknown as ConnectionOptions;
}

export function createImportQueue(redis: Redis, prefix: string): Queue<ImportJobPayload> {
  return new Queue<ImportJobPayload>(QUEUE_NAMES.imports, {
    connection: queueConnection(redis),
    prefix,
    defaultJobOptions: {
      // Failures inside a job are recorded on the import itself; a BullMQ-level retry is only
      // for crashes of the process (stalls), which BullMQ handles through maxStalledCount.
      attempts: 1,
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
}

export async function enqueueImport(queue: Queue<ImportJobPayload>, importId: string): Promise<void> {
  await queue.add('import', { importId }, { jobId: importId });
}
