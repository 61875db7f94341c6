import { UserModel } from '../../shared/data/userModel';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { startMongoProxy, type TcpProxy } from '../support/tcpProxy';
import { exited, startWorkerProcess, stopServiceProcesses } from '../support/workerProcess';
import { CHUNK_SIZE, FAULT_TIMEOUT_MS, INVITED_ROWS, OUTAGE_MS, invitedCount, processedAtLeast, sleep, usersCsv } from './faultKit';

// The import worker is a process of its own whose only road to MongoDB is a proxy the test
// cuts: an outage as production meets it. API, invitations and assertions connect directly.
let proxy: TcpProxy;
let smtp: SmtpCapture;
let service: TestService;
beforeAll(async () => {
  proxy = await startMongoProxy();
  smtp = await startSmtpCapture();
  service = await startTestService(
    { SMTP_URL: smtp.url, IMPORT_CHUNK_SIZE: CHUNK_SIZE, WORKER_QUEUES: 'invitations', INVITE_RATE_PER_SECOND: '1000' },
    { worker: true },
  );
});
afterAll(async () => {
  await stopServiceProcesses();
  await service.stop();
  await smtp.stop();
  await proxy.close();
});

describe('MongoDB goes away while a worker process imports', () => {
  test('When the worker loses MongoDB twice mid-import, then it waits, resumes from its checkpoint and ends with the counts of an unbroken run, every user written and mailed once', async () => {
    const worker = startWorkerProcess(service, {
      MONGO_URL: proxy.rewrite(`${process.env.MONGO_URL}${service.dbName}`),
      WORKER_QUEUES: 'imports',
      IMPORT_DB_RETRY_SECONDS: '120',
      LOG_LEVEL: 'info',
    });
    try {
      const upload = await uploadCsv(service, usersCsv('outage', INVITED_ROWS), { sendInvitations: true });
      for (const share of [0.3, 0.6]) {
        await processedAtLeast(service, upload.body.id, Math.floor(INVITED_ROWS * share));
        proxy.cut();
        await sleep(OUTAGE_MS);
        proxy.restore();
      }
      const job = await waitForImport(service, upload.body.id, FAULT_TIMEOUT_MS);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: INVITED_ROWS, processed: INVITED_ROWS, created: INVITED_ROWS, updated: 0, unchanged: 0, failed: 0 });
      expect(await UserModel.countDocuments({ usernameKey: { $regex: '^outage' } })).toBe(INVITED_ROWS);

      expect(await invitedCount(service, upload.body.id, INVITED_ROWS)).toBe(INVITED_ROWS);
      await sleep(300);
      const recipients = smtp.mails.map((mail) => mail.envelopeTo[0]).filter((to) => to.startsWith('outage'));
      expect(recipients).toHaveLength(INVITED_ROWS);
      expect(new Set(recipients).size).toBe(INVITED_ROWS);
    } catch (error) {
      // What the worker said is the first thing to read when this fails.
      process.stderr.write(`worker output:\n${worker.output().slice(-20_000)}\n`);
      throw error;
    } finally {
      worker.kill('SIGTERM');
      await exited(worker);
    }
  }, FAULT_TIMEOUT_MS);
});
