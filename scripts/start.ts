import { loadConfig } from '../shared/platform/config';
import { runProcess } from '../shared/process/processLifecycle';
import { startService } from './service';

/**
 * `npm start`: API and workers in one process, configured only from the environment. For a
 * small deployment; larger ones run `start:api` and `start:worker` as separate processes.
 */
runProcess('service', () => startService(loadConfig(), { api: 'listen', workers: true }));
