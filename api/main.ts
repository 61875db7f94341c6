import { loadConfig } from '../shared/config/config';
import { openRuntime } from '../shared/runtime/runtime';
import { runProcess } from '../shared/runtime/processLifecycle';
import { startApiServer } from './server';

runProcess('api', async () => {
  const runtime = await openRuntime(loadConfig());
  const api = await startApiServer(runtime);
  return async () => {
    await api.close();
    await runtime.close();
  };
});
