import { PassThrough, type Readable, type Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { openUserExport } from './userExport';

export const WORKBOOK_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel's "Text" number format: what an admin later types into these columns stays text too. */
const TEXT_FORMAT = '@';
const NARROWEST_COLUMN = 8;
const WIDEST_COLUMN = 60;

/**
 * Every user as an Excel workbook, the export's columns in the export's order, for admins who
 * edit the export in Excel: every cell is written as text, so an External ID such as `000123`,
 * `1234567890123456789` or `2024-01-05` is never turned into a number or a date. The cells are
 * exactly the CSV export's, formula guard included.
 *
 * Streamed row by row with flat memory: no shared-strings table (it would hold every distinct
 * value until the end), each row committed as soon as it is added.
 */
export function exportUsersWorkbook(): Readable {
  const output = new PassThrough();
  writeWorkbook(output).catch((error: Error) => output.destroy(error));
  return output;
}

async function writeWorkbook(output: PassThrough): Promise<void> {
  const { header, batches } = await openUserExport();
  try {
    // Loaded on the first workbook export, not at start: exceljs adds 27.5 MB to a process's
    // RSS, which an API that never exports a workbook should not carry.
    const { stream } = require('exceljs') as typeof import('exceljs');
    const workbook = new stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: false, useStyles: true });
    const sheet = workbook.addWorksheet('Users', { views: [{ state: 'frozen', ySplit: 1 }] });
    const first = await batches.next();
    const firstRows = first.done ? [] : first.value;
    // Set before the first row is committed: a streamed sheet writes its columns then.
    sheet.columns = columnWidths(header, firstRows).map((width) => ({ width, style: { numFmt: TEXT_FORMAT } }));
    const headerRow = sheet.addRow(header);
    headerRow.font = { bold: true };
    headerRow.commit();
    for (const cells of firstRows) addUser(sheet, cells);

    for await (const rows of batches) {
      if (!(await caughtUp(sheet, output))) return;
      for (const cells of rows) addUser(sheet, cells);
    }
    sheet.commit();
    await workbook.commit();
  } finally {
    await batches.return();
  }
}

/** A blank CSV cell is a blank cell, not an empty text: Excel treats the two differently (ISBLANK, Go To Blanks). */
function addUser(sheet: ExcelJS.Worksheet, cells: readonly string[]): void {
  sheet.addRow(cells.map((cell) => (cell === '' ? null : cell))).commit();
}

/**
 * Widths that fit the header and the first batch of users: a streamed export has written its
 * columns before it reads the rest, so a longer value further down is cut off on screen (not in
 * the cell). Capped, so that one long value does not push the other columns out of sight.
 */
function columnWidths(header: readonly string[], rows: readonly string[][]): number[] {
  return header.map((label, column) => {
    const longest = rows.reduce((widest, cells) => Math.max(widest, cells[column]?.length ?? 0), label.length);
    return Math.min(WIDEST_COLUMN, Math.max(NARROWEST_COLUMN, longest + 2));
  });
}

/**
 * Resolves true once the zip has compressed what was written and the download has taken it;
 * false when the download went away. exceljs writes rows into the zip without ever waiting, so
 * without this the rows pile up uncompressed in memory (the whole sheet, measured) whenever
 * compressing or the download is slower than MongoDB.
 */
async function caughtUp(sheet: ExcelJS.Worksheet, output: Writable): Promise<boolean> {
  for (;;) {
    if (output.destroyed) return false;
    const zipInput = sheetZipInput(sheet);
    const waitingOn = zipInput?._writableState?.needDrain ? zipInput : output.writableNeedDrain ? output : undefined;
    if (!waitingOn) return true;
    await drainOrClose(waitingOn, output);
  }
}

/** A readable-stream 2 writable, as the zip library wraps the sheet in. */
interface ZipInput extends NodeJS.EventEmitter {
  _writableState?: { needDrain?: boolean };
}

/**
 * The stream the zip reads the sheet from: exceljs 4.4.0 keeps it in the sheet's `stream.pipes`
 * (not part of its types, hence the exact version in package.json). Absent, only the download's
 * backpressure is waited on.
 */
function sheetZipInput(sheet: ExcelJS.Worksheet): ZipInput | undefined {
  return (sheet as unknown as { stream?: { pipes?: ZipInput[] } }).stream?.pipes?.[0];
}

/** Either stream's drain, or the download closing (then no drain may ever come). */
function drainOrClose(draining: NodeJS.EventEmitter, output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      draining.off('drain', done);
      output.off('close', done);
      resolve();
    };
    draining.on('drain', done);
    output.on('close', done);
  });
}
