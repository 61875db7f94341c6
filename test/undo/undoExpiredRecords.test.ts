/**
 * Change records expire (CHANGE_RETENTION_DAYS). An undo that found some of them gone would put
 * back part of an import without a word (issue 20): it is refused up front, and records do not
 * expire under a running undo.
 */
import { ImportChangeModel } from '../../shared/data/importChangeModel';
import { UserModel } from '../../shared/data/userModel';
import { runUndo } from '../../shared/undo/runUndo';
import { undoImport } from '../../shared/undo/undoImport';
import { importCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
});
afterAll(() => service.stop());

const csv = (prefix: string, name: string) => `Email,Username,First Name\n${[1, 2, 3].map((i) => `${prefix}${i}@example.com,${prefix}${i},${name}`).join('\n')}\n`;

async function importedTwice(prefix: string) {
  await importCsv(service, csv(prefix, 'Before'));
  const changed = await importCsv(service, csv(prefix, 'After'));
  expect(changed.counts.updated).toBe(3);
  return changed;
}

describe('undo of an import whose change records expired', () => {
  test('When one of its change records has expired, then the undo is refused with how much is gone and what to do, and nothing changes', async () => {
    const imported = await importedTwice('part');
    await ImportChangeModel.deleteOne({ importId: imported.id, row: 2 });

    const response = await service.asAdmin().post(`/api/imports/${imported.id}/undo`);
    expect(response.status).toBe(409);
    expect(response.body.error).toMatchObject({
      code: 'changes_expired',
      message: expect.stringMatching(/^1 of the 3 users this import changed are no longer recorded .*so it cannot be undone: an undo would put back only part of it\. Upload a corrected file instead/),
      details: { changed: 3, recorded: 2 },
    });
    expect((await UserModel.find({ usernameKey: /^part/ }, { firstName: 1 }).lean()).map((user) => user.firstName)).toEqual(['After', 'After', 'After']);
    expect((await service.asAdmin().get(`/api/imports/${imported.id}`)).body.undoneBy).toBeNull();
  });

  test('When a record expires after the undo was accepted and before it runs, then the undo fails saying so and puts nothing back', async () => {
    const imported = await importedTwice('late');
    const started = await undoImport(imported.id, 'admin', async () => undefined);
    await ImportChangeModel.deleteOne({ importId: imported.id, row: 3 });
    await runUndo(started.id, { chunkSize: 10, shouldYield: () => false, dbRetryMs: 1000 });

    const undo = (await service.asAdmin().get(`/api/imports/${started.id}`)).body;
    expect(undo).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/^1 of the 3 users this import changed are no longer recorded/), counts: { restored: 0 } });
    expect((await UserModel.find({ usernameKey: /^late/ }, { firstName: 1 }).lean()).map((user) => user.firstName)).toEqual(['After', 'After', 'After']);
  });

  test('When an undo starts, then the records it walks are kept a week longer, so none expires under it', async () => {
    const imported = await importedTwice('keep');
    // Written to expire in a minute, as records near the end of CHANGE_RETENTION_DAYS are.
    await ImportChangeModel.updateMany({ importId: imported.id }, { $set: { expiresAt: new Date(Date.now() + 60_000) } });
    const undo = await service.asAdmin().post(`/api/imports/${imported.id}/undo`).expect(202);
    expect((await waitForImport(service, undo.body.id)).counts).toMatchObject({ restored: 3 });
    const expiries = (await ImportChangeModel.find({ importId: imported.id }, { expiresAt: 1 }).lean()).map((record) => record.expiresAt.getTime());
    expect(expiries).toHaveLength(3);
    for (const expiry of expiries) expect(expiry).toBeGreaterThan(Date.now() + 6 * 24 * 3600 * 1000);
  });
});
