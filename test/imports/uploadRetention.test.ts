import mongoose, { type Types } from 'mongoose';
import { ImportModel } from '../../shared/data/importModel';
import { ImportRowErrorModel } from '../../shared/data/importRowErrorModel';
import { sweepUploads } from '../../shared/imports/uploadRetention';
import { createGroups, errorsCsv, importCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

const DAY = 24 * 3600 * 1000;
const RETENTION = 30 * DAY;
/**
 * The sweeps run on a clock 60 days ahead: uploads cannot be made in the past, so time moves
 * forward instead, and each import's end is set to when the test says it ended on that clock.
 */
const NOW = new Date(Date.now() + 60 * DAY);
const daysBefore = (days: number, now = NOW) => new Date(now.getTime() - days * DAY);

let service: TestService;
beforeEach(async () => {
  service = await startTestService({ IMPORT_CHUNK_SIZE: '25' }, { worker: true });
  await createGroups(service, 'Marketing');
});
afterEach(() => service.stop());

const CSV = 'Email,Username,User groups,Password\nok@example.com,ok,Marketing,Secret-Pass-1\nbad@example.com,bad,Nowhere,Secret-Pass-2\n';

async function endedAt(id: string, finishedAt: Date | null, status?: string) {
  await ImportModel.updateOne({ _id: id }, { $set: { finishedAt, ...(status && { status }) } });
}

async function fileOf(id: string): Promise<Types.ObjectId> {
  return (await ImportModel.findById(id).orFail().lean()).fileId;
}

async function stored(fileId: Types.ObjectId) {
  const db = mongoose.connection.db!;
  return {
    file: await db.collection('uploads.files').countDocuments({ _id: fileId }),
    chunks: await db.collection('uploads.chunks').countDocuments({ files_id: fileId }),
  };
}

/** Every job the import queue holds, in any state: a queued retry stays counted once it has run. */
async function queueJobs(): Promise<number> {
  return Object.values(await service.runtime.importQueue.getJobCounts()).reduce((sum, count) => sum + count, 0);
}

async function job(id: string) {
  return (await service.asSupport().get(`/api/imports/${id}`)).body;
}

describe('keeping uploads for UPLOAD_RETENTION_DAYS', () => {
  test('When an import is still running or ended within the retention period, then its file and failed rows are kept', async () => {
    const recent = await importCsv(service, CSV);
    const running = await importCsv(service, CSV);
    await endedAt(recent.id, daysBefore(29));
    // A huge import still going (or stuck) after all that time still needs its file.
    await endedAt(running.id, null, 'running');

    expect(await sweepUploads({ retentionMs: RETENTION, now: NOW })).toEqual({ orphanFiles: 0, orphanChunkFiles: 0, expiredFiles: 0 });

    for (const id of [recent.id, running.id]) {
      expect(await stored(await fileOf(id))).toEqual({ file: 1, chunks: 1 });
      expect(await ImportRowErrorModel.countDocuments({ importId: id })).toBe(1);
      expect((await job(id)).fileDeletedAt).toBeNull();
    }
    expect(await errorsCsv(service, recent.id)).toContain('Nowhere');
  });

  test('When a file is shared with a retry that ended within the retention period, then it is kept until the retry\'s retention passes too', async () => {
    const source = await importCsv(service, CSV);
    const retried = await service.asSupport().post(`/api/imports/${source.id}/retry`).send({ only: 'failed' });
    const retry = await waitForImport(service, retried.body.id);
    expect(retry.counts).toMatchObject({ total: 1, failed: 1 });
    const fileId = await fileOf(source.id);
    expect(String(await fileOf(retry.id))).toBe(String(fileId));
    await endedAt(source.id, daysBefore(45));
    await endedAt(retry.id, daysBefore(10));

    expect(await sweepUploads({ retentionMs: RETENTION, now: NOW })).toMatchObject({ expiredFiles: 0 });
    expect(await stored(fileId)).toEqual({ file: 1, chunks: 1 });
    expect((await job(source.id)).fileDeletedAt).toBeNull();
    expect(await ImportRowErrorModel.countDocuments({ importId: source.id })).toBe(1);

    const later = new Date(NOW.getTime() + 21 * DAY);
    expect(await sweepUploads({ retentionMs: RETENTION, now: later })).toMatchObject({ expiredFiles: 1 });
    expect(await stored(fileId)).toEqual({ file: 0, chunks: 0 });
    for (const id of [source.id, retry.id]) {
      expect((await job(id)).fileDeletedAt).toBe(later.toISOString());
      expect(await ImportRowErrorModel.countDocuments({ importId: id })).toBe(0);
    }
  });

  test('When an import\'s retention has passed, then its file and failed rows are deleted, the job says when, and retry and errors.csv answer 410 without queueing anything', async () => {
    const expired = await importCsv(service, CSV);
    const fileId = await fileOf(expired.id);
    await endedAt(expired.id, daysBefore(31));
    expect(await ImportRowErrorModel.countDocuments({ importId: expired.id })).toBe(1);

    expect(await sweepUploads({ retentionMs: RETENTION, now: NOW })).toEqual({ orphanFiles: 0, orphanChunkFiles: 0, expiredFiles: 1 });
    expect(await stored(fileId)).toEqual({ file: 0, chunks: 0 });
    expect(await ImportRowErrorModel.countDocuments({ importId: expired.id })).toBe(0);
    expect((await job(expired.id)).fileDeletedAt).toBe(NOW.toISOString());

    const message = 'The uploaded file of this import was deleted 31 days after it ended (UPLOAD_RETENTION_DAYS) because it holds passwords. Upload the file again.';
    const report = await service.asSupport().get(`/api/imports/${expired.id}/errors.csv`);
    expect(report.status).toBe(410);
    expect(report.headers['content-disposition']).toBeUndefined();
    expect(report.body.error).toMatchObject({ code: 'upload_deleted', message });

    const jobsBefore = await ImportModel.countDocuments();
    const queuedBefore = await queueJobs();
    // The whole file is an admin's to re-run, the failed rows support's too: both find the file gone.
    for (const [agent, body] of [[service.asAdmin(), {}], [service.asSupport(), { only: 'failed' }]] as const) {
      const retry = await agent.post(`/api/imports/${expired.id}/retry`).send(body);
      expect(retry.status).toBe(410);
      expect(retry.body.error).toMatchObject({ code: 'upload_deleted', message });
    }
    expect(await ImportModel.countDocuments()).toBe(jobsBefore);
    expect(await ImportModel.exists({ retryOf: expired.id })).toBeNull();
    expect(await queueJobs()).toBe(queuedBefore);

    // A second sweep (or another worker's) finds nothing left to do.
    expect(await sweepUploads({ retentionMs: RETENTION, now: NOW })).toEqual({ orphanFiles: 0, orphanChunkFiles: 0, expiredFiles: 0 });
  });

  test('When a retry starts just as the sweep is about to delete its file, then the file is kept for the retry', async () => {
    const source = await importCsv(service, CSV);
    const fileId = await fileOf(source.id);
    await endedAt(source.id, daysBefore(31));
    let retryId = '';
    const markJobs = ImportModel.updateMany.bind(ImportModel);
    // The retry is recorded after the sweep judged the file's imports and before it marks them.
    const spy = jest.spyOn(ImportModel, 'updateMany').mockImplementationOnce(((...args: Parameters<typeof markJobs>) =>
      service.asSupport().post(`/api/imports/${source.id}/retry`).send({ only: 'failed' })
        .then((retry) => { retryId = retry.body.id; return markJobs(...args); })) as never);
    try {
      expect(await sweepUploads({ retentionMs: RETENTION, now: NOW })).toMatchObject({ expiredFiles: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(await waitForImport(service, retryId)).toMatchObject({ status: 'completed_with_errors', counts: { total: 1, failed: 1 } });
    expect(await stored(fileId)).toEqual({ file: 1, chunks: 1 });
    expect((await job(source.id)).fileDeletedAt).toBeNull();
    expect(await errorsCsv(service, source.id)).toContain('Nowhere');
  });

  test('When the sweep deletes a file while a retry of it is being recorded, then the retry answers 410 and queues nothing', async () => {
    const source = await importCsv(service, CSV);
    const queuedBefore = await queueJobs();
    const recordJob = ImportModel.create.bind(ImportModel);
    // The sweep marks the file's imports right after the retry checked them and recorded its job.
    const spy = jest.spyOn(ImportModel, 'create').mockImplementationOnce(((...args: Parameters<typeof recordJob>) =>
      recordJob(...args).then(async (created: unknown) => {
        await ImportModel.updateOne({ _id: source.id }, { $set: { fileDeletedAt: NOW } });
        return created;
      })) as never);
    try {
      const retry = await service.asAdmin().post(`/api/imports/${source.id}/retry`);
      expect(retry.status).toBe(410);
      expect(retry.body.error.code).toBe('upload_deleted');
    } finally {
      spy.mockRestore();
    }
    expect(await ImportModel.exists({ retryOf: source.id })).toBeNull();
    expect(await queueJobs()).toBe(queuedBefore);
  });

  test('When the OpenAPI document is read, then it shows fileDeletedAt and the 410 of retry and errors.csv', async () => {
    const document = (await service.asSupport().get('/api/openapi.json')).body;
    expect(document.components.schemas.ImportJob.properties.fileDeletedAt).toMatchObject({ type: ['string', 'null'], format: 'date-time' });
    expect(document.paths['/api/imports/{id}/retry'].post.responses['410']).toBeDefined();
    expect(document.paths['/api/imports/{id}/errors.csv'].get.responses['410']).toBeDefined();
  });
});
