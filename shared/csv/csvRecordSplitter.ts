import Papa from 'papaparse';
import { MAX_LINE_CHARS, MAX_QUOTED_CHARS, type UnreadableReason } from '../rules/recordLimits';

export { MAX_LINE_CHARS, MAX_QUOTED_CHARS, type UnreadableReason };

export type CsvDelimiter = ',' | ';';


export interface CsvRecord {
  cells: string[];
  unreadable?: UnreadableReason;
}

/** Text is handed to papaparse in batches of at least this size. */
const MIN_BATCH_CHARS = 64 * 1024;

/**
 * Splits decoded CSV text into records, fed piece by piece, at a cost linear in the text
 * whatever its shape. papaparse parses each batch in one synchronous call (its streaming mode
 * re-slices its input on every pause, which is quadratic in rows per chunk); the record left
 * open at the end of a batch is parsed again with more text only once the text has doubled,
 * so a long record costs at most twice its length.
 *
 * A quote that is never closed would make papaparse read the rest of the file as one cell. Past
 * MAX_QUOTED_CHARS (or at the end of the file) the record's first line fails on its own and the
 * lines after it are read again. Those lines, up to where the open quote was noticed, are read
 * one line per record, so that a file full of stray quotes costs each byte at most twice.
 */
export class CsvRecordSplitter {
  /**
   * Characters handed to papaparse so far: linearity is checked on this, not on a clock. At most
   * four per character of text: twice for an open record parsed again as it doubles, once more
   * at the end of the file, once more for a line that fails on its own.
   */
  parsedChars = 0;
  private readonly parser: Papa.Parser;
  /** Text not yet split, starting at a record boundary. */
  private pending = '';
  private parseAt = MIN_BATCH_CHARS;
  /** How many characters of `pending` are to be read one line per record. */
  private lineByLine = 0;
  /** Discarding the rest of an overlong line. */
  private skippingLine = false;
  /** A CR at the end of a piece may be the first half of a CRLF. */
  private pendingCr = false;

  constructor(private readonly delimiter: CsvDelimiter) {
    this.parser = new Papa.Parser({ delimiter, newline: '\n' });
  }

  /** Feeds the next piece of text; returns the records it completed. */
  push(piece: string): CsvRecord[] {
    let text = this.normaliseLineBreaks(piece);
    if (this.skippingLine) {
      const end = text.indexOf('\n');
      if (end < 0) return [];
      this.skippingLine = false;
      text = text.slice(end + 1);
    }
    this.pending += text;
    if (this.pending.length < this.parseAt && this.lineByLine === 0) return [];
    return this.split(false);
  }

  /** The text has ended: returns the remaining records, the last one possibly unterminated. */
  end(): CsvRecord[] {
    if (this.pendingCr) {
      this.pendingCr = false;
      if (!this.skippingLine) this.pending += '\n';
    }
    this.skippingLine = false;
    return this.split(true);
  }

