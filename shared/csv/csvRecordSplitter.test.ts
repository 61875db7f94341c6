import { CsvRecordSplitter, MAX_LINE_CHARS, MAX_QUOTED_CHARS, type CsvRecord } from './csvRecordSplitter';

function split(text: string, pieceSize = text.length || 1): { records: CsvRecord[]; parsedChars: number } {
  const splitter = new CsvRecordSplitter(',');
  const records: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += pieceSize) for (const record of splitter.push(text.slice(i, i + pieceSize))) records.push(record);
  for (const record of splitter.end()) records.push(record);
  return { records, parsedChars: splitter.parsedChars };
}

const rows = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `user${from + i}@example.com,User ${from + i}`);

describe('splitting CSV text into records', () => {
  test.each([
    ['plain rows', 'a,b\nc,d\n', [{ cells: ['a', 'b'] }, { cells: ['c', 'd'] }]],
    ['no final newline', 'a,b\nc,d', [{ cells: ['a', 'b'] }, { cells: ['c', 'd'] }]],
    ['blank lines keep their place', 'a\n\n\nb\n', [{ cells: ['a'] }, { cells: [''] }, { cells: [''] }, { cells: ['b'] }]],
    ['a quoted cell over two lines is one record', 'a,"x\ny"\nb,c\n', [{ cells: ['a', 'x\ny'] }, { cells: ['b', 'c'] }]],
    ['CRLF and lone CR are line breaks', 'a\r\nb\rc\r', [{ cells: ['a'] }, { cells: ['b'] }, { cells: ['c'] }]],
    ['a quote left open at the end of the file fails its line only', 'a,b\nc,"d\ne,f\n', [
      { cells: ['a', 'b'] },
      { cells: ['c', '"d'], unreadable: 'unclosed_quote' },
      { cells: ['e', 'f'] },
    ]],
    ['a quote left open on the last line, without a newline', 'a,b\nc,"d', [{ cells: ['a', 'b'] }, { cells: ['c', '"d'], unreadable: 'unclosed_quote' }]],
    ['a doubled quote inside a quoted cell is one quote', 'a,"say ""hi"""\n', [{ cells: ['a', 'say "hi"'] }]],
  ])('%s', (_name, text, expected) => {
    expect(split(text).records).toEqual(expected);
  });

  test('how the text arrives in pieces never changes the records', () => {
    const text = ['h1,h2', 'a,"x\r\ny"', '', 'b,"open', ...rows(50), 'c,"q""q"', ''].join('\r\n');
    const whole = split(text).records;
    for (const pieceSize of [1, 2, 3, 7, 64, 4096]) expect(split(text, pieceSize).records).toEqual(whole);
  });

  test('an unclosed quote in the middle of a long file fails its row and every row after it is read', () => {
    const after = rows(5000, 3);
    const text = [...rows(2), 'carl@example.com,"Carl', ...after, ''].join('\n');
    const { records } = split(text, 65536);
    expect(records).toHaveLength(3 + after.length);
    expect(records[2]).toEqual({ cells: ['carl@example.com', '"Carl'], unreadable: 'unclosed_quote' });
    expect(records.slice(3).map((record) => record.cells.join(','))).toEqual(after);
    expect(records.slice(3).every((record) => !record.unreadable)).toBe(true);
  });

  test('a quote closed only far below (past the limit) does not swallow the rows in between', () => {
    const between = rows(4000);
    const text = ['a@example.com,"Open', ...between, 'z@example.com,Closed"', ''].join('\n');
    expect(text.length).toBeGreaterThan(MAX_QUOTED_CHARS);
    const { records } = split(text, 16384);
    expect(records[0].unreadable).toBe('unclosed_quote');
    expect(records.slice(1, 1 + between.length).map((record) => record.cells.join(','))).toEqual(between);
    expect(records).toHaveLength(between.length + 2);
  });

  test('a line longer than the limit fails on its own and the next line is read', () => {
    const text = `a,b\n${'x'.repeat(2 * MAX_LINE_CHARS)}\nc,d\n`;
    expect(split(text, 100_000).records.map(({ cells, unreadable }) => ({ cells: cells.map((cell) => cell.slice(0, 10)), unreadable }))).toEqual([{ cells: ['a', 'b'], unreadable: undefined }, { cells: [], unreadable: 'too_long' }, { cells: ['c', 'd'], unreadable: undefined }]);
  });

  test.each([
    ['60,000 blank lines', `a,b\n${'\n'.repeat(60_000)}`],
    ['one quoted cell of 2 MB over many lines', `a,"${'some text\n'.repeat(200_000)}"\n`],
    ['a stray quote on every line', '"a\n'.repeat(100_000)],
    ['a quoted cell of 2 MB on one line', `a,"${'y'.repeat(2_000_000)}"\nb,c\n`],
    ['ordinary rows', `${rows(50_000).join('\n')}\n`],
    // Found by fast-check: one line of half a million quotes, never closed.
    ['one line of 535,555 quotes', '"'.repeat(535_555)],
  ])('the parser reads each character of %s at most four times', (_name, text) => {
    for (const pieceSize of [4096, 261_120]) {
      const { parsedChars } = split(text, pieceSize);
      expect(parsedChars).toBeLessThanOrEqual(4 * text.length + 2 * 65536);
    }
  });
});
