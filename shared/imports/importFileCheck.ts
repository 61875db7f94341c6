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
  // A first row longer than the head is still a row: only its start was seen.
  const partialRow = complete ? '' : sniffed.text.slice(text.length);
  const headers = checkUserTable(headerRecord, rest.some((record) => !isBlankCells(record)) || partialRow.trim() !== '', {
    customFields,
    missingHeader: DOOR_CHECK_MESSAGES.missingHeader,
  });
  return { encoding: sniffed.encoding, delimiter, headers };
}

/**
 * The checks a CSV file and a workbook's sheet share: a header first, at least one user below
 * it, and columns that make sense. Returns the headers as an import reads them.
 */
export function checkUserTable(
  headerRecord: readonly string[],
  hasRows: boolean,
  { customFields, missingHeader }: { customFields: { key: string; label: string }[]; missingHeader: string },
): string[] {
  if (isBlankCells(headerRecord)) throw invalidInput('missing_header', missingHeader);
  const headers = headersOf(headerRecord);
  if (!hasRows) throw invalidInput('no_rows', DOOR_CHECK_MESSAGES.noRows);
  const columns = resolveColumns(headers, customFields);
  if (!columns.ok) {
    throw invalidInput('invalid_columns', `${describeColumnProblems(columns.problems)} Accepted columns: ${acceptedHeaders(customFields).join(', ')}.`, {
      problems: columns.problems,
      acceptedColumns: acceptedHeaders(customFields),
    });
  }
  return headers;
}

/** A header is a cell: an export guards one that would start a formula, so the guard comes off. */
export function headersOf(headerRecord: readonly string[]): string[] {
  return headerRecord.map((header) => stripFormulaGuard(header.trim()));
}

/** The head of a large file ends mid-row; only whole rows are checked. */
function dropPartialLastLine(text: string): string {
  const end = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
  return end > 0 ? text.slice(0, end) : text;
}
