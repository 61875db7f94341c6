/**
 * Properties of the CSV reader over generated text (fast-check): whatever the bytes, reading
 * never throws, accounts for every line exactly once, does not depend on how the text arrives
 * in pieces, and does work linear in the text.
 */
import fc from 'fast-check';
import { CsvRecordSplitter, type CsvRecord } from './csvRecordSplitter';
import { csvLine } from './csvWriting';

const PROPERTY_RUNS = 500;
/** Each run reads up to 1.5 MB, large enough to cross the 64 KiB and 1 MiB limits. */
const LINEAR_RUNS = 30;

function split(text: string, pieceSize: number): { records: CsvRecord[]; parsedChars: number } {
  const splitter = new CsvRecordSplitter(',');
  const records: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += pieceSize) for (const record of splitter.push(text.slice(i, i + pieceSize))) records.push(record);
  for (const record of splitter.end()) records.push(record);
  return { records, parsedChars: splitter.parsedChars };
}

/** Lines as a spreadsheet counts them: a final line break does not start another row. */
function lineCount(text: string): number {
  const normalised = text.replace(/\r\n?/g, '\n');
  if (normalised === '') return 0;
  const breaks = normalised.split('\n').length - 1;
  return normalised.endsWith('\n') ? breaks : breaks + 1;
}

/** Each record stands for one line plus one per line break kept inside its cells. */
const linesOf = (records: CsvRecord[]) => records.reduce((sum, record) => sum + 1 + record.cells.join('').split('\n').length - 1, 0);

/** Text made of what breaks CSV readers: quotes, delimiters, every kind of line break, blanks. */
const hostileText = fc
  .array(fc.oneof(fc.constantFrom('"', '""', ',', ';', '\n', '\r', '\r\n', ' ', '\t', 'a', 'é', '\u0007', '\uFFFD', 'x@example.com'), fc.string({ maxLength: 8 })), { maxLength: 300 })
  .map((parts) => parts.join(''));
const pieceSize = fc.integer({ min: 1, max: 300 });

describe('reading any text as CSV records', () => {
  test('never throws, and every line of the text is in exactly one record', () => {
    fc.assert(
      fc.property(hostileText, pieceSize, (text, size) => {
        expect(linesOf(split(text, size).records)).toBe(lineCount(text));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  test('the records do not depend on how the text arrives in pieces', () => {
    fc.assert(
      fc.property(hostileText, pieceSize, (text, size) => {
        expect(split(text, size).records).toEqual(split(text, text.length + 1).records);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  test('the parser reads each character at most four times, whatever the text (linear work, counted not timed)', () => {
    // Repeated so that the limits (64 KiB quoted, 1 MiB per line) come into play.
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 100_000, max: 1_500_000 }), fc.constantFrom(4096, 65_536, 261_120), (text, length, size) => {
        const long = text.repeat(Math.ceil(length / Math.max(1, text.length)));
        expect(split(long, size).parsedChars).toBeLessThanOrEqual(4 * long.length + 2 * 65_536);
      }),
      { numRuns: LINEAR_RUNS },
    );
  });

  test('a table written as CSV is read back cell for cell', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', ' ', ',', ';', '"', '\n', 'é', '😀', '=', "'"), maxLength: 12 });
    const table = fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(table, pieceSize, (rows, size) => {
        const text = rows.map((cells) => csvLine(cells)).join('');
        expect(split(text, size).records).toEqual(rows.map((cells) => ({ cells })));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
