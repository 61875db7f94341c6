import { loadConfig } from '../shared/platform/config';
import { openRuntime } from '../shared/platform/runtime';
import { runProcess } from '../shared/platform/processLifecycle';
import { startApiServer } from './server';

runProcess('api', async () => {
  const runtime = await openRuntime(loadConfig());
  const api = await startApiServer(runtime);
  return async () => {
    await api.close();
    await runtime.close();
  };
});
