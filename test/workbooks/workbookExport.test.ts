import type { IncomingMessage } from 'node:http';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { UserModel } from '../../shared/data/userModel';
import { exportHeader } from '../../shared/rules/exportRow';
import { createGroups, exportCsv, importCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
});
afterAll(() => service.stop());

const WORKBOOK_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

async function downloadWorkbook(): Promise<{ response: { status: number; headers: Record<string, string> }; sheet: ExcelJS.Worksheet }> {
  const response = await service.asAdmin().get('/api/users/export.xlsx').buffer(true).parse((res, done) => {
    const parts: Buffer[] = [];
    res.on('data', (part: Buffer) => parts.push(part));
    res.on('end', () => done(null, Buffer.concat(parts)));
  });
  expect(response.status).toBe(200);
  const workbook = new ExcelJS.Workbook();
  // exceljs declares its own Buffer type, which Node's Buffer no longer matches.
  await workbook.xlsx.load(response.body as Parameters<typeof workbook.xlsx.load>[0]);
  expect(workbook.worksheets).toHaveLength(1);
  return { response, sheet: workbook.worksheets[0] };
}

/** A row's cells as text, in the header's columns; a cell left blank reads as ''. */
function rowCells(sheet: ExcelJS.Worksheet, rowNumber: number, width: number): string[] {
  const row = sheet.getRow(rowNumber);
  return Array.from({ length: width }, (_, index) => {
    const cell = row.getCell(index + 1);
    if (cell.type === ExcelJS.ValueType.Null) return '';
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    return cell.value as string;
  });
}

async function csvRows(): Promise<string[][]> {
  const text = (await exportCsv(service)).toString('utf8').replace(/^\uFEFF/, '');
  return Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
}

describe('the user export as an Excel workbook', () => {
  test('When the directory has no users, then the workbook holds the header row only', async () => {
    const { response, sheet } = await downloadWorkbook();
    expect(response.headers['content-type']).toBe(WORKBOOK_TYPE);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="?users-\d{4}-\d{2}-\d{2}-\d{6}\.xlsx"?$/);
    expect(sheet.actualRowCount).toBe(1);
    expect(rowCells(sheet, 1, exportHeader([]).length)).toEqual(exportHeader([]));
  });

  test('When a support key or no key asks for it, then it is 403 or 401 and no workbook', async () => {
    const forbidden = await service.asSupport().get('/api/users/export.xlsx');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
    expect((await service.anonymous().get('/api/users/export.xlsx')).status).toBe(401);
  });

  describe('with users whose IDs Excel would damage', () => {
    let csv: string[][];
    let sheet: ExcelJS.Worksheet;
    beforeAll(async () => {
      await createGroups(service, 'Engineering', 'Research');
      await service.asAdmin().post('/api/custom-fields').send({ key: 'costcentre', label: 'Cost centre' });
      const job = await importCsv(
        service,
        [
          'Email,Username,First Name,Last Name,User groups,Roles,External ID,Cost centre',
          'zeros@example.com,zeros,Zoe,Zeros,Engineering,Reviewer,000123,0042',
          'long@example.com,long,Lon,Long,Engineering; Research,Reviewer; Facilitator,1234567890123456789,1E5',
          'date@example.com,date,Dee,Date,,,2024-01-05,01/02/2024',
          `formula@example.com,formula,"'=HYPERLINK(""http://x"")",'+1,Research,,,'-3`,
        ].join('\r\n'),
      );
      expect(job.counts).toMatchObject({ created: 4, failed: 0 });
      csv = await csvRows();
      ({ sheet } = await downloadWorkbook());
    });

    test('When the workbook is read back, then every row equals the CSV export row, cell by cell, and in the same order', () => {
      expect(sheet.actualRowCount).toBe(csv.length);
      csv.forEach((cells, index) => expect(rowCells(sheet, index + 1, cells.length)).toEqual(cells));
    });

    test('When an External ID is 000123, 1234567890123456789 or 2024-01-05, then its cell is text with exactly those characters', () => {
      const column = csv[0].indexOf('External ID') + 1;
      const ids = [2, 3, 4].map((row) => sheet.getRow(row).getCell(column));
      expect(ids.map((cell) => cell.type)).toEqual([ExcelJS.ValueType.String, ExcelJS.ValueType.String, ExcelJS.ValueType.String]);
      expect(ids.map((cell) => cell.value)).toEqual(['000123', '1234567890123456789', '2024-01-05']);
    });

    test('When a first name starts with =, then its cell is text with the same guard as the CSV export, never a formula', () => {
      const cell = sheet.getRow(5).getCell(csv[0].indexOf('First Name') + 1);
      expect(cell.type).toBe(ExcelJS.ValueType.String);
      expect(cell.value).toBe(`'=HYPERLINK("http://x")`);
      expect(cell.formula).toBeUndefined();
    });

    test('When the workbook is opened, then the header row is bold and frozen and every column is formatted as Text', () => {
      expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      sheet.getRow(1).eachCell((cell) => expect(cell.font?.bold).toBe(true));
      for (let column = 1; column <= csv[0].length; column += 1) {
        expect(sheet.getColumn(column).numFmt).toBe('@');
        for (let row = 2; row <= csv.length; row += 1) expect(sheet.getRow(row).getCell(column).numFmt).toBe('@');
      }
    });

    test('When the values are short or long, then the columns fit the header and the values, up to a cap', () => {
      const widths = csv[0].map((_, index) => sheet.getColumn(index + 1).width ?? 0);
      csv[0].forEach((label, index) => expect(widths[index]).toBeGreaterThan(label.length));
      expect(widths[csv[0].indexOf('Email')]).toBeGreaterThan('formula@example.com'.length);
      expect(Math.max(...widths)).toBeLessThanOrEqual(60);
    });
  });

  test('When the directory holds more users than one cursor batch, then every user is in the workbook, as in the CSV export', async () => {
    const users = Array.from({ length: 2_500 }, (_, index) => ({
      username: `bulk${index}`,
      usernameKey: `bulk${index}`,
      email: `bulk${index}@example.com`,
      firstName: index === 2_400 ? 'x'.repeat(200) : `First ${index}`,
      externalId: String(index).padStart(8, '0'),
    }));
    await UserModel.insertMany(users);
    const csv = await csvRows();
    const { sheet } = await downloadWorkbook();
    expect(sheet.actualRowCount).toBe(csv.length);
    csv.forEach((cells, index) => expect(rowCells(sheet, index + 1, cells.length)).toEqual(cells));
    // Widths come from the first batch: the long name further down is not measured.
    expect(sheet.getColumn(csv[0].indexOf('First Name') + 1).width).toBeLessThan(60);
  });

  test('When a download is abandoned part-way, then the export stops and the next one is whole', async () => {
    const abandoned = await service.asAdmin().get('/api/users/export.xlsx').buffer(true).parse((res, done) => {
      res.once('data', () => {
        (res as unknown as IncomingMessage).destroy();
        done(null, null);
      });
    });
    expect(abandoned.status).toBe(200);
    const csv = await csvRows();
    const { sheet } = await downloadWorkbook();
    expect(sheet.actualRowCount).toBe(csv.length);
  });
});
