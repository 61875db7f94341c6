import './threadPoolSize';
import { loadConfig } from '../shared/platform/config';
import { openRuntime } from '../shared/platform/runtime';
import { runProcess } from '../shared/platform/processLifecycle';
import { logger } from '../shared/platform/logger';
import { startWorkerMetricsServer } from './metricsServer';
import { startWorkers } from './workers';

runProcess('worker', async () => {
  const runtime = await openRuntime(loadConfig());
  const workers = startWorkers(runtime);
  const { workerMetricsPort } = runtime.config;
  const metrics = workerMetricsPort === undefined ? undefined : await startWorkerMetricsServer(workerMetricsPort);
  logger.info({ concurrency: runtime.config.workerConcurrency }, 'worker ready');
  return async () => {
    // Running imports are handed back at their next chunk boundary and resumed elsewhere.
    await workers.close();
    await metrics?.close();
    await runtime.close();
  };
});
