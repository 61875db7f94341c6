import { QueueEvents } from 'bullmq';
import { freePort } from '../../scripts/embedded/embeddedRedis';
import { UserModel } from '../../shared/data/userModel';
import { QUEUE_NAMES, connectRedis, queueConnection } from '../../shared/queues/queues';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { startTcpProxy } from '../support/tcpProxy';
import { exited, startWorkerProcess, stopServiceProcesses } from '../support/workerProcess';
import { FAULT_ROWS, FAULT_TIMEOUT_MS, processedAtLeast, usersCsv } from './faultKit';

// Large enough that reading the file takes a while; the lock short enough that a worker whose
// event loop is blocked for about a second is taken for dead.
const ROWS = Math.max(FAULT_ROWS, 20_000);
/** Imports that must outlast a few lock renewals: 20,000 rows now take about a second. */
const LONG_ROWS = ROWS * (process.env.FAULT_SUITE ? 5 : 3);
const TIMEOUT_MS = FAULT_TIMEOUT_MS + LONG_ROWS * 5;
const LOCK = { WORKER_LOCK_SECONDS: '2', IMPORT_CHUNK_SIZE: '1000', LOG_LEVEL: 'info' };

let service: TestService;
let events: QueueEvents;
let redis: ReturnType<typeof connectRedis>;
const stalled: string[] = [];
beforeAll(async () => {
  service = await startTestService({ IMPORT_CHUNK_SIZE: '1000' });
  redis = connectRedis(service.config.redisUrl);
  events = new QueueEvents(QUEUE_NAMES.imports, { connection: queueConnection(redis), prefix: service.config.queuePrefix });
  events.on('stalled', ({ jobId }) => stalled.push(jobId));
  await events.waitUntilReady();
});
afterAll(async () => {
  await stopServiceProcesses();
  await events.close();
  // BullMQ leaves a connection it was handed open: this one kept jest's worker process alive.
  redis.disconnect();
  await service.stop();
});

describe('a worker reading a large file', () => {
  test('When a worker validates a large file and another resumes it half-way, then neither blocks long enough for BullMQ to take the import for stalled', async () => {
    const metricsPort = await freePort();
    const first = startWorkerProcess(service, LOCK);
    let second: ReturnType<typeof startWorkerProcess> | undefined;
    try {
      const upload = await uploadCsv(service, usersCsv('reader', ROWS));
      await processedAtLeast(service, upload.body.id, ROWS / 2);
      first.kill('SIGTERM');
      await exited(first);
      // The second worker reads the whole file again, then skips the half already applied.
      second = startWorkerProcess(service, { ...LOCK, WORKER_METRICS_PORT: String(metricsPort) });
      const job = await waitForImport(service, upload.body.id, TIMEOUT_MS);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ processed: ROWS, created: ROWS, failed: 0 });
      expect(stalled).toEqual([]);
      expect(`${first.output()}${second.output()}`).not.toContain('lost the lock');

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^event_loop_delay_peak_seconds \d+(\.\d+)?(e-\d+)?$/m);
      expect(metrics).toMatch(/^import_rows_processed_total\{outcome="created"\} \d+$/m);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      if (second) await exited(second);
    }
  }, TIMEOUT_MS);

  test('When a worker loses its lock on an import, then it stops working on it at once and the import still ends exact', async () => {
    const worker = startWorkerProcess(service, LOCK);
    try {
      const upload = await uploadCsv(service, usersCsv('unlocked', LONG_ROWS));
      await processedAtLeast(service, upload.body.id, LONG_ROWS / 20);
      // What another worker taking over looks like to this one: the lock is no longer its own.
      await service.runtime.redis.set(`${service.config.queuePrefix}:${QUEUE_NAMES.imports}:${upload.body.id}:lock`, 'someone-else', 'PX', 3000);
      const job = await waitForImport(service, upload.body.id, TIMEOUT_MS);
      expect(worker.output()).toContain('lost the lock on an import: stopping work on it');
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ processed: LONG_ROWS, created: LONG_ROWS, failed: 0 });
      expect(await UserModel.countDocuments({ usernameKey: { $regex: '^unlocked' } })).toBe(LONG_ROWS);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  }, TIMEOUT_MS);

  test('When a worker is cut off from Redis mid-import, then it stops working on the import once its lock lapses, and another worker finishes it exact', async () => {
    const redisUrl = new URL(service.config.redisUrl);
    const redisProxy = await startTcpProxy({ host: redisUrl.hostname, port: Number(redisUrl.port) });
    // A one-second lock, so that it lapses well before this worker could finish on its own.
    const shortLock = { ...LOCK, WORKER_LOCK_SECONDS: '1' };
    const cutOff = startWorkerProcess(service, { ...shortLock, REDIS_URL: redisProxy.rewrite(service.config.redisUrl) });
    let other: ReturnType<typeof startWorkerProcess> | undefined;
    try {
      // Enough rows that the cut-off worker cannot finish them within its lapsing lock.
      const upload = await uploadCsv(service, usersCsv('cutoff', LONG_ROWS));
      await processedAtLeast(service, upload.body.id, LONG_ROWS / 20);
      redisProxy.cut();
      other = startWorkerProcess(service, shortLock);
      const job = await waitForImport(service, upload.body.id, TIMEOUT_MS);
      expect(cutOff.output()).toContain('Redis unreachable: the lock was not renewed in time');
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ processed: LONG_ROWS, created: LONG_ROWS, failed: 0 });
      expect(await UserModel.countDocuments({ usernameKey: { $regex: '^cutoff' } })).toBe(LONG_ROWS);
    } finally {
      cutOff.kill('SIGKILL');
      other?.kill('SIGTERM');
      if (other) await exited(other);
      await redisProxy.close();
    }
  }, TIMEOUT_MS);
});
