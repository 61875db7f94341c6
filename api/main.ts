import { loadApiConfig } from '../shared/platform/config';
import { runProcess } from '../shared/process/processLifecycle';
import { startProcessParts } from '../shared/process/processParts';
import { startApiPart } from './apiPart';

runProcess('api', () => startProcessParts(loadApiConfig(), {}, [(runtime) => startApiPart(runtime, 'listen')]));
