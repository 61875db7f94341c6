/**
 * Undo of an import (issue 12, item 3), through HTTP with a running worker: what it puts back,
 * what it removes, what it leaves and reports, and who may start it.
 */
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { ImportChangeModel } from '../../shared/data/importChangeModel';
import { ImportModel, type ImportRecord } from '../../shared/data/importModel';
import { UserModel } from '../../shared/data/userModel';
import { runUndo } from '../../shared/undo/runUndo';
import { undoImport } from '../../shared/undo/undoImport';
import { createGroups, errorsCsv, exportCsv, importCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let smtp: SmtpCapture;
let service: TestService;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  service = await startTestService({ SMTP_URL: smtp.url, INVITE_RATE_PER_SECOND: '1000', PUBLIC_URL: 'https://learn.example.com' }, { worker: true });
  await createGroups(service, 'Sales', 'Marketing', 'Support');
  await service.asAdmin().post('/api/custom-fields').send({ key: 'team', label: 'Team' }).expect(201);
});
afterAll(async () => {
  await service.stop();
  await smtp.stop();
});

const HEADER = 'Email,Username,First Name,Last Name,User groups,Roles,Password,External ID,Team';
const csv = (...rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;

async function undo(importId: string) {
  const response = await service.asAdmin().post(`/api/imports/${importId}/undo`);
  if (response.status !== 202) throw new Error(`undo answered ${response.status}: ${JSON.stringify(response.body)}`);
  return waitForImport(service, response.body.id);
}

async function passwordHashOf(username: string): Promise<string | undefined> {
  const user = await UserModel.findOne({ usernameKey: username }, { passwordHash: 1 }).select('+passwordHash').lean();
  return user?.passwordHash ?? undefined;
}

describe('undo of an import', () => {
  test('When two mixed imports (Add and Replace modes) are undone, latest first, then each undo gives back the export taken before its import, byte for byte, and removes the users it created', async () => {
    await importCsv(service, csv(
      'ann@example.com,ann,Ann,Archer,Sales,Learner,,,Blue',
      'ben@example.com,ben,Ben,Baker,Sales; Marketing,Admin,Old-password-1,EXT-BEN,',
      'cat@example.com,cat,Cat,,,,,,',
      'dan@example.com,dan,Dan,Dale,Support,Reviewer,,,Green',
    ));
    const beforeFirst = await exportCsv(service);
    const benHashBefore = await passwordHashOf('ben');
    expect(benHashBefore).toBeDefined();

    const first = await importCsv(service, csv(
      'ann@example.com,ann,Ann,Arrow,Marketing,Manager Analytics,,,Blue',
      'ben@example.com,ben,Ben,Baker,Sales,Admin,New-password-2,EXT-BEN,',
      'cat@example.com,cat,Cat,,,,,EXT-CAT,Red',
      'dan@example.com,dan,Dan,Dale,Support,Reviewer,,,Green',
      'eve@example.com,eve,Eve,Evans,Sales; Support,Reviewer,,EXT-EVE,Yellow',
      'fay@example.com,fay,Fay,,,,Fay-password-3,,',
    ), { groupsMode: 'add', rolesMode: 'replace' });
    expect(first.counts).toMatchObject({ created: 2, updated: 3, unchanged: 1, failed: 0 });
    const afterFirst = await exportCsv(service);

    const second = await importCsv(service, csv(
      'ann@example.com,ann,Ann,Arrow,Support,Reviewer,,,Blue',
      'dan@example.com,dan,Daniel,Dale,Sales,Facilitator,,,Green',
      'gus@example.com,gus,Gus,,Marketing,,,,',
    ), { groupsMode: 'replace', rolesMode: 'add' });
    expect(second.counts).toMatchObject({ created: 1, updated: 2, failed: 0 });
    expect(await exportCsv(service)).not.toEqual(afterFirst);

    const undoSecond = await undo(second.id);
    expect(undoSecond).toMatchObject({ kind: 'undo', undoOf: second.id, status: 'completed' });
    expect(undoSecond.counts).toMatchObject({ total: 3, processed: 3, restored: 2, removed: 1, conflicts: 0, failed: 0 });
    expect((await exportCsv(service)).toString('utf8')).toBe(afterFirst.toString('utf8'));

    const undoFirst = await undo(first.id);
    expect(undoFirst.counts).toMatchObject({ total: 5, processed: 5, restored: 3, removed: 2, conflicts: 0, failed: 0 });
    expect((await exportCsv(service)).toString('utf8')).toBe(beforeFirst.toString('utf8'));
    expect(await UserModel.countDocuments({ usernameKey: { $in: ['eve', 'fay', 'gus'] } })).toBe(0);
    expect(await passwordHashOf('ben')).toBe(benHashBefore);

    const undone = (await service.asAdmin().get(`/api/imports/${first.id}`)).body;
    expect(undone).toMatchObject({ kind: 'import', undoneBy: undoFirst.id, undoOf: null });
  }, 120_000);

  test('When a field was changed after the import (by a second import), then the undo leaves it as it is, puts back the others and reports a conflict naming the field in errors.csv', async () => {
    await importCsv(service, csv('hal@example.com,hal,Hal,Hill,,,,,'));
    const imported = await importCsv(service, csv('hal@example.com,hal,Harold,Hilton,,,,,Blue'));
    await importCsv(service, csv('hal@example.com,hal,Harold,Holt,,,,,Blue'));

    const undone = await undo(imported.id);
    expect(undone.status).toBe('completed_with_errors');
    expect(undone.counts).toMatchObject({ total: 1, processed: 1, restored: 0, removed: 0, conflicts: 1, failed: 0 });
    const hal = await UserModel.findOne({ usernameKey: 'hal' }).lean();
    expect(hal).toMatchObject({ firstName: 'Hal', lastName: 'Holt' });
    expect(hal?.customFields).toEqual({});

    const lines = (await errorsCsv(service, undone.id)).replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toEqual([
      'Row,Username,Field,Current value,Undo would write,Error',
      '1,hal,Last Name,Holt,Hill,"Changed since the import (by a later import or by hand), so the undo left it as it is."',
    ]);
  }, 60_000);

  test('When the external ID to put back has been given to another user since, then that user is left as it is and reported, and the undo goes on', async () => {
    await importCsv(service, csv('sam@example.com,sam,Sam,Stone,,,,EXT-S,', 'sue@example.com,sue,Sue,Shaw,,,,,'));
    const imported = await importCsv(service, csv('sam@example.com,sam,Sam,Storm,,,,EXT-S2,', 'sue@example.com,sue,Sue,Shore,,,,,'));
    await importCsv(service, csv('tom@example.com,tom,Tom,,,,,EXT-S,'));

    const undone = await undo(imported.id);
    expect(undone.counts).toMatchObject({ total: 2, restored: 1, conflicts: 1, failed: 0 });
    expect(await UserModel.findOne({ usernameKey: 'sam' }).lean()).toMatchObject({ lastName: 'Storm', externalId: 'EXT-S2' });
    expect(await UserModel.findOne({ usernameKey: 'sue' }).lean()).toMatchObject({ lastName: 'Shaw' });
    const report = await errorsCsv(service, undone.id);
    expect(report).toContain('1,sam,Last Name,Storm,Stone,');
    expect(report).toContain('1,sam,External ID,EXT-S2,EXT-S,"Another user has held this external ID since the import');
  }, 60_000);

  test('When an import is undone a second time, then the second undo is refused with 409 already_undone', async () => {
    const imported = await importCsv(service, csv('ida@example.com,ida,Ida,,,,,,'));
    await undo(imported.id);
    const again = await service.asAdmin().post(`/api/imports/${imported.id}/undo`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('already_undone');
    expect(again.body.error.message).toMatch(/has already been undone/);
  }, 60_000);

  test('When the job is itself an undo, or the import has not ended, then the undo is refused with 409 saying what to do', async () => {
    const imported = await importCsv(service, csv('ivo@example.com,ivo,Ivo,,,,,,'));
    const undone = await undo(imported.id);
    const ofUndo = await service.asAdmin().post(`/api/imports/${undone.id}/undo`);
    expect(ofUndo.status).toBe(409);
    expect(ofUndo.body.error).toMatchObject({ code: 'undo_of_undo', message: expect.stringContaining(`nor the import it took back run again (import ${imported.id}). To apply its changes again, an admin uploads its file again.`) });

    const running = await ImportModel.create({ ...(await uploadFieldsOf(imported.id)), status: 'running' });
    const notEnded = await service.asAdmin().post(`/api/imports/${running._id}/undo`);
    expect(notEnded.status).toBe(409);
    expect(notEnded.body.error).toMatchObject({ code: 'import_not_finished', message: expect.stringContaining('Wait for it to end') });
  }, 60_000);

  test('When the change records of the import are gone (expired), then the undo is refused with 409 instead of doing nothing', async () => {
    const imported = await importCsv(service, csv('rex@example.com,rex,Rex,,,,,,'));
    await ImportChangeModel.deleteMany({ importId: imported.id });
    const refused = await service.asAdmin().post(`/api/imports/${imported.id}/undo`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'changes_expired', message: expect.stringContaining('CHANGE_RETENTION_DAYS') });
    expect(await UserModel.exists({ usernameKey: 'rex' })).not.toBeNull();
  });

  test('When a support key asks for an undo, then it is refused with 403 and nothing starts', async () => {
    const imported = await importCsv(service, csv('joe@example.com,joe,Joe,,,,,,'));
    const refused = await service.asSupport().post(`/api/imports/${imported.id}/undo`);
    expect(refused.status).toBe(403);
    expect((await service.asAdmin().get(`/api/imports/${imported.id}`)).body.undoneBy).toBeNull();
  });

  test('When the import is a dry run, then the undo is refused with 409: it changed nothing', async () => {
    const dryRun = await importCsv(service, csv('kim@example.com,kim,Kim,,,,,,'), { dryRun: true });
    const refused = await service.asAdmin().post(`/api/imports/${dryRun.id}/undo`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('dry_run');
    expect(refused.body.error.message).toMatch(/nothing to undo/);
  });

  test('When an undo removes an invited user, then its invitation link answers 410; a created user who accepted the invitation is kept and reported', async () => {
    smtp.mails.length = 0;
    const imported = await importCsv(service, csv('lea@example.com,lea,Lea,,,,,,', 'max@example.com,max,Max,,,,,,'), { sendInvitations: true });
    const mails = await mailsTo(['lea@example.com', 'max@example.com']);
    const link = (to: string) => /https:\/\/learn\.example\.com\/invite\/([\w-]+)/.exec(mails.find((mail) => mail.envelopeTo[0] === to)?.parsed.text ?? '')?.[1] as string;
    await service.anonymous().post(`/invite/${link('max@example.com')}`).send({ password: 'A-good-password-1' }).expect((res) => expect(res.status).toBeLessThan(400));

    const undone = await undo(imported.id);
    expect(undone.counts).toMatchObject({ total: 2, removed: 1, conflicts: 1 });
    expect(await UserModel.exists({ usernameKey: 'lea' })).toBeNull();
    expect(await UserModel.exists({ usernameKey: 'max' })).not.toBeNull();
    expect(await errorsCsv(service, undone.id)).toContain('max,Password,(hidden),(remove the user),');

    const page = await service.anonymous().get(`/invite/${link('lea@example.com')}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain('withdrawn');
    const accept = await service.anonymous().post(`/invite/${link('lea@example.com')}`).send({ password: 'A-good-password-1' });
    expect(accept.status).toBe(410);
  }, 60_000);
});

describe('an undo replayed after its writes landed', () => {
  test('When every chunk of an undo is applied again after its commit was lost, then users, counts and errors.csv are exactly those of the first run', async () => {
    await importCsv(service, csv('ned@example.com,ned,Ned,Nash,,,,,', 'ola@example.com,ola,Ola,Olsen,,,,,'));
    const imported = await importCsv(service, csv(
      'ned@example.com,ned,Ned,North,,,,,',
      'ola@example.com,ola,Ola,Owen,,,,,',
      'pia@example.com,pia,Pia,,,,,,',
      'quy@example.com,quy,Quy,,,,,,',
    ));
    await importCsv(service, csv('ola@example.com,ola,Ola,Ortiz,,,,,'));
    const exportBefore = await exportCsv(service);
    // Started without a queue, so this test runs it, twice, in this process.
    const started = await undoImport(imported.id, 'admin', async () => undefined);
    const run = () => runUndo(started.id, { chunkSize: 1, shouldYield: () => false, dbRetryMs: 1000 });
    await run();
    const first = (await service.asAdmin().get(`/api/imports/${started.id}`)).body;
    expect(first.counts).toMatchObject({ total: 4, processed: 4, restored: 1, removed: 2, conflicts: 1, failed: 0 });
    const firstErrors = await errorsCsv(service, started.id);
    const firstExport = await exportCsv(service);
    expect(firstExport).not.toEqual(exportBefore);

    await ImportModel.updateOne(
      { _id: started.id },
      { $set: { status: 'running', finishedAt: null, checkpointRow: 0, 'counts.processed': 0, 'counts.restored': 0, 'counts.removed': 0, 'counts.conflicts': 0, 'counts.failed': 0 } },
    );
    await run();
    const replayed = (await service.asAdmin().get(`/api/imports/${started.id}`)).body;
    expect(replayed.status).toBe('completed_with_errors');
    expect(replayed.counts).toEqual(first.counts);
    expect(await errorsCsv(service, started.id)).toBe(firstErrors);
    expect(await exportCsv(service)).toEqual(firstExport);
  }, 60_000);
});

/** A copy of a job's upload fields, for a job this test records directly. */
async function uploadFieldsOf(importId: string) {
  const job = await ImportModel.findById(importId).lean<ImportRecord>();
  if (!job) throw new Error(`no import ${importId}`);
  const { fileName, fileId, fileSize, encoding, delimiter, headers } = job;
  return { fileName, fileId, fileSize, encoding, delimiter, headers };
}

async function mailsTo(addresses: string[]): Promise<CapturedMail[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const mails = smtp.mails.filter((mail) => addresses.includes(mail.envelopeTo[0]));
    if (mails.length >= addresses.length) return mails;
    if (Date.now() > deadline) throw new Error(`mails to ${addresses.join(', ')} did not arrive`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
