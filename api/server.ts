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

/** Listens with the app on the configured port; `close` stops accepting and drains requests. */
export async function startApiServer(runtime: ApiRuntime, port = runtime.config.port): Promise<ApiServer> {
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
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
