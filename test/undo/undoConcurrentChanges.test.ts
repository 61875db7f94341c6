/**
 * Undo of an import while the directory changes around it (groups, custom fields, invitations),
 * and an external ID moved between users in different chunks. The undo runs in this process so
 * a change can be made at a known point: right after its first chunk is committed.
 */
import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import * as importStore from '../../shared/data/importStore';
import { InvitationModel } from '../../shared/data/invitationModel';
import { UserModel } from '../../shared/data/userModel';
import { runUndo } from '../../shared/undo/runUndo';
import { undoImport } from '../../shared/undo/undoImport';
import { createGroups, errorsCsv, exportCsv, importCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let smtp: SmtpCapture;
let service: TestService;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  service = await startTestService({ IMPORT_CHUNK_SIZE: '5', SMTP_URL: smtp.url, INVITE_RATE_PER_SECOND: '1000', PUBLIC_URL: 'https://learn.example.com' }, { worker: true });
  await createGroups(service, 'Sales', 'Marketing', 'Other');
}, 60_000);
afterEach(() => jest.restoreAllMocks());
afterAll(async () => {
  await service.stop();
  await smtp.stop();
});

const HEADER = 'Email,Username,First Name,User groups,External ID';
const csv = (...rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;

/** Undoes the import in this process, one record a chunk, calling `between` once the first chunk is committed. */
async function undoWithChangeBetweenChunks(importId: string, between: () => Promise<void>) {
  const commit = importStore.commitUndoChunk;
  jest.spyOn(importStore, 'commitUndoChunk').mockImplementationOnce(async (...args) => {
    const verdict = await commit(...args);
    await between();
    return verdict;
  });
  const started = await undoImport(importId, 'admin', async () => undefined);
  await runUndo(started.id, { chunkSize: 1, shouldYield: () => false, dbRetryMs: 1000 });
  return (await service.asAdmin().get(`/api/imports/${started.id}`)).body;
}

const groupsOf = async (username: string) => (await UserModel.findOne({ usernameKey: username }, { groupIds: 1 }).lean())?.groupIds?.map(String) ?? [];

describe('groups created or deleted while an undo runs', () => {
  test('When a group created after the undo started is given to users it has not reached yet, then they keep it and are reported as conflicts, not restored or removed', async () => {
    await importCsv(service, csv('g1@example.com,g1,G,Sales,', 'g2@example.com,g2,G,Sales,', 'g4@example.com,g4,G,Sales,'));
    const imported = await importCsv(service, csv('g1@example.com,g1,G,Marketing,', 'g2@example.com,g2,G,Marketing,', 'g3@example.com,g3,G,,', 'g4@example.com,g4,G,Marketing,'), { groupsMode: 'add' });
    expect(imported.counts).toMatchObject({ created: 1, updated: 3 });

    let late = '';
    const undone = await undoWithChangeBetweenChunks(imported.id, async () => {
      late = (await createGroups(service, 'Late'))['Late'];
      // Given by hand (rows 2 and 3 are walked after this whichever end the undo starts from).
      await UserModel.updateMany({ usernameKey: { $in: ['g2', 'g3'] } }, { $push: { groupIds: late }, $set: { updatedAt: new Date() } });
    });

    expect(undone.counts).toMatchObject({ total: 4, processed: 4, restored: 2, removed: 0, conflicts: 2, failed: 0 });
    expect(await groupsOf('g2')).toContain(late);
    expect(await groupsOf('g3')).toEqual([late]);
    const report = await errorsCsv(service, undone.id);
    expect(report).toContain('2,g2,Groups,Sales; Marketing; Late,Sales,');
    expect(report).toContain('3,g3,Groups,Late,(remove the user),');
  }, 60_000);

  test('When a group the undo puts back is deleted while it runs, then no user is left pointing at the deleted group', async () => {
    const { Temp: temp } = await createGroups(service, 'Temp');
    const rows = (group: string) => ['d1', 'd2', 'd3', 'd4'].map((name) => `${name}@example.com,${name},D,${group},`);
    await importCsv(service, csv(...rows('Temp')));
    const imported = await importCsv(service, csv(...rows('Other')), { groupsMode: 'replace' });
    expect(imported.counts).toMatchObject({ updated: 4 });

    const undone = await undoWithChangeBetweenChunks(imported.id, async () => {
      await service.asAdmin().delete(`/api/groups/${temp}`).expect(204);
    });

    expect(undone.counts).toMatchObject({ total: 4, processed: 4, failed: 0 });
    expect(await UserModel.countDocuments({ groupIds: temp })).toBe(0);
  }, 60_000);
});

describe('an external ID moved between users in different chunks', () => {
  test('When one row gives a user a new external ID and a later row, in another chunk, gives that user\'s old one to someone else, then the undo gives back the export before the import', async () => {
    const seeded = ['x0@example.com,x0,X,,EXT-3'];
    for (let i = 1; i <= 6; i++) seeded.push(`x${i}@example.com,x${i},X,,`);
    await importCsv(service, csv(...seeded));
    const before = await exportCsv(service);
    const moved = ['x0@example.com,x0,X,,EXT-7'];
    for (let i = 1; i <= 5; i++) moved.push(`x${i}@example.com,x${i},Y,,`);
    moved.push('x6@example.com,x6,X,,EXT-3');
    const imported = await importCsv(service, csv(...moved));
    expect(imported.counts).toMatchObject({ updated: 7, failed: 0 });

    const response = await service.asAdmin().post(`/api/imports/${imported.id}/undo`).expect(202);
    const undone = await waitForImport(service, response.body.id);
    expect(undone).toMatchObject({ status: 'completed' });
    expect(undone.counts).toMatchObject({ total: 7, restored: 7, conflicts: 0, failed: 0 });
    expect((await exportCsv(service)).toString('utf8')).toBe(before.toString('utf8'));
  }, 60_000);
});

describe('a custom field deleted between the import and the undo', () => {
  test('When the import set a custom field that was deleted since, then the users it created are still removed and the users it updated restored, without conflicts', async () => {
    await service.asAdmin().post('/api/custom-fields').send({ key: 'tmpf', label: 'Temporary' }).expect(201);
    await importCsv(service, 'Email,Username,Last Name\nk1@example.com,k1,Before\n');
    const imported = await importCsv(service, 'Email,Username,Last Name,Temporary\nk1@example.com,k1,After,Y\nk2@example.com,k2,New,X\n');
    expect(imported.counts).toMatchObject({ created: 1, updated: 1 });
    await service.asAdmin().delete('/api/custom-fields/tmpf').expect(200);

    const response = await service.asAdmin().post(`/api/imports/${imported.id}/undo`).expect(202);
    const undone = await waitForImport(service, response.body.id);
    expect(undone).toMatchObject({ status: 'completed' });
    expect(undone.counts).toMatchObject({ total: 2, restored: 1, removed: 1, conflicts: 0, failed: 0 });
    expect(await UserModel.exists({ usernameKey: 'k2' })).toBeNull();
    expect(await UserModel.findOne({ usernameKey: 'k1' }).lean()).toMatchObject({ lastName: 'Before' });
  }, 60_000);
});

describe('an invitation accepted while the undo removes its user', () => {
  test('When the undo removes the user between the claim of the token and the password write, then the acceptance answers 410 revoked, not "password set"', async () => {
    const imported = await importCsv(service, 'Email,Username\nria@example.com,ria\n', { sendInvitations: true });
    const deadline = Date.now() + 20_000;
    while (!smtp.mails.some((mail) => mail.envelopeTo[0] === 'ria@example.com')) {
      if (Date.now() > deadline) throw new Error('the invitation to ria did not arrive');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const mail = smtp.mails.find((entry) => entry.envelopeTo[0] === 'ria@example.com');
    const token = /\/invite\/([\w-]+)/.exec(mail?.parsed.text ?? '')?.[1] as string;
    const riaId = (await UserModel.findOne({ usernameKey: 'ria' }, { _id: 1 }).lean())?._id;

    // Holds the acceptance's password write until the undo has removed the user.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const updateOne = UserModel.updateOne.bind(UserModel);
    jest.spyOn(UserModel, 'updateOne').mockImplementation(((...args: Parameters<typeof UserModel.updateOne>) =>
      gate.then(() => updateOne(...args))) as unknown as typeof UserModel.updateOne);
    const accepting = service.anonymous().post(`/invite/${token}`).set('Accept', 'application/json').send({ password: 'A-good-password-1' }).then((response) => response);
    while (!(await InvitationModel.exists({ userId: riaId, tokenUsedAt: { $ne: null } }))) await new Promise((resolve) => setTimeout(resolve, 10));

    const response = await service.asAdmin().post(`/api/imports/${imported.id}/undo`).expect(202);
    const undone = await waitForImport(service, response.body.id);
    expect(undone.counts).toMatchObject({ removed: 1 });
    release();

    const accept = await accepting;
    expect(accept.status).toBe(410);
    expect(JSON.stringify(accept.body)).toContain('invitation_revoked');
    expect(await UserModel.exists({ usernameKey: 'ria' })).toBeNull();
  }, 60_000);
});
