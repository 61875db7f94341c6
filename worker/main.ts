import './threadPoolSize';
import { loadWorkerConfig } from '../shared/platform/config';
import { runProcess } from '../shared/process/processLifecycle';
import { startProcessParts } from '../shared/process/processParts';
import { startWorkerPart } from './workerPart';

runProcess('worker', () => startProcessParts(loadWorkerConfig(), {}, [startWorkerPart]));
