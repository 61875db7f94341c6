import type { Express } from 'express';
import type { ApiRuntime } from '../shared/process/runtime';
import { createApp } from './app';
import { startApiServer, type ApiServer } from './server';

/** The API as a part of a process: listening on PORT, or only the app (supertest, benches). */
export interface ApiPart {
  app: Express;
  /** The listening server, when started to `listen`. */
  server?: ApiServer;
  close(): Promise<void>;
}

export async function startApiPart(runtime: ApiRuntime, mode: 'listen' | 'app'): Promise<ApiPart> {
  if (mode === 'app') return { app: createApp(runtime), close: async () => undefined };
  const server = await startApiServer(runtime);
  return { app: server.app, server, close: () => server.close() };
}
