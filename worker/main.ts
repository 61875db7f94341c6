import './threadPoolSize';
import { loadWorkerConfig } from '../shared/platform/config';
import { runProcess } from '../shared/platform/processLifecycle';
import { startService } from '../scripts/service';

runProcess('worker', () => startService(loadWorkerConfig(), { api: false, workers: true }));
