import { loadApiConfig } from '../shared/platform/config';
import { runProcess } from '../shared/platform/processLifecycle';
import { startService } from '../scripts/service';

runProcess('api', () => startService(loadApiConfig(), { api: 'listen', workers: false }));
