import { PassThrough, type Readable } from 'node:stream';
import { neutraliseFormula } from '../rules/spreadsheetSafety';
import { UTF8_BOM, csvLines } from '../csv/csvWriting';
import { ERROR_COLUMN, errorColumnIndex } from '../rules/userColumns';
import type { ImportRecord } from '../data/importStore';
import { readRowErrors } from '../data/failedRows';
import { requireStoredUpload } from './uploadRetention';
import { UNDO_ERRORS_HEADER } from '../rules/undoDecision';
import { fieldLabel } from '../rules/changeReport';
import { listCustomFields } from '../directory/customFieldDirectory';
import { writeTextWorkbook } from '../workbook/workbookWriter';

/** Rows of a report read from MongoDB per batch, and written per batch. */
const ROWS_PER_BATCH = 1000;

interface ErrorTable {
  header: string[];
  batches: AsyncGenerator<string[][]>;
}

/**
 * The failed rows of a job as CSV: the file's own columns (password blank) plus an Error
 * column. Fixed in Excel, it can be uploaded as it is: imports ignore the Error column.
 * Refuses at once (not when first read) when the rows went with the upload, so the caller
 * can still answer with an error instead of a broken download.
 */
export function errorReportCsv(job: ImportRecord): AsyncGenerator<string> {
  requireStoredUpload(job);
  return csvOf(errorTable(job));
}

/** The same report as an Excel workbook, every cell text: fixed in Excel, it uploads as it is too. */
export function errorReportWorkbook(job: ImportRecord): Readable {
  requireStoredUpload(job);
  const output = new PassThrough();
  const table = errorTable(job);
  table
    .then(({ header, batches }) => writeTextWorkbook(output, { sheetName: 'Errors', header, batches }).finally(() => batches.return(undefined)))
    .catch((error: Error) => output.destroy(error));
  return output;
}

async function* csvOf(table: Promise<ErrorTable>): AsyncGenerator<string> {
  const { header, batches } = await table;
  yield UTF8_BOM + csvLines([header]);
  for await (const rows of batches) yield csvLines(rows);
}

async function errorTable(job: ImportRecord): Promise<ErrorTable> {
  return job.kind === 'undo' ? undoErrorTable(job) : importErrorTable(job);
}

function importErrorTable(job: ImportRecord): ErrorTable {
  // An uploaded failed rows file has an Error column of its own: its failures get a new one instead.
  const earlierErrors = errorColumnIndex(job.headers);
  const columns = job.headers.map((_header, index) => index).filter((index) => index !== earlierErrors);
  const toCells = (failure: { row: number; cells: string[]; messages: string[] }) => [
    ...columns.map((index) => neutraliseRawCell(failure.cells[index] ?? '')),
    `Row ${failure.row}: ${failure.messages.join(' ')}`,
  ];
  return { header: [...columns.map((index) => neutraliseRawCell(job.headers[index])), ERROR_COLUMN], batches: errorRowBatches(job, (failure) => [toCells(failure)]) };
}

/**
 * Cells here are as the admin's file had them, guard quotes included; only a cell that would
 * start a formula gets one, so the re-uploaded file reads exactly as the original did.
 */
function neutraliseRawCell(cell: string): string {
  return cell.startsWith("'") ? cell : neutraliseFormula(cell);
}

/**
 * An undo's rows it could not fully undo (data/failedRows.ts recordUndoProblems): one line
 * per field left as it is, naming its current value and what the undo would have written.
 */
async function undoErrorTable(job: ImportRecord): Promise<ErrorTable> {
  const labels = new Map((await listCustomFields()).map((field) => [field.key, field.label]));
  const toRows = (problem: { row: number; cells: string[]; messages: string[] }) => {
    const [username = '', ...triples] = problem.cells;
    return problem.messages.map((message, index) => {
      const [field = '', current = '', wouldWrite = ''] = triples.slice(index * 3, index * 3 + 3);
      return [String(problem.row), username, field ? fieldLabel(field, labels) : '', current, wouldWrite, message].map(neutraliseFormula);
    });
  };
  return { header: [...UNDO_ERRORS_HEADER], batches: errorRowBatches(job, toRows) };
}

async function* errorRowBatches(
  job: ImportRecord,
  toRows: (failure: { row: number; cells: string[]; messages: string[] }) => string[][],
): AsyncGenerator<string[][]> {
  let batch: string[][] = [];
  for await (const failure of readRowErrors(job._id, ROWS_PER_BATCH)) {
    batch.push(...toRows(failure));
    if (batch.length >= ROWS_PER_BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
