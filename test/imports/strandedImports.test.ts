import { Worker } from 'bullmq';
import { ImportModel } from '../../shared/data/importModel';
import { requeueStrandedImports } from '../../shared/imports/requeueStrandedImports';
import { QUEUE_NAMES, connectRedis, importQueueForRecovery, queueConnection } from '../../shared/queues/queues';
import { startWorkers } from '../../worker/workers';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

// No workers at first: each test decides what happens to the queue job.
let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

const csv = (prefix: string) => `Email,Username\n${prefix}1@example.com,${prefix}1\n${prefix}2@example.com,${prefix}2\n`;

/** Lets BullMQ fail the import's queue job, as it does after too many stalls. */
async function failQueueJob(importId: string): Promise<void> {
  const redis = connectRedis(service.config.redisUrl);
  const breaker = new Worker(
    QUEUE_NAMES.imports,
    async (job) => {
      if (job.id === importId) throw new Error('job stalled more than allowable limit');
    },
    { connection: queueConnection(redis), prefix: service.config.queuePrefix },
  );
  try {
    while ((await service.runtime.importQueue.getJobState(importId)) !== 'failed') await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await breaker.close();
    redis.disconnect();
  }
}

describe('imports left without a live queue job', () => {
  test('When an import waits in the queue, then recovery leaves it alone', async () => {
    const upload = await uploadCsv(service, csv('live'));
    expect(await requeueStrandedImports(importQueueForRecovery(service.runtime.importQueue, service.runtime.deploymentId), { olderThanMs: 0 })).toBe(0);
    expect(await service.runtime.importQueue.getJobState(upload.body.id)).toBe('waiting');
    await service.runtime.importQueue.obliterate({ force: true });
    await ImportModel.updateOne({ _id: upload.body.id }, { $set: { status: 'cancelled' } });
  });

  test('When BullMQ has failed an import that never ended, then recovery queues it again and it runs to the end', async () => {
    const upload = await uploadCsv(service, csv('gaveup'));
    await failQueueJob(upload.body.id);
    expect((await service.asSupport().get(`/api/imports/${upload.body.id}`)).body.status).toBe('queued');

    expect(await requeueStrandedImports(importQueueForRecovery(service.runtime.importQueue, service.runtime.deploymentId), { olderThanMs: 0 })).toBe(1);
    const workers = startWorkers(service.runtime);
    try {
      const job = await waitForImport(service, upload.body.id);
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ total: 2, created: 2 });
      expect(await ImportModel.findById(upload.body.id, { recoveries: 1 }).lean()).toMatchObject({ recoveries: 1 });
    } finally {
      await workers.close();
    }
  });

  test('When an import keeps failing its queue job, then after the last recovery it fails with a reason instead of looping', async () => {
    const upload = await uploadCsv(service, csv('poison'));
    await ImportModel.updateOne({ _id: upload.body.id }, { $set: { recoveries: 5 } });
    await failQueueJob(upload.body.id);

    expect(await requeueStrandedImports(importQueueForRecovery(service.runtime.importQueue, service.runtime.deploymentId), { olderThanMs: 0, maxRecoveries: 5 })).toBe(0);
    const job = (await service.asSupport().get(`/api/imports/${upload.body.id}`)).body;
    expect(job.status).toBe('failed');
    expect(job.failureReason).toBe(
      "The import stopped its worker 5 times (last: job stalled more than allowable limit). Contact support with this import's id; a retry starts it again.",
    );
  });

  test('When an import was created moments ago, then recovery waits before deciding it is stranded', async () => {
    const upload = await uploadCsv(service, csv('fresh'));
    await service.runtime.importQueue.obliterate({ force: true });
    expect(await requeueStrandedImports(importQueueForRecovery(service.runtime.importQueue, service.runtime.deploymentId), { olderThanMs: 60_000 })).toBe(0);
    expect(await requeueStrandedImports(importQueueForRecovery(service.runtime.importQueue, service.runtime.deploymentId), { olderThanMs: 0 })).toBe(1);
    expect(await service.runtime.importQueue.getJobState(upload.body.id)).toBe('waiting');
  });
});
