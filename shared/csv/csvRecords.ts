import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { TextEncoding } from './fileSniffing';

export type CsvDelimiter = ',' | ';';

/**
 * Streams CSV records (arrays of cells, header included) out of raw bytes: decoded with the
 * encoding found at upload, parsed by papaparse, with back-pressure all the way, so only a
 * parser buffer's worth of the file is ever in memory.
 */
export async function* readCsvRecords(bytes: Readable, encoding: TextEncoding, delimiter: CsvDelimiter): AsyncGenerator<string[]> {
  const parser = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter, skipEmptyLines: false, newline: '\n' }) as unknown as NodeJS.ReadWriteStream;
  const decoder = iconv.decodeStream(encoding);
  const failed = new Promise<never>((_, reject) => {
    bytes.once('error', reject);
    decoder.once('error', reject);
    parser.once('error', reject);
  });
  failed.catch(() => undefined);
  bytes.pipe(decoder).pipe(new LineBreakNormaliser()).pipe(parser);
  const iterator = (parser as unknown as AsyncIterable<string[]>)[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await Promise.race([iterator.next(), failed]);
      if (next.done) return;
      const record = next.value;
      // A final newline makes papaparse emit one record with a single empty cell.
      if (record.length === 1 && record[0] === '') continue;
      yield record;
    }
  } finally {
    bytes.unpipe();
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
export function isBlankRecord(record: readonly string[]): boolean {
  return record.every((cell) => cell.trim() === '');
}

/**
 * Turns CRLF and lone CR into LF. papaparse guesses the line break from its first chunk, which
 * in a stream may hold no line break at all; normalising first makes that guess unnecessary.
 */
class LineBreakNormaliser extends Transform {
  private pendingCr = false;

  constructor() {
    super({ decodeStrings: false, encoding: 'utf8' });
  }

  override _transform(chunk: string | Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let text = (this.pendingCr ? '\r' : '') + chunk.toString();
    // A CR at the end of a chunk may be the first half of a CRLF: decide with the next chunk.
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    callback(null, text.replace(/\r\n?/g, '\n'));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.pendingCr ? '\n' : '');
  }
}
