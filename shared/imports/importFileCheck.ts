import Papa from 'papaparse';
import { AppError, invalidInput } from '../platform/appError';
import { detectDelimiter, isBlankCells, type CsvDelimiter } from '../csv/csvRecords';
import { DOOR_CHECK_MESSAGES } from '../rules/doorCheckMessages';
import { stripFormulaGuard } from '../rules/spreadsheetSafety';
import { sniffCsvHead, type TextEncoding } from '../csv/fileSniffing';
import { acceptedHeaders, describeColumnProblems, resolveColumns } from '../rules/userColumns';

export interface CheckedImportFile {
  encoding: TextEncoding;
  delimiter: CsvDelimiter;
  headers: string[];
}

/**
 * The door check of an upload, on its first bytes only: is it a CSV at all, how is it encoded
 * and delimited, and do its columns make sense. Refusals say what to do; nothing is queued.
 */
export function checkImportFile(head: Buffer, { complete, customFields }: { complete: boolean; customFields: { key: string; label: string }[] }): CheckedImportFile {
  const sniffed = sniffCsvHead(head, { complete });
  if (!sniffed.ok) {
    if (sniffed.reason === 'empty') throw invalidInput('empty_file', sniffed.message);
    throw new AppError('unsupported_media_type', 'not_csv', sniffed.message);
  }
  const text = complete ? sniffed.text : dropPartialLastLine(sniffed.text);
  const firstLine = text.split(/\r\n|\n|\r/, 1)[0];
  const delimiter = detectDelimiter(firstLine);
  const records = Papa.parse<string[]>(text, { delimiter, skipEmptyLines: false }).data;
  const [headerRecord = [], ...rest] = records;
  if (isBlankCells(headerRecord)) {
    throw invalidInput('missing_header', DOOR_CHECK_MESSAGES.missingHeader);
  }
  // A header is a cell: an export guards one that would start a formula, so take the guard off.
  const headers = headerRecord.map((header) => stripFormulaGuard(header.trim()));
  // A first row longer than the head is still a row: only its start was seen.
  const partialRow = complete ? '' : sniffed.text.slice(text.length);
  if (!rest.some((record) => !isBlankCells(record)) && partialRow.trim() === '') {
    throw invalidInput('no_rows', DOOR_CHECK_MESSAGES.noRows);
  }
  const columns = resolveColumns(headers, customFields);
  if (!columns.ok) {
    throw invalidInput('invalid_columns', `${describeColumnProblems(columns.problems)} Accepted columns: ${acceptedHeaders(customFields).join(', ')}.`, {
      problems: columns.problems,
      acceptedColumns: acceptedHeaders(customFields),
    });
  }
  return { encoding: sniffed.encoding, delimiter, headers };
}

/** The head of a large file ends mid-row; only whole rows are checked. */
function dropPartialLastLine(text: string): string {
  const end = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  return end > 0 ? text.slice(0, end) : text;
}
