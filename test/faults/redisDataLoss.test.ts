import { UserModel } from '../../shared/data/userModel';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startOwnRedis, type OwnRedis } from '../support/ownRedis';
import { startTestService, type TestService } from '../support/testService';
import { exited, startWorkerProcess, stopServiceProcesses } from '../support/workerProcess';
import { CHUNK_SIZE, FAULT_TIMEOUT_MS, INVITED_ROWS, invitedCount, processedAtLeast, sleep, usersCsv } from './faultKit';

// Redis without persistence, as many are run: FLUSHALL loses exactly what a restart would.
// The API runs here without workers; workers are processes of their own.
let redis: OwnRedis;
let smtp: SmtpCapture;
let service: TestService;
beforeAll(async () => {
  redis = await startOwnRedis();
  smtp = await startSmtpCapture();
  service = await startTestService({ REDIS_URL: redis.url, SMTP_URL: smtp.url, IMPORT_CHUNK_SIZE: CHUNK_SIZE, INVITE_RATE_PER_SECOND: '1000' });
});
afterAll(async () => {
  await stopServiceProcesses();
  await service.stop();
  await smtp.stop();
  await redis.stop();
});

const startWorker = () => startWorkerProcess(service, { RECOVERY_INTERVAL_SECONDS: '1', WORKER_LOCK_SECONDS: '2', INVITE_RATE_PER_SECOND: '1000' });
const usersNamed = (prefix: string) => UserModel.countDocuments({ usernameKey: { $regex: `^${prefix}` } });

describe('Redis loses its data', () => {
  test('When Redis is flushed while imports wait in the queue, then a worker finds them and runs each to the end', async () => {
    const first = await uploadCsv(service, usersCsv('waitinga', 300));
    const second = await uploadCsv(service, usersCsv('waitingb', 300));
    expect(await service.runtime.importQueue.count()).toBe(2);
    await service.runtime.redis.flushall();
    expect(await service.runtime.importQueue.count()).toBe(0);

    const worker = startWorker();
    try {
      for (const [upload, prefix] of [[first, 'waitinga'], [second, 'waitingb']] as const) {
        const job = await waitForImport(service, upload.body.id, FAULT_TIMEOUT_MS);
        expect(job.status).toBe('completed');
        expect(job.counts).toMatchObject({ total: 300, processed: 300, created: 300 });
        expect(await usersNamed(prefix)).toBe(300);
      }
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  }, FAULT_TIMEOUT_MS);

  test('When Redis is flushed mid-import, then the running import is resumed from its checkpoint and ends exact, every new user mailed once', async () => {
    const worker = startWorker();
    try {
      const upload = await uploadCsv(service, usersCsv('flushed', INVITED_ROWS), { sendInvitations: true });
      await processedAtLeast(service, upload.body.id, INVITED_ROWS * 0.4);
      await service.runtime.redis.flushall();

      const job = await waitForImport(service, upload.body.id, FAULT_TIMEOUT_MS);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: INVITED_ROWS, processed: INVITED_ROWS, created: INVITED_ROWS, failed: 0 });
      expect(await usersNamed('flushed')).toBe(INVITED_ROWS);

      expect(await invitedCount(service, upload.body.id, INVITED_ROWS)).toBe(INVITED_ROWS);
      await sleep(300);
      const recipients = smtp.mails.map((mail) => mail.envelopeTo[0]).filter((to) => to.startsWith('flushed'));
      expect(new Set(recipients).size).toBe(INVITED_ROWS);
      expect(recipients).toHaveLength(INVITED_ROWS);
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  }, FAULT_TIMEOUT_MS);
});
