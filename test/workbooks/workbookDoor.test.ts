import mongoose from 'mongoose';
import { ImportModel } from '../../shared/data/importModel';
import { expectNothingKept, uploadWorkbook } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import {
  USER_HEADER,
  emptyWorkbook,
  encryptedWorkbook,
  headerOnlyWorkbook,
  legacyXlsWorkbook,
  macroWorkbook,
  notAWorkbookZip,
  truncatedWorkbook,
  userWorkbook,
  zipBomb,
} from '../support/workbookFiles';

let service: TestService;
beforeAll(async () => {
  // No worker: a refused workbook must not even reach the queue.
  service = await startTestService({});
});
afterAll(() => service.stop());

const USERS = [USER_HEADER, ['ann', 'ann@example.com', 'Ann', 'Lee', 'A-1']];

describe('the door check of a workbook upload', () => {
  test.each([
    ['an .xlsx encrypted with a password', 415, 'encrypted_workbook', 'Encrypt with Password', () => encryptedWorkbook()],
    ['an old .xls workbook', 415, 'old_workbook', 'Excel Workbook (*.xlsx)', () => legacyXlsWorkbook()],
    ['a macro-enabled .xlsm workbook', 415, 'macro_workbook', 'macros', () => macroWorkbook()],
    ['an OpenDocument spreadsheet (a zip, but no workbook)', 415, 'not_a_workbook', 'Excel Workbook (*.xlsx)', () => notAWorkbookZip()],
    ['a workbook cut off half-way', 422, 'unreadable_workbook', 'save it again', () => truncatedWorkbook()],
    ['a workbook with no data', 400, 'empty_file', 'no sheet with data', () => emptyWorkbook()],
    ['a workbook with a header and no users', 400, 'no_rows', 'no users', () => headerOnlyWorkbook(USER_HEADER)],
    ['a workbook whose row 1 is empty', 400, 'missing_header', 'Row 1 of the sheet "Users"', () => userWorkbook([[], ...USERS])],
    ['a workbook with an unknown column', 400, 'invalid_columns', 'Shoe size', () => userWorkbook([['Email', 'Shoe size'], ['ann@example.com', '42']])],
    ['a workbook with two sheets of users', 400, 'several_sheets', '"Users", "More users"', () => userWorkbook(USERS, { extraSheets: [{ name: 'More users', rows: USERS }] })],
    [
      'a workbook with two sheets, neither with the user columns',
      400,
      'several_sheets',
      'Keep only the users',
      () => userWorkbook([['Name'], ['Ann']], { extraSheets: [{ name: 'Notes', rows: [['Note'], ['x']] }] }),
    ],
  ])('When the upload is %s, then it is refused with %i, says what to do, and nothing is kept or queued', async (_name, status, code, hint, build) => {
    const response = await uploadWorkbook(service, await build());
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toContain(hint);
    await expectNothingKept(service);
  });

  test('When a workbook has a sheet of notes beside the sheet of users, then the users sheet is the one imported', async () => {
    const workbook = await userWorkbook([['Read me'], ['Upload the Users sheet']], { sheetName: 'Notes', extraSheets: [{ name: 'Users', rows: USERS }] });
    const response = await uploadWorkbook(service, workbook);
    expect(response.status).toBe(202);
    const job = await ImportModel.findById(response.body.id).lean();
    expect(job).toMatchObject({ fileFormat: 'xlsx', worksheet: { name: 'Users' }, headers: USER_HEADER });
    await ImportModel.deleteMany({});
    await service.runtime.importQueue.obliterate({ force: true });
    await mongoose.connection.db!.collection('uploads.files').deleteMany({});
    await mongoose.connection.db!.collection('uploads.chunks').deleteMany({});
  });

  test.each([
    ['declares its true size (2 GiB from 2 MB)', true, 0],
    ['claims 1,000 bytes and inflates to 2 GiB', false, 64 * 1024],
  ])('When a zip bomb %s, then it is refused after inflating almost nothing, and nothing is kept', async (_name, declaredHonestly, mostInflated) => {
    const bomb = await zipBomb({ declaredHonestly });
    // What the door inflates is counted, not timed (the bench prints the time and the memory):
    // following the bomb would inflate 2 GiB; the small parts before the sheet take a few KB.
    const before = await inflatedBytes();
    const response = await uploadWorkbook(service, bomb);
    const inflated = (await inflatedBytes()) - before;
    expect(response.status).toBe(422);
    expect(response.body.error.code).toBe('workbook_expands_too_far');
    expect(response.body.error.message).toContain('xl/worksheets/sheet1.xml');
    expect(inflated).toBeLessThan(16 * 1024 + mostInflated);
    await expectNothingKept(service);
  });
});

async function inflatedBytes(): Promise<number> {
  const metrics = await service.anonymous().get('/metrics');
  const line = /^workbook_bytes_inflated_total (\d+)/m.exec(metrics.text);
  return Number(line?.[1] ?? 0);
}