  private split(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    while (this.pending !== '') {
      if (this.lineByLine > 0) {
        const end = this.pending.indexOf('\n');
        if (end < 0 && !final) {
          if (this.pending.length > MAX_LINE_CHARS) this.dropOverlongLine(out);
          break;
        }
        const consumed = end < 0 ? this.pending.length : end + 1;
        out.push(this.parseLine(this.pending.slice(0, end < 0 ? consumed : end)));
        this.pending = this.pending.slice(consumed);
        this.lineByLine = Math.max(0, this.lineByLine - consumed);
        continue;
      }
      const batch = this.parse(this.pending, !final);
      const records = batch.data;
      const unterminated = final && batch.errors.some((error) => error.code === 'MissingQuotes');
      // A final line break makes papaparse add one record with one empty cell: not a row.
      if (final && !unterminated && this.pending.endsWith('\n') && records.at(-1)?.join('') === '') records.pop();
      let broken = records.findIndex(hasRunawayCell);
      if (broken < 0 && unterminated) broken = records.length - 1;
      if (broken >= 0) {
        // Only hostile or broken files get here: find where the record starts and ends.
        const start = this.cursorAfter(this.pending, broken);
        const end = broken + 1 < records.length ? this.cursorAfter(this.pending, broken + 1) : final ? this.pending.length : batch.meta.cursor;
        for (let i = 0; i < broken; i += 1) out.push({ cells: records[i] });
        this.pending = this.pending.slice(start);
        this.failFirstLine(out, end - start);
        continue;
      }
      for (const cells of records) out.push({ cells });
      if (final) {
        this.pending = '';
        break;
      }
      this.pending = this.pending.slice(batch.meta.cursor);
      if (this.pending.length > MAX_QUOTED_CHARS && this.pending.includes('\n')) {
        this.failFirstLine(out, this.pending.length);
        continue;
      }
      if (this.pending.length > MAX_LINE_CHARS) this.dropOverlongLine(out);
      break;
    }
    // Parse again once the open record has doubled (linear), but judge a line by MAX_LINE_CHARS.
    this.parseAt = Math.min(Math.max(MIN_BATCH_CHARS, 2 * this.pending.length), MAX_LINE_CHARS + 1);
    return out;
  }

  /** Where the record after the first `records` of `text` starts. */
  private cursorAfter(text: string, records: number): number {
    if (records === 0) return 0;
    let seen = 0;
    let cursor = 0;
    const parser: Papa.Parser = new Papa.Parser({
      delimiter: this.delimiter,
      newline: '\n',
      step: (result: Papa.ParseStepResult<string[]>) => {
        seen += 1;
        cursor = result.meta.cursor;
        if (seen === records) parser.abort();
      },
    });
    this.parsedChars += text.length;
    parser.parse(text, 0, false);
    return cursor;
  }

  /** The record open at the start of `pending` never closes its quote: fail its first line. */
  private failFirstLine(out: CsvRecord[], scanned: number): void {
    const end = this.pending.indexOf('\n');
    const line = end < 0 ? this.pending : this.pending.slice(0, end);
    out.push({ ...this.parseLine(line), unreadable: 'unclosed_quote' });
    const consumed = end < 0 ? this.pending.length : end + 1;
    this.pending = this.pending.slice(consumed);
    this.lineByLine = scanned - consumed;
  }

  private dropOverlongLine(out: CsvRecord[]): void {
    const end = this.pending.indexOf('\n');
    out.push({ cells: [], unreadable: 'too_long' });
    if (end >= 0) {
      this.pending = this.pending.slice(end + 1);
      this.lineByLine = Math.max(0, this.lineByLine - end - 1);
      return;
    }
    this.pending = '';
    this.lineByLine = 0;
    this.skippingLine = true;
  }

  /** One line as one record; a quote it leaves open keeps its opening quote mark in the cell. */
  private parseLine(line: string): CsvRecord {
    // What papaparse does with a line without quotes, without its per-call cost.
    if (!line.includes('"')) {
      this.parsedChars += line.length;
      return { cells: line.split(this.delimiter) };
    }
    const result = this.parse(line, false);
    const cells = result.data[0] ?? [''];
    if (!result.errors.some((error) => error.code === 'MissingQuotes')) return { cells };
    cells[cells.length - 1] = `"${cells[cells.length - 1]}`;
    return { cells, unreadable: 'unclosed_quote' };
  }

  private parse(text: string, leaveLastRecord: boolean): Papa.ParseResult<string[]> {
    this.parsedChars += text.length;
    return this.parser.parse(text, 0, leaveLastRecord) as Papa.ParseResult<string[]>;
  }

  private normaliseLineBreaks(piece: string): string {
    let text = this.pendingCr ? `\r${piece}` : piece;
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  }
}

/** A cell over several lines and past the limit: a quote that ran on, swallowing rows. */
function hasRunawayCell(cells: string[]): boolean {
  return cells.some((cell) => cell.length > MAX_QUOTED_CHARS && cell.includes('\n'));
}
