import type { ObjectId } from 'mongodb';
import { openUploadReadStream } from '../data/uploadStore';
import { isBlankRecord, readCsvRecords, type CsvDelimiter, type ReadCsvOptions, type UnreadableReason } from '../csv/csvRecords';
import type { TextEncoding } from '../csv/fileSniffing';
import { eventLoopBreaks } from '../platform/eventLoopBreaks';

export interface ImportFile {
  fileId: ObjectId;
  encoding: TextEncoding;
  delimiter: CsvDelimiter;
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
 * giving the event loop a turn every few milliseconds of reading.
 */
export async function* readDataRows(file: ImportFile, options: ReadCsvOptions = {}): AsyncGenerator<DataRow> {
  let row = -1;
  const pause = eventLoopBreaks();
  for await (const record of readCsvRecords(openUploadReadStream(file.fileId), file.encoding, file.delimiter, options)) {
    row += 1;
    const turn = pause();
    if (turn) await turn;
    if (row === 0 || isBlankRecord(record)) continue;
    yield record.unreadable ? { row, record: record.cells, unreadable: record.unreadable } : { row, record: record.cells };
  }
}
