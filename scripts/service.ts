import type { Express } from 'express';
import type { ApiServer } from '../api/server';
import type { ApiConfig, BaseConfig, Config, WorkerConfig } from '../shared/platform/config';
import { logger } from '../shared/platform/logger';
import { openRuntime, type ApiRuntime, type Runtime, type RuntimeOptions, type WorkerRuntime } from '../shared/platform/runtime';
import type { WorkerMetricsServer } from '../worker/metricsServer';
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
  /**
   * Stops everything in the one order that loses nothing: the API stops taking requests (none
   * queues an import any more), the workers hand running imports back at their next chunk
   * boundary for another worker to resume, then the connections close. `beforeDisconnect` runs
   * when nothing works any more and the connections are still open (tests drop their data there).
   * Calling it again waits for the first call.
   */
  close(beforeDisconnect?: (runtime: Runtime<C>) => Promise<void>): Promise<void>;
}

/**
 * The one composition root: every process (`api/main.ts`, `worker/main.ts`, `npm start`,
 * `npm run dev`, the tests, the benches) is assembled and taken down here. It lives in scripts/
 * because it must reach api/ and worker/, which shared/ may not import. A part that fails to
 * start closes what was already open before the error reaches the caller.
 */
export function startService<O extends ServiceOptions>(config: ServiceConfig<O>, options: O): Promise<Service<ServiceConfig<O>> & { app: O['api'] extends false ? undefined : Express }>;
export async function startService(config: BaseConfig, options: ServiceOptions): Promise<Service> {
  const runtime = await openRuntime(config, { dbName: options.dbName, monitorCommands: options.monitorCommands });
  const parts: Omit<Service, 'runtime' | 'close'> = {};
  let closing: Promise<void> | undefined;
  const close: Service['close'] = (beforeDisconnect) =>
    (closing ??= (async () => {
      await parts.server?.close();
      await parts.workers?.close();
      await parts.metrics?.close();
      await beforeDisconnect?.(runtime);
      await runtime.close();
    })());

  try {
    // The overload's ServiceConfig ties the configuration to the parts asked for.
    const full = runtime as Runtime<Config>;
    if (options.workers) Object.assign(parts, await startWorkerPart(full));
    // Each part is loaded only when it runs (see startWorkerPart).
    if (options.api === 'listen') {
      const { startApiServer } = require('../api/server') as typeof import('../api/server');
      const server = await startApiServer(full as ApiRuntime);
      Object.assign(parts, { server, app: server.app });
    } else if (options.api === 'app') {
      const { createApp } = require('../api/app') as typeof import('../api/app');
      parts.app = createApp(full as ApiRuntime);
    }
  } catch (error) {
    await close().catch((closeError) => logger.error({ err: closeError }, 'closing a service that failed to start'));
    throw error;
  }
  return { runtime, ...parts, close };
}

/**
 * Each part is loaded only when it runs: a worker that loaded the API (express, Bull Board,
 * multer) would hold about 6 MB more heap and 11 MB more RSS under the 96 MB heap cap, and the
 * API would load the mail sender. require(), because a compiled import() is an ES module load.
 */
async function startWorkerPart(runtime: WorkerRuntime): Promise<{ workers: Workers; metrics?: WorkerMetricsServer }> {
  const { startWorkers } = require('../worker/workers') as typeof import('../worker/workers');
  const { startWorkerMetricsServer } = require('../worker/metricsServer') as typeof import('../worker/metricsServer');
  const workers = startWorkers(runtime);
  const { workerMetricsPort, workerConcurrency, workerQueues } = runtime.config;
  try {
    const metrics = workerMetricsPort === undefined ? undefined : await startWorkerMetricsServer(workerMetricsPort, () => workers.health());
    logger.info({ concurrency: workerConcurrency, queues: workerQueues }, 'worker ready');
    return { workers, metrics };
  } catch (error) {
    await workers.close();
    throw error;
  }
}
