import iconv from 'iconv-lite';
import Papa from 'papaparse';
import type { Readable } from 'node:stream';
import { CsvRecordSplitter, type CsvDelimiter, type CsvRecord } from './csvRecordSplitter';
import type { TextEncoding } from './fileSniffing';

export type { CsvDelimiter, CsvRecord, UnreadableReason } from './csvRecordSplitter';

export interface ReadCsvOptions {
  /** Sees every raw chunk before it is decoded, e.g. to gather evidence of the encoding. */
  onBytes?: (chunk: Buffer) => void;
}

/**
 * Streams CSV records (header included) out of raw bytes: decoded with the file's encoding and
 * split by CsvRecordSplitter, pulling the next chunk only when the records of the last one are
 * taken, so a bounded piece of the file is in memory whatever its size or shape.
 */
export async function* readCsvRecords(bytes: Readable, encoding: TextEncoding, delimiter: CsvDelimiter, options: ReadCsvOptions = {}): AsyncGenerator<CsvRecord> {
  // iconv-lite drops a leading UTF-8 BOM, so headers never start with U+FEFF.
  const decoder = iconv.getDecoder(encoding);
  const splitter = new CsvRecordSplitter(delimiter);
  try {
    for await (const chunk of bytes as AsyncIterable<Buffer>) {
      options.onBytes?.(chunk);
      yield* splitter.push(decoder.write(chunk));
    }
    const rest = decoder.end();
    if (rest) yield* splitter.push(rest);
    yield* splitter.end();
  } finally {
    bytes.destroy();
  }
}

/**
 * Picks the delimiter from the header line: Excel in many European locales saves with `;`.
 * The one that splits the header into more cells wins; a tie keeps the comma.
 */
export function detectDelimiter(headerLine: string): CsvDelimiter {
  const count = (delimiter: CsvDelimiter) => Papa.parse<string[]>(headerLine, { delimiter, preview: 1 }).data[0]?.length ?? 0;
  return count(';') > count(',') ? ';' : ',';
}

/** A record with no content at all: Excel writes these for rows that were cleared. */
export function isBlankRecord(record: CsvRecord): boolean {
  return !record.unreadable && isBlankCells(record.cells);
}

export function isBlankCells(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}
