/**
 * The support engineer's journey (issue 19), through HTTP with a running worker: why rows failed,
 * grouped by cause; re-run rules that match the roles; and corrected rows uploaded back as a
 * retry of the import, applied only where they correct a failed row.
 */
import { ImportModel } from '../../shared/data/importModel';
import { UserModel } from '../../shared/data/userModel';
import { createGroups, errorsCsv, exportCsv, importCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
  await createGroups(service, 'Sales');
});
afterAll(() => service.stop());

const HEADER = 'Email,Username,First Name,User groups,Roles';
const csv = (...rows: string[]) => `${HEADER}\n${rows.join('\n')}\n`;

/** Uploads the corrected rows as a support engineer would, and waits for the retry to end. */
function uploadCorrections(importId: string, content: string, as: 'admin' | 'support' = 'support', fields: Record<string, string> = {}) {
  const request = (as === 'admin' ? service.asAdmin() : service.asSupport()).post(`/api/imports/${importId}/retry`);
  for (const [name, value] of Object.entries(fields)) request.field(name, value);
  return request.attach('file', Buffer.from(content, 'utf8'), { filename: 'failed-rows.csv', contentType: 'text/csv' });
}

describe('why rows failed, on the import', () => {
  test('When most rows fail for one missing group, then the report groups the failures by cause, most rows first, with what to do', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `user${i}@example.com,user${i},,marketing,`);
    rows.push('bad@@example.com,bad,,,', 'worse@@example.com,worse,,,', 'role@example.com,role,,,Owner');
    const job = await importCsv(service, csv(...rows));
    expect(job.counts).toMatchObject({ total: 33, created: 0, failed: 33 });

    const report = (await service.asSupport().get(`/api/imports/${job.id}`).expect(200)).body;
    expect(report.failureCauses).toEqual([
      {
        cause: 'unknown_group:marketing',
        rows: 30,
        summary: 'group "marketing" does not exist',
        action: 'create it under Groups & fields (or fix the spelling: names must match exactly), then Retry failed rows',
      },
      expect.objectContaining({ cause: 'invalid_email', rows: 2, summary: 'the email is not a valid address' }),
      expect.objectContaining({ cause: 'unknown_role:Owner', rows: 1, summary: '"Owner" is not a role' }),
    ]);
    expect(report.moreFailureCauses).toBe(0);
    // Counted once and kept on the import: the next poll reads them back.
    expect((await ImportModel.findById(job.id).lean())?.failureCauses?.shown).toHaveLength(3);
  });

  test('When an import is still running or had no failures, then its report has no causes', async () => {
    const job = await importCsv(service, csv('fine@example.com,fine,,Sales,'));
    expect((await service.asAdmin().get(`/api/imports/${job.id}`)).body.failureCauses).toBeUndefined();
  });
});

describe('re-run rules that match the roles', () => {
  test('When an admin undid an import, then nobody can re-run it, its failed rows or corrections of them (409 import_undone)', async () => {
    const job = await importCsv(service, csv('undone@example.com,undone,,Sales,', 'lost@example.com,lost,,Nowhere,'));
    const undo = await service.asAdmin().post(`/api/imports/${job.id}/undo`).expect(202);
    await waitForImport(service, undo.body.id);

    for (const agent of [service.asSupport(), service.asAdmin()]) {
      const whole = await agent.post(`/api/imports/${job.id}/retry`);
      expect(whole.status).toBe(409);
      expect(whole.body.error).toMatchObject({ code: 'import_undone', message: expect.stringContaining('an admin can upload the file again') });
    }
    const failedOnly = await service.asSupport().post(`/api/imports/${job.id}/retry`).send({ only: 'failed' });
    expect(failedOnly.body.error?.code).toBe('import_undone');
    const corrected = await uploadCorrections(job.id, `${HEADER},Error\nlost@example.com,lost,,Sales,,Row 2: x\n`);
    expect(corrected.status).toBe(409);
    expect(corrected.body.error.code).toBe('import_undone');
    expect(await UserModel.exists({ usernameKey: 'undone' })).toBeNull();
    expect(await ImportModel.countDocuments({ retryOf: job.id })).toBe(0);
  });

  test('When support asks to re-run a whole file, then it is refused (403); retrying the failed rows works', async () => {
    const job = await importCsv(service, csv('sup@example.com,sup,,Sales,', 'supfail@example.com,supfail,,Nowhere,'));
    const whole = await service.asSupport().post(`/api/imports/${job.id}/retry`);
    expect(whole.status).toBe(403);
    expect(whole.body.error.code).toBe('rerun_needs_admin');
    const failed = await service.asSupport().post(`/api/imports/${job.id}/retry`).send({ only: 'failed' }).expect(202);
    expect((await waitForImport(service, failed.body.id)).counts).toMatchObject({ total: 1, failed: 1 });
    const byAdmin = await service.asAdmin().post(`/api/imports/${job.id}/retry`).expect(202);
    expect((await waitForImport(service, byAdmin.body.id)).counts).toMatchObject({ total: 2, unchanged: 1, failed: 1 });
  });
});

