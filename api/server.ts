import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { ApiRuntime } from '../shared/process/runtime';
import { logger } from '../shared/platform/logger';
import { createApp } from './app';

export interface ApiServer {
  app: Express;
  server: Server;
  port: number;
  close(): Promise<void>;
}

/**
 * How long a stopping API lets requests still running finish. An upload still streaming in or a
 * slow export reader could otherwise hold the process until the orchestrator's SIGKILL (30 s in
 * Kubernetes), which would cut everything at once instead of closing the connections in order.
 */
export const DRAIN_MS = 10_000;

/**
 * Listens with the app on the configured port; `close` stops accepting, lets running requests
 * finish for `drainMs`, then cuts those still open: a cut upload is never imported, and a cut
 * download fails rather than ending short.
 */
export async function startApiServer(runtime: ApiRuntime, port = runtime.config.port, { drainMs = DRAIN_MS } = {}): Promise<ApiServer> {
  const app = createApp(runtime);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const actualPort = (server.address() as AddressInfo).port;
  logger.info({ port: actualPort }, 'API listening');
  return {
    app,
    server,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve, reject) => {
        const cut = setTimeout(() => {
          logger.warn({ drainMs }, 'requests still running when the API stopped were cut');
          server.closeAllConnections();
        }, drainMs);
        server.close((error) => {
          clearTimeout(cut);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
