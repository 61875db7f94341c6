import { startApiServer } from '../api/server';
import { loadConfig } from '../shared/platform/config';
import { openRuntime } from '../shared/platform/runtime';
import { runProcess } from '../shared/platform/processLifecycle';
import { startWorkers } from '../worker/workers';

/**
 * `npm start`: API and workers in one process, configured only from the environment. For a
 * small deployment; larger ones run `start:api` and `start:worker` as separate processes.
 */
runProcess('service', async () => {
  const runtime = await openRuntime(loadConfig());
  const workers = startWorkers(runtime);
  const api = await startApiServer(runtime);
  return async () => {
    await api.close();
    await workers.close();
    await runtime.close();
  };
});