describe('retry with corrections', () => {
  test('When support uploads the failed rows file with the rows fixed, then exactly the fixed rows are applied, the others fail saying why, and undoing the retry restores', async () => {
    const before = await exportCsv(service);
    const job = await importCsv(service, csv(
      'ok1@example.com,ok1,,Sales,',
      'fix1@example.com,fix1,,Saless,',
      'fix2@@example.com,,,Sales,',
      'fix3@example.com,fix3,Fix,Sales,Owner',
      'keep@example.com,keep,,Nope,',
    ));
    expect(job.counts).toMatchObject({ created: 1, failed: 4 });
    const errors = await errorsCsv(service, job.id);
    expect(errors).toContain('"Row 2: Unknown group ""Saless""');

    // The downloaded file, corrected in Excel: three rows fixed, one left as it was, one row of a
    // user that did not fail (ok1: a change support may not make), one new user, one row twice.
    const corrected = [
      `${HEADER},Error`,
      'fix1@example.com,fix1,,Sales,,Row 2: Unknown group "Saless": fixed',
      'fix2@example.com,,,Sales,,Row 3: Email "fix2@@example.com" is not a valid address',
      'fix3@example.com,fix3,Fix,Sales,Reviewer,',
      'keep@example.com,keep,,Nope,,Row 5: Unknown group "Nope"',
      'ok1@example.com,ok1,Hacked,Sales,Admin,Row 1: made up',
      'new@example.com,new,,Sales,Admin,',
      'fix1@example.com,fix1,Again,Sales,,Row 2: twice',
    ].join('\n');
    const response = await uploadCorrections(job.id, corrected);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ retryOf: job.id, correctsImport: job.id, settings: job.settings, requestedBy: 'support' });
    const retry = await waitForImport(service, response.body.id);
    expect(retry.counts).toMatchObject({ total: 7, created: 3, updated: 0, failed: 4 });

    expect(await UserModel.findOne({ usernameKey: 'fix2@example.com' }, { email: 1 }).lean()).toMatchObject({ email: 'fix2@example.com' });
    expect((await UserModel.findOne({ usernameKey: 'fix3' }).lean())?.roles).toContain('Reviewer');
    expect((await UserModel.findOne({ usernameKey: 'ok1' }).lean())?.firstName).toBeUndefined();
    expect(await UserModel.exists({ usernameKey: 'new' })).toBeNull();

    const retryErrors = await errorsCsv(service, retry.id);
    const lines = retryErrors.replace(/^\uFEFF/, '').trim().split('\r\n');
    // One Error column, not the uploaded file's plus a new one: the report uploads back again.
    expect(lines[0]).toBe(`${HEADER},Error`);
    expect(lines.slice(1).map((line) => /"?Row (\d+):/.exec(line)?.[1])).toEqual(['4', '5', '6', '7']);
    expect(retryErrors).toContain("Row 5: This row's Error cell names row 1, which did not fail in the import it corrects");
    expect(retryErrors).toContain('no failed row of the import it corrects is for ""new""');
    expect(retryErrors).toContain('Row 2 of the import it corrects is already corrected by row 1 of this file');
    const causes = (await service.asSupport().get(`/api/imports/${retry.id}`)).body.failureCauses;
    expect(causes.map((cause: { cause: string; rows: number }) => [cause.cause, cause.rows])).toEqual([
      ['not_a_failed_row', 2],
      ['failed_row_corrected_twice', 1],
      ['unknown_group:Nope', 1],
    ]);

    // Listed as a retry of the import, and undone like any import.
    const listed = (await service.asSupport().get('/api/imports?limit=5')).body.items.find((item: { id: string }) => item.id === retry.id);
    expect(listed).toMatchObject({ retryOf: job.id, correctsImport: job.id });
    const undo = await service.asAdmin().post(`/api/imports/${retry.id}/undo`).expect(202);
    expect((await waitForImport(service, undo.body.id)).counts).toMatchObject({ removed: 3 });
    const undoOriginal = await service.asAdmin().post(`/api/imports/${job.id}/undo`).expect(202);
    await waitForImport(service, undoOriginal.body.id);
    expect(await exportCsv(service)).toEqual(before);
  });

  test('When a row names another user than the failed row it corrects, then it is refused, unless the username or email was what failed', async () => {
    const job = await importCsv(service, csv('idn@example.com,idn,,Nowhere,', 'dup@example.com,dup,,Sales,', 'dup2@example.com,dup,,Sales,'));
    expect(job.counts).toMatchObject({ created: 1, failed: 2 });
    const retry = await waitForImport(service, (await uploadCorrections(job.id, [
      `${HEADER},Error`,
      'ok1@example.com,ok1,Renamed,Sales,,Row 1: Unknown group "Nowhere"',
      'dup2@example.com,dup2,,Sales,,Row 3: Username "dup" is already in row 2',
    ].join('\n')).expect(202)).body.id);
    expect(retry.counts).toMatchObject({ created: 1, failed: 1 });
    expect(await errorsCsv(service, retry.id)).toContain('which was for ""idn"", but it names ""ok1""');
    expect(await UserModel.exists({ usernameKey: 'dup2' })).not.toBeNull();
  });

  test('When corrected rows are uploaded as a dry run, then nothing is written and Run for real applies them as corrections', async () => {
    const job = await importCsv(service, csv('dry@example.com,dry,,Nowhere,'));
    const response = await uploadCorrections(job.id, `${HEADER},Error\ndry@example.com,dry,,Sales,,Row 1: x\nother@example.com,other,,Sales,,\n`, 'admin', { dryRun: 'true' }).expect(202);
    const dryRun = await waitForImport(service, response.body.id);
    expect(dryRun.counts).toMatchObject({ created: 1, failed: 1 });
    expect(await UserModel.exists({ usernameKey: 'dry' })).toBeNull();
    const real = await waitForImport(service, (await service.asAdmin().post(`/api/imports/${dryRun.id}/run`).expect(202)).body.id);
    expect(real).toMatchObject({ correctsImport: job.id, counts: { created: 1, failed: 1 } });
    expect(await UserModel.exists({ usernameKey: 'other' })).toBeNull();
  });

  test.each([
    ['no file part', (id: string) => service.asSupport().post(`/api/imports/${id}/retry`).field('dryRun', 'false'), 400, 'missing_file'],
    ['a setting other than dryRun', (id: string) => service.asSupport().post(`/api/imports/${id}/retry`).field('groupsMode', 'replace').attach('file', Buffer.from(`${HEADER}\na@example.com,a,,,\n`), 'f.csv'), 400, 'invalid_settings'],
    ['a file the door refuses', (id: string) => service.asSupport().post(`/api/imports/${id}/retry`).attach('file', Buffer.from('Name\nx\n'), 'f.csv'), 400, 'invalid_columns'],
  ])('When corrected rows come with %s, then it is refused with what to do and nothing is kept', async (_, send, status, code) => {
    const job = await importCsv(service, csv('refuse@example.com,refuse,,Nowhere,'));
    const filesBefore = await service.runtime.importQueue.count();
    const response = await send(job.id);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(await ImportModel.countDocuments({ retryOf: job.id })).toBe(0);
    expect(await service.runtime.importQueue.count()).toBe(filesBefore);
  });

  test('When the import had no failed rows, was a dry run, or is an undo, then corrections are refused (409)', async () => {
    const clean = await importCsv(service, csv('clean@example.com,clean,,Sales,'));
    const dry = await importCsv(service, csv('dryx@example.com,dryx,,Nowhere,'), { dryRun: true });
    const file = `${HEADER},Error\nclean@example.com,clean,,Sales,,Row 1: x\n`;
    expect((await uploadCorrections(clean.id, file)).body.error.code).toBe('no_failed_rows');
    expect((await uploadCorrections(dry.id, file)).body.error.code).toBe('dry_run_not_correctable');
  });
});
