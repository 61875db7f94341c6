import { neutraliseFormula } from '../rules/spreadsheetSafety';
import { UTF8_BOM, batchLines, csvLine } from '../csv/csvWriting';
import { ERROR_COLUMN } from '../rules/userColumns';
import type { ImportJobDocument } from '../data/importJobModel';
import { ImportRowErrorModel } from '../data/importRowErrorModel';
import { requireStoredUpload } from './uploadRetention';
import { UNDO_ERRORS_HEADER } from '../rules/undoDecision';
import { fieldLabel } from '../rules/changeReport';
import { listCustomFields } from '../directory/customFieldDirectory';

/**
 * The failed rows of a job as CSV: the file's own columns (password blank) plus an Error
 * column. Fixed in Excel, it can be uploaded as it is: imports ignore the Error column.
 * Refuses at once (not when first read) when the rows went with the upload, so the caller
 * can still answer with an error instead of a broken download.
 */
export function errorReportCsv(job: ImportJobDocument): AsyncGenerator<string> {
  requireStoredUpload(job);
  return job.kind === 'undo' ? undoReportLines(job) : reportLines(job);
}

async function* reportLines(job: ImportJobDocument): AsyncGenerator<string> {
  yield UTF8_BOM + csvLine([...job.headers.map(neutraliseRawCell), ERROR_COLUMN]);
  async function* lines() {
    const cursor = ImportRowErrorModel.find({ importId: job._id }).sort({ row: 1 }).lean().cursor({ batchSize: 1000 });
    for await (const failure of cursor) {
      const cells = job.headers.map((_header, index) => failure.cells[index] ?? '');
      yield csvLine([...cells.map(neutraliseRawCell), `Row ${failure.row}: ${failure.messages.join(' ')}`]);
    }
  }
  yield* batchLines(lines());
}

/**
 * Cells here are as the admin's file had them, guard quotes included; only a cell that would
 * start a formula gets one, so the re-uploaded file reads exactly as the original did.
 */
function neutraliseRawCell(cell: string): string {
  return cell.startsWith("'") ? cell : neutraliseFormula(cell);
}

/**
 * An undo's rows it could not fully undo (data/importJobStore.ts recordUndoProblems): one line
 * per field left as it is, naming its current value and what the undo would have written.
 */
async function* undoReportLines(job: ImportJobDocument): AsyncGenerator<string> {
  const labels = new Map((await listCustomFields()).map((field) => [field.key, field.label]));
  yield UTF8_BOM + csvLine([...UNDO_ERRORS_HEADER]);
  async function* lines() {
    const cursor = ImportRowErrorModel.find({ importId: job._id }).sort({ row: 1 }).lean().cursor({ batchSize: 1000 });
    for await (const problem of cursor) {
      const [username = '', ...triples] = problem.cells;
      const text = problem.messages.map((message, index) => {
        const [field = '', current = '', wouldWrite = ''] = triples.slice(index * 3, index * 3 + 3);
        return csvLine([String(problem.row), username, field ? fieldLabel(field, labels) : '', current, wouldWrite, message].map(neutraliseFormula));
      });
      yield text.join('');
    }
  }
  yield* batchLines(lines());
}
