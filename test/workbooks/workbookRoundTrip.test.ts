import ExcelJS from 'exceljs';
import { UserModel } from '../../shared/data/userModel';
import { downloadBytes, errorsCsv, exportCsv, importCsv, importWorkbook, uploadWorkbook, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { USER_HEADER, userWorkbook, workbookWithTypedCells } from '../support/workbookFiles';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
});
afterAll(() => service.stop());
beforeEach(async () => {
  await UserModel.deleteMany({});
});

const HEADER = 'Username,Email,First Name,Last Name,External ID,Groups,Roles\r\n';
const USERS =
  HEADER +
  'ada,ada@example.com,Ada,Lovelace,000123,,learner\r\n' +
  'alan,alan@example.com,Alan,Turing,1234567890123456789,,learner\r\n' +
  'grace,grace@example.com,Grace,Hopper,2024-01-05,,learner\r\n' +
  "mallory,mallory@example.com,'=HYPERLINK(\"x\"),Formula,007,,learner\r\n" +
  'zoe,zoe@example.com,Zoë,Ångström,,,learner\r\n';

describe('a workbook exported and uploaded again', () => {
  test('When the export is uploaded back as it was downloaded, then every user is unchanged, IDs like 000123, 1234567890123456789 and 2024-01-05 included', async () => {
    const seeded = await importCsv(service, USERS);
    expect(seeded.counts).toMatchObject({ created: 5, failed: 0 });
    const before = await exportCsv(service);
    const externalIds = Object.fromEntries((await UserModel.find({}, { username: 1, externalId: 1 }).lean()).map((user) => [user.username, user.externalId]));
    expect(externalIds).toMatchObject({ ada: '000123', alan: '1234567890123456789', grace: '2024-01-05', mallory: '007' });

    const workbook = await downloadBytes(service, '/api/users/export.xlsx');
    const again = await importWorkbook(service, workbook);

    expect(again).toMatchObject({ status: 'completed', counts: { total: 5, unchanged: 5, created: 0, updated: 0, failed: 0 } });
    expect((await exportCsv(service)).equals(before)).toBe(true);
  });

  test('When a workbook typed in a spreadsheet application holds numbers, dates and booleans, then each is imported as the text the user sees', async () => {
    const { buffer, expected } = await workbookWithTypedCells();
    const job = await importWorkbook(service, buffer);
    expect(job.counts).toMatchObject({ total: expected.length, failed: 0, created: expected.length });
    const users = await UserModel.find({}, { username: 1, externalId: 1 }).lean();
    const stored = Object.fromEntries(users.map((user) => [user.username, user.externalId]));
    expect(stored).toEqual(Object.fromEntries(expected));
  });

  test('When a workbook has failed rows, then errors.xlsx lists them with the Error column and, fixed, uploads as it is', async () => {
    const rows = [
      USER_HEADER,
      ['ok1', 'ok1@example.com', 'Ok', 'One', 'E-1'],
      ['bad', 'not-an-email', 'Bad', 'Email', 'E-2'],
      ['ok2', 'ok2@example.com', 'Ok', 'Two', '000042'],
    ];
    const first = await importWorkbook(service, await userWorkbook(rows));
    expect(first).toMatchObject({ status: 'completed_with_errors', counts: { created: 2, failed: 1 } });

    // errors.csv keeps working for a workbook import.
    const csvReport = (await errorsCsv(service, first.id)).replace(/^\uFEFF/, '').split('\r\n');
    expect(csvReport[0]).toBe(`${USER_HEADER.join(',')},Error`);
    expect(csvReport[1]).toMatch(/^bad,not-an-email,Bad,Email,E-2,"?Row 2: /);

    const report = await downloadBytes(service, `/api/imports/${first.id}/errors.xlsx`);
    const errors = new ExcelJS.Workbook();
    await errors.xlsx.load(report as unknown as Parameters<typeof errors.xlsx.load>[0]);
    const sheet = errors.worksheets[0];
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual([...USER_HEADER, 'Error']);
    expect(sheet.actualRowCount).toBe(2);
    const failed = sheet.getRow(2);
    expect(failed.getCell(1).value).toBe('bad');
    expect(String(failed.getCell(6).value)).toMatch(/^Row 2: .*Email/);

    // The admin fixes the e-mail in Excel and uploads the report as it is: the Error column is ignored.
    failed.getCell(2).value = 'bad@example.com';
    const fixed = Buffer.from(await errors.xlsx.writeBuffer());
    const second = await importWorkbook(service, fixed);
    expect(second).toMatchObject({ status: 'completed', counts: { total: 1, created: 1, failed: 0 } });
    expect(await UserModel.countDocuments({ username: 'bad', email: 'bad@example.com' })).toBe(1);
  });

  test('When a workbook import is a dry run, then running it for real reads the same sheet', async () => {
    const workbook = await userWorkbook([USER_HEADER, ['dry', 'dry@example.com', 'Dry', 'Run', '0099']]);
    const response = await uploadWorkbook(service, workbook, { dryRun: true });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ fileName: 'users.xlsx' });
    const dry = await waitForImport(service, response.body.id);
    expect(dry.counts).toMatchObject({ created: 1 });
    expect(await UserModel.countDocuments({})).toBe(0);

    const real = await service.asAdmin().post(`/api/imports/${dry.id}/run`);
    expect(real.status).toBe(202);
    await waitForImport(service, real.body.id);
    expect(await UserModel.findOne({ username: 'dry' }).lean()).toMatchObject({ externalId: '0099' });
  });
});
