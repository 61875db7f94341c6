import { logger } from '../shared/platform/logger';
import type { WorkerRuntime } from '../shared/process/runtime';
import { startWorkerMetricsServer, type WorkerMetricsServer } from './metricsServer';
import { startWorkers, type Workers } from './workers';

/** The queue consumers of WORKER_QUEUES, the recovery rounds and, with WORKER_METRICS_PORT, the worker's metrics listener. */
export interface WorkerPart {
  workers: Workers;
  metrics?: WorkerMetricsServer;
  close(): Promise<void>;
}

export async function startWorkerPart(runtime: WorkerRuntime): Promise<WorkerPart> {
  const workers = startWorkers(runtime);
  const { workerMetricsPort, workerConcurrency, workerQueues } = runtime.config;
  try {
    const metrics = workerMetricsPort === undefined ? undefined : await startWorkerMetricsServer(workerMetricsPort, () => workers.health());
    logger.info({ concurrency: workerConcurrency, queues: workerQueues }, 'worker ready');
    return {
      workers,
      metrics,
      async close() {
        // The metrics listener answers /healthz while the workers hand their imports back.
        await workers.close();
        await metrics?.close();
      },
    };
  } catch (error) {
    await workers.close();
    throw error;
  }
}
