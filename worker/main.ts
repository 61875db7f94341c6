import './threadPoolSize';
import { loadConfig } from '../shared/config/config';
import { openRuntime } from '../shared/runtime/runtime';
import { runProcess } from '../shared/runtime/processLifecycle';
import { logger } from '../shared/observability/logger';
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
