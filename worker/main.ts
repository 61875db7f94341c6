import { loadConfig } from '../shared/config/config';
import { openRuntime } from '../shared/runtime/runtime';
import { runProcess } from '../shared/runtime/processLifecycle';
import { logger } from '../shared/observability/logger';
import { startImportWorker } from './importWorker';

runProcess('worker', async () => {
  const runtime = await openRuntime(loadConfig());
  const importWorker = startImportWorker(runtime);
  logger.info({ concurrency: runtime.config.workerConcurrency }, 'worker ready');
  return async () => {
    // Running imports are handed back at their next chunk boundary and resumed elsewhere.
    await importWorker.close();
    await runtime.close();
  };
});
