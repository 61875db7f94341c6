/**
 * Undo as a job of its own kind (issue 21, point 2): an `undo` job on the imports queue, run by
 * the undo use case; undo jobs an earlier version queued as `import` jobs still run as undos, and
 * recovery queues a stranded undo again as an `undo` job.
 */
import { ImportModel } from '../../shared/data/importModel';
import { UserModel } from '../../shared/data/userModel';
import { requeueStrandedImports } from '../../shared/imports/requeueStrandedImports';
import { importQueueForRecovery } from '../../shared/queues/queues';
import { undoImport } from '../../shared/undo/undoImport';
import { importCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
});
afterAll(async () => {
  await service.stop();
});

const importOne = (username: string) => importCsv(service, `Email,Username,First Name\n${username}@example.com,${username},${username}\n`);

describe('undo as a job of its own', () => {
  test('When an import is undone, then its queue job is an undo job named by the undo, carrying the import it takes back, and the undo removes the user it created', async () => {
    const imported = await importOne('uja');
    const response = await service.asAdmin().post(`/api/imports/${imported.id}/undo`).expect(202);
    const undo = await waitForImport(service, response.body.id);
    expect(undo).toMatchObject({ kind: 'undo', undoOf: imported.id, status: 'completed', counts: { removed: 1 } });

    const queueJob = await service.runtime.importQueue.getJob(undo.id);
    expect(queueJob?.name).toBe('undo');
    expect(queueJob?.data).toMatchObject({ undoId: undo.id, undoneImportId: imported.id, deploymentId: service.runtime.deploymentId });
    expect(queueJob?.data).not.toHaveProperty('importId');
    expect(await UserModel.countDocuments({ usernameKey: 'uja' })).toBe(0);
  });

  test('When an undo was queued as an import job, as versions before undo had its own job did, then the worker runs it as an undo', async () => {
    const imported = await importOne('ujb');
    const { importQueue, deploymentId } = service.runtime;
    const legacyEnqueue = async (undoId: string) => {
      await importQueue.add('import', { importId: undoId, deploymentId }, { jobId: undoId });
    };
    const started = await undoImport(imported.id, 'admin', legacyEnqueue);
    const undo = await waitForImport(service, started.id);
    expect(undo).toMatchObject({ kind: 'undo', undoOf: imported.id, status: 'completed', counts: { total: 1, processed: 1, removed: 1 } });
    expect((await importQueue.getJob(started.id))?.name).toBe('import');
    expect(await UserModel.countDocuments({ usernameKey: 'ujb' })).toBe(0);
  });

  test('When a queued undo lost its queue job (Redis lost it), then recovery queues it again as an undo job, and it runs', async () => {
    const imported = await importOne('ujc');
    const { importQueue, deploymentId } = service.runtime;
    // Started, but its queue job never reached Redis (or Redis lost it).
    const started = await undoImport(imported.id, 'admin', async () => undefined);
    expect(await importQueue.getJob(started.id)).toBeUndefined();
    expect(await ImportModel.countDocuments({ _id: started.id, status: 'queued' })).toBe(1);

    expect(await requeueStrandedImports(importQueueForRecovery(importQueue, deploymentId), { olderThanMs: 0 })).toBe(1);
    const requeued = await importQueue.getJob(started.id);
    expect(requeued?.name).toBe('undo');
    expect(requeued?.data).toMatchObject({ undoId: started.id, undoneImportId: imported.id });
    expect(await waitForImport(service, started.id)).toMatchObject({ status: 'completed', counts: { removed: 1 } });
    expect(await UserModel.countDocuments({ usernameKey: 'ujc' })).toBe(0);
  });
});
