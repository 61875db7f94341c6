import { UserModel } from '../../shared/data/userModel';
import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { createGroups, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { CRASH_ROWS } from './faultKit';
import { exited, startWorkerProcess } from '../support/workerProcess';

let smtp: SmtpCapture;
let service: TestService;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  // In this process only invitations are sent; imports run in worker processes we can kill.
  service = await startTestService(
    { SMTP_URL: smtp.url, IMPORT_CHUNK_SIZE: '100', WORKER_LOCK_SECONDS: '2', WORKER_QUEUES: 'invitations', INVITE_RATE_PER_SECOND: '1000' },
    { worker: true },
  );
  await createGroups(service, 'Marketing');
});
afterAll(async () => {
  await service.stop();
  await smtp.stop();
});

const ROWS = CRASH_ROWS;
/** Every 50th row names a group that does not exist: the counts must carry failures too. */
function csvOf(prefix: string): string {
  const lines = ['Email,Username,User groups'];
  for (let i = 0; i < ROWS; i++) lines.push(`${prefix}${i}@example.com,${prefix}${i},${i % 50 === 0 ? 'Nowhere' : 'Marketing'}`);
  return `${lines.join('\n')}\n`;
}
const EXPECTED = { total: ROWS, processed: ROWS, created: ROWS - ROWS / 50, updated: 0, unchanged: 0, failed: ROWS / 50 };

async function processedAtLeast(id: string, rows: number) {
  for (;;) {
    const job = (await service.asAdmin().get(`/api/imports/${id}`)).body;
    if (job.counts.processed >= rows) return job;
    if (['completed', 'completed_with_errors'].includes(job.status)) throw new Error('the import ended before the worker could be stopped');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function everyoneInvited(id: string, expected: number) {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const job = (await service.asAdmin().get(`/api/imports/${id}`)).body;
    if (job.counts.invited >= expected || Date.now() > deadline) return job;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a worker that dies mid-import', () => {
  test('When the worker is killed (SIGKILL) mid-import and another starts, then users, counts and invitations are exactly those of an unbroken run', async () => {
    const first = startWorkerProcess(service, { WORKER_QUEUES: 'imports' });
    const upload = await uploadCsv(service, csvOf('kill'), { sendInvitations: true });
    await processedAtLeast(upload.body.id, ROWS / 4);
    first.kill('SIGKILL');
    await exited(first);

    const second = startWorkerProcess(service, { WORKER_QUEUES: 'imports' });
    try {
      const job = await waitForImport(service, upload.body.id, 180_000);
      expect(job.status).toBe('completed_with_errors');
      expect(job.counts).toMatchObject(EXPECTED);
      expect(await UserModel.countDocuments({ usernameKey: /^kill/ })).toBe(EXPECTED.created);

      const invited = await everyoneInvited(upload.body.id, EXPECTED.created);
      expect(invited.counts.invited).toBe(EXPECTED.created);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const recipients = smtp.mails.map((mail) => mail.envelopeTo[0]).filter((to) => to.startsWith('kill'));
      expect(recipients).toHaveLength(EXPECTED.created);
      expect(new Set(recipients).size).toBe(EXPECTED.created);
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
  }, 300_000);

  test('When a worker is stopped (SIGTERM) mid-import, then it hands the job back at once and another resumes it to the same result', async () => {
    const first = startWorkerProcess(service, { WORKER_QUEUES: 'imports', WORKER_LOCK_SECONDS: '600' });
    const upload = await uploadCsv(service, csvOf('term'));
    await processedAtLeast(upload.body.id, ROWS / 4);
    const stoppedAt = Date.now();
    first.kill('SIGTERM');
    await exited(first);
    expect(first.exitCode).toBe(0);

    // A lock of 600 s: only a job handed back (not one left to stall) can be resumed in time.
    const second = startWorkerProcess(service, { WORKER_QUEUES: 'imports', WORKER_LOCK_SECONDS: '600' });
    try {
      const job = await waitForImport(service, upload.body.id, 60_000);
      expect(Date.now() - stoppedAt).toBeLessThan(60_000);
      expect(job.counts).toMatchObject(EXPECTED);
      expect(await UserModel.countDocuments({ usernameKey: /^term/ })).toBe(EXPECTED.created);
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
  }, 120_000);
});
