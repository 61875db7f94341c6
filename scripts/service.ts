import type { Express } from 'express';
import type { ApiServer } from '../api/server';
import type { ApiConfig, BaseConfig, Config, WorkerConfig } from '../shared/platform/config';
import type { ApiPart } from '../api/apiPart';
import { startProcessParts, type StartPart } from '../shared/process/processParts';
import type { ApiRuntime, Runtime, RuntimeOptions } from '../shared/process/runtime';
import type { WorkerMetricsServer } from '../worker/metricsServer';
import type { WorkerPart } from '../worker/workerPart';
import type { Workers } from '../worker/workers';

/** What a process runs, and for tests the database it uses. */
export interface ServiceOptions extends RuntimeOptions {
  /** `listen`: serve on PORT; `app`: build the Express app without listening (supertest, benches); false: no API. */
  api: 'listen' | 'app' | false;
  /** The queue consumers of WORKER_QUEUES, the recovery rounds and, with WORKER_METRICS_PORT, the worker's metrics listener. */
  workers: boolean;
}

/** The configuration the parts asked for need: a worker alone is never asked for API_KEYS, nor the API for SMTP_URL. */
export type ServiceConfig<O extends ServiceOptions> = (O['api'] extends false ? BaseConfig : ApiConfig) & (O['workers'] extends false ? BaseConfig : WorkerConfig);

export interface Service<C extends BaseConfig = BaseConfig> {
  runtime: Runtime<C>;
  /** The API's Express app, unless `api` is false. */
  app?: Express;
  /** The listening API, when `api` is `listen`. */
  server?: ApiServer;
  workers?: Workers;
  metrics?: WorkerMetricsServer;
  /** Stops everything in the one order that loses nothing (see RunningProcess.close). */
  close(beforeDisconnect?: (runtime: Runtime<C>) => Promise<void>): Promise<void>;
}

/**
 * Every process in one: `npm start`, `npm run dev`, the tests and the benches assemble the parts
 * they ask for here (`api/main.ts` and `worker/main.ts` assemble only their own). Each part is
 * loaded only when it runs: a worker that loaded the API (express, Bull Board, multer) would
 * hold about 6 MB more heap and 11 MB more RSS under the 96 MB heap cap, and the API would load
 * the mail sender. require(), because a compiled import() is an ES module load.
 */
export function startService<O extends ServiceOptions>(config: ServiceConfig<O>, options: O): Promise<Service<ServiceConfig<O>> & { app: O['api'] extends false ? undefined : Express }>;
export async function startService(config: BaseConfig, options: ServiceOptions): Promise<Service> {
  const starters: StartPart<Config, WorkerPart | ApiPart>[] = [];
  if (options.workers) starters.push((runtime) => (require('../worker/workerPart') as typeof import('../worker/workerPart')).startWorkerPart(runtime));
  const apiMode = options.api;
  if (apiMode) starters.push((runtime) => (require('../api/apiPart') as typeof import('../api/apiPart')).startApiPart(runtime as ApiRuntime, apiMode));
  // The overload's ServiceConfig ties the configuration to the parts asked for.
  const running = await startProcessParts(config as Config, { dbName: options.dbName, monitorCommands: options.monitorCommands }, starters);
  const service: Service = { runtime: running.runtime, close: running.close as Service['close'] };
  for (const { close: _close, ...part } of running.parts) Object.assign(service, part);
  return service;
}
