import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import supertest from 'supertest';
import type { Express } from 'express';
import { startService } from '../../scripts/service';
import { loadConfig, type Config } from '../../shared/platform/config';
import type { Runtime } from '../../shared/process/runtime';
import type { Workers } from '../../worker/workers';

export const ADMIN_KEY = 'test-admin-key';
export const SUPPORT_KEY = 'test-support-key';

export interface TestService {
  runtime: Runtime<Config>;
  app: Express;
  config: Config;
  /** The database this service uses, for processes started beside it. */
  dbName: string;
  /** supertest agent with the admin key already set. */
  asAdmin(): ReturnType<typeof authorised>;
  asSupport(): ReturnType<typeof authorised>;
  anonymous(): supertest.Agent;
  /** The import and invitation workers, when started with `{ worker: true }`. */
  workers?: Workers;
  stop(): Promise<void>;
}

function authorised(app: Express, key: string) {
  return supertest.agent(app).set('Authorization', `Bearer ${key}`);
}

/**
 * Starts the real service in-process against the suite's MongoDB and Redis (from globalSetup),
 * with a database and queue prefix of its own so test files never see each other's data.
 */
export async function startTestService(
  overrides: Partial<Record<string, string>> = {},
  options: { worker?: boolean; monitorCommands?: boolean } = {},
): Promise<TestService> {
  const isolation = randomBytes(4).toString('hex');
  const config = loadConfig({
    ...process.env,
    SMTP_URL: 'smtp://127.0.0.1:1',
    API_KEYS: `admin:${ADMIN_KEY},support:${SUPPORT_KEY}`,
    INVITE_SECRET: `test-invitation-secret-${isolation}-0123456789abcdef`,
    QUEUE_PREFIX: `test-${isolation}`,
    ...overrides,
  });
  const { runtime, app, workers, close } = await startService(config, {
    api: 'app',
    workers: options.worker ?? false,
    dbName: `test_${isolation}`,
    monitorCommands: options.monitorCommands,
  });
  return {
    workers,
    runtime,
    app,
    config,
    dbName: `test_${isolation}`,
    asAdmin: () => authorised(app, ADMIN_KEY),
    asSupport: () => authorised(app, SUPPORT_KEY),
    anonymous: () => supertest.agent(app),
    stop: () =>
      close(async () => {
        await runtime.invitationQueue.obliterate({ force: true }).catch(() => undefined);
        await mongoose.connection.db?.dropDatabase();
        await runtime.importQueue.obliterate({ force: true }).catch(() => undefined);
      }),
  };
}
