import { loadConfig } from '../shared/config/config';
import { openRuntime } from '../shared/runtime/runtime';
import { runProcess } from '../shared/runtime/processLifecycle';
import { logger } from '../shared/observability/logger';
import { startWorkers } from './workers';

runProcess('worker', async () => {
  const runtime = await openRuntime(loadConfig());
  const workers = startWorkers(runtime);
  logger.info({ concurrency: runtime.config.workerConcurrency }, 'worker ready');
  return async () => {
    // Running imports are handed back at their next chunk boundary and resumed elsewhere.
    await workers.close();
    await runtime.close();
  };
});
