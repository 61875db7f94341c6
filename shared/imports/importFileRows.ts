import type { ObjectId } from 'mongodb';
import { openUploadReadStream, uploadByteRanges } from '../data/uploadStore';
import type { ImportRecord } from '../data/importStore';
import { isBlankCells, readCsvRecords, type CsvDelimiter, type ReadCsvOptions, type UnreadableReason } from '../csv/csvRecords';
import type { TextEncoding } from '../csv/fileSniffing';
import { eventLoopBreaks } from '../platform/eventLoopBreaks';
import type { WorksheetRef } from '../workbook/workbookLayout';
import { openWorkbook } from '../workbook/workbookRecords';

/** The stored upload of an import, and how the door check said to read it. */
export type ImportFile =
  | { format: 'csv'; fileId: ObjectId; encoding: TextEncoding; delimiter: CsvDelimiter }
  | { format: 'xlsx'; fileId: ObjectId; worksheet: WorksheetRef };

export function importFileOf(job: Pick<ImportRecord, 'fileId' | 'fileFormat' | 'encoding' | 'delimiter' | 'worksheet'>): ImportFile {
  if (job.fileFormat === 'xlsx') {
    if (!job.worksheet) throw new Error(`import of workbook ${String(job.fileId)} names no worksheet`);
    return { format: 'xlsx', fileId: job.fileId, worksheet: { name: job.worksheet.name, part: job.worksheet.part } };
  }
  if (!job.encoding || !job.delimiter) throw new Error(`import of CSV ${String(job.fileId)} has no encoding or delimiter`);
  return { format: 'csv', fileId: job.fileId, encoding: job.encoding, delimiter: job.delimiter };
}

export interface DataRow {
  /** 1 = first data row. Blank rows keep their number so numbers match the spreadsheet. */
  row: number;
  record: string[];
  /** Set when the reader could not make cells of the row (a quote never closed, a huge line). */
  unreadable?: UnreadableReason;
}

/**
 * Streams the data rows of a stored upload out of GridFS, header and blank rows left out,
 * giving the event loop a turn every few milliseconds of reading. A CSV and a workbook's sheet
 * give the same rows: what follows never knows which it read.
 */
export async function* readDataRows(file: ImportFile, options: ReadCsvOptions = {}): AsyncGenerator<DataRow> {
  const pause = eventLoopBreaks();
  for await (const record of file.format === 'xlsx' ? workbookRecords(file) : csvRecords(file, options)) {
    const turn = pause();
    if (turn) await turn;
    if (record.index === 0 || (!record.unreadable && isBlankCells(record.cells))) continue;
    yield record.unreadable ? { row: record.index, record: record.cells, unreadable: record.unreadable } : { row: record.index, record: record.cells };
  }
}

interface NumberedRecord {
  index: number;
  cells: string[];
  unreadable?: UnreadableReason;
}

async function* csvRecords(file: Extract<ImportFile, { format: 'csv' }>, options: ReadCsvOptions): AsyncGenerator<NumberedRecord> {
  let index = -1;
  for await (const record of readCsvRecords(openUploadReadStream(file.fileId), file.encoding, file.delimiter, options)) {
    index += 1;
    yield { index, ...record };
  }
}

async function* workbookRecords(file: Extract<ImportFile, { format: 'xlsx' }>): AsyncGenerator<NumberedRecord> {
  const workbook = await openWorkbook(await uploadByteRanges(file.fileId));
  try {
    yield* workbook.records(file.worksheet);
  } finally {
    workbook.close();
  }
}
