import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import mongoose from 'mongoose';
import { freePort } from '../../scripts/embedded/embeddedRedis';
import { startService } from '../../scripts/service';
import { loadConfig } from '../../shared/platform/config';

const isolation = randomBytes(4).toString('hex');
const configWith = (env: Record<string, string>) =>
  loadConfig({
    ...process.env,
    SMTP_URL: 'smtp://127.0.0.1:1',
    API_KEYS: 'admin:composition-admin-key',
    INVITE_SECRET: `composition-secret-${isolation}-0123456789abcdef`,
    QUEUE_PREFIX: `test-${isolation}`,
    ...env,
  });
const dbName = `test_${isolation}`;
afterAll(async () => {
  // The failed start below leaves the database it created its indexes in.
  await mongoose.connect(process.env.MONGO_URL as string, { dbName });
  await mongoose.connection.dropDatabase();
  await mongoose.disconnect();
});
const refused = (port: number) => fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true);

describe('one composition root for every process', () => {
  test('close stops the API, then the workers and their metrics listener, and closes the connections last', async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const service = await startService(configWith({ PORT: String(port), WORKER_METRICS_PORT: String(metricsPort) }), { api: 'listen', workers: true, dbName });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(200);

    const whileDisconnecting: Record<string, unknown> = {};
    await service.close(async (runtime) => {
      Object.assign(whileDisconnecting, {
        apiRefused: await refused(port),
        metricsRefused: await refused(metricsPort),
        mongoConnected: mongoose.connection.readyState === 1,
        redis: runtime.redis.status,
      });
      await mongoose.connection.db?.dropDatabase();
    });
    expect(whileDisconnecting).toEqual({ apiRefused: true, metricsRefused: true, mongoConnected: true, redis: 'ready' });
    expect(mongoose.connection.readyState).toBe(0);
    const { redis } = service.runtime;
    await new Promise((resolve) => (redis.status === 'end' ? resolve(undefined) : redis.once('end', resolve)));
  });

  test('a part that cannot start closes what was already started and the error reaches the caller', async () => {
    const taken = createServer();
    const port = await new Promise<number>((resolve) => taken.listen(0, () => resolve((taken.address() as { port: number }).port)));
    try {
      await expect(startService(configWith({ PORT: String(port) }), { api: 'listen', workers: true, dbName })).rejects.toThrow(/EADDRINUSE/);
      expect(mongoose.connection.readyState).toBe(0);
    } finally {
      taken.close();
    }
  });
});
