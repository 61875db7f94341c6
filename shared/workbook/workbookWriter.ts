import type { PassThrough, Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { escapeOoxml } from './workbookXml';

export const WORKBOOK_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Excel's "Text" number format: what an admin later types into these columns stays text too. */
const TEXT_FORMAT = '@';
const NARROWEST_COLUMN = 8;
const WIDEST_COLUMN = 60;

/** A table to write as a workbook: its header, and its rows in batches (the first sizes the columns). */
export interface TextTable {
  sheetName: string;
  header: readonly string[];
  batches: AsyncIterator<string[][]>;
}

/**
 * Writes a table as an Excel workbook into `output`, every cell as text in Text-formatted
 * columns, so a value such as `000123`, `1234567890123456789` or `2024-01-05` is never turned
 * into a number or a date; a bold header row frozen in place; widths that fit the first batch.
 *
 * Streamed row by row with flat memory: no shared-strings table (it would hold every distinct
 * value until the end), each row committed as soon as it is added, and the next batch read only
 * once the zip and the download have taken the last one.
 */
export async function writeTextWorkbook(output: PassThrough, { sheetName, header, batches }: TextTable): Promise<void> {
  // Loaded on the first workbook written, not at start: exceljs adds 27.5 MB to a process's
  // RSS, which an API that never writes a workbook should not carry.
  const { stream } = require('exceljs') as typeof import('exceljs');
  const workbook = new stream.xlsx.WorkbookWriter({ stream: output, useSharedStrings: false, useStyles: true });
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1 }] });
  const first = await batches.next();
  const firstRows = first.done ? [] : first.value;
  // Set before the first row is committed: a streamed sheet writes its columns then.
  sheet.columns = columnWidths(header, firstRows).map((width) => ({ width, style: { numFmt: TEXT_FORMAT } }));
  const headerRow = sheet.addRow(header.map(escapeOoxml));
  headerRow.font = { bold: true };
  headerRow.commit();
  for (const cells of firstRows) addRow(sheet, cells);

  for (let next = await nextBatchWhenCaughtUp(sheet, output, batches); next; next = await nextBatchWhenCaughtUp(sheet, output, batches)) {
    for (const cells of next) addRow(sheet, cells);
  }
  if (output.destroyed) return;
  sheet.commit();
  await workbook.commit();
}

async function nextBatchWhenCaughtUp(sheet: ExcelJS.Worksheet, output: Writable, batches: AsyncIterator<string[][]>): Promise<string[][] | undefined> {
  if (!(await caughtUp(sheet, output))) return undefined;
  const next = await batches.next();
  return next.done ? undefined : next.value;
}

/** A blank CSV cell is a blank cell, not an empty text: Excel treats the two differently (ISBLANK, Go To Blanks). */
function addRow(sheet: ExcelJS.Worksheet, cells: readonly string[]): void {
  sheet.addRow(cells.map((cell) => (cell === '' ? null : escapeOoxml(cell)))).commit();
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
