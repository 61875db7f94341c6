import { UserModel } from '../../shared/data/userModel';
import { exportCsv, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { exited, startWorkerProcess, stopServiceProcesses } from '../support/workerProcess';

let service: TestService;
beforeAll(async () => {
  // Undo jobs run in worker processes this test kills; none runs in this process.
  service = await startTestService({ IMPORT_CHUNK_SIZE: '100', WORKER_LOCK_SECONDS: '2', WORKER_QUEUES: 'invitations' }, { worker: true });
});
afterAll(async () => {
  await stopServiceProcesses();
  await service.stop();
});

const ROWS = 1500;
const HEADER = 'Email,Username,Last Name';
function csvOf(lastName: (i: number) => string, rows: number): string {
  const lines = [HEADER];
  for (let i = 0; i < rows; i++) lines.push(`undo${i}@example.com,undo${i},${lastName(i)}`);
  return `${lines.join('\n')}\n`;
}

async function processedAtLeast(id: string, rows: number) {
  for (;;) {
    const job = (await service.asAdmin().get(`/api/imports/${id}`)).body;
    if (job.counts.processed >= rows) return job;
    if (['completed', 'completed_with_errors'].includes(job.status)) throw new Error('the undo ended before the worker could be killed');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a worker that dies mid-undo', () => {
  test('When the worker is killed (SIGKILL) mid-undo and another starts, then the users and the counts are exactly those of an unbroken undo', async () => {
    const worker = startWorkerProcess(service, { WORKER_QUEUES: 'imports' });
    // Half the rows exist before the import (it updates them), half it creates.
    const seeded = await uploadCsv(service, csvOf((i) => `Before${i}`, ROWS / 2));
    await waitForImport(service, seeded.body.id, 120_000);
    const before = await exportCsv(service);
    const imported = await uploadCsv(service, csvOf((i) => `After${i}`, ROWS));
    expect((await waitForImport(service, imported.body.id, 120_000)).counts).toMatchObject({ created: ROWS / 2, updated: ROWS / 2 });

    const started = await service.asAdmin().post(`/api/imports/${imported.body.id}/undo`).expect(202);
    await processedAtLeast(started.body.id, 200);
    worker.kill('SIGKILL');
    await exited(worker);
    const killedAt = (await service.asAdmin().get(`/api/imports/${started.body.id}`)).body;
    expect(killedAt.counts.processed).toBeLessThan(ROWS);

    const second = startWorkerProcess(service, { WORKER_QUEUES: 'imports' });
    try {
      const undone = await waitForImport(service, started.body.id, 120_000);
      expect(undone.status).toBe('completed');
      expect(undone.counts).toMatchObject({ total: ROWS, processed: ROWS, restored: ROWS / 2, removed: ROWS / 2, conflicts: 0, failed: 0 });
      expect(await UserModel.countDocuments({ usernameKey: /^undo/ })).toBe(ROWS / 2);
      expect((await exportCsv(service)).toString('utf8')).toBe(before.toString('utf8'));
    } finally {
      second.kill('SIGTERM');
      await exited(second);
    }
  }, 300_000);
});
