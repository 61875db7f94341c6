import iconv from 'iconv-lite';
import { Readable } from 'node:stream';
import { detectDelimiter, isBlankRecord, readCsvRecords } from './csvRecords';

async function records(bytes: Buffer, encoding: 'utf8' | 'windows-1252', delimiter: ',' | ';', pieceSize = 7) {
  // Small pieces: records and multi-byte characters arrive split across chunks, as from GridFS.
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += pieceSize) pieces.push(bytes.subarray(i, i + pieceSize));
  const out: string[][] = [];
  for await (const record of readCsvRecords(Readable.from(pieces), encoding, delimiter)) out.push(record.cells);
  return out;
}

describe('reading CSV records from a byte stream', () => {
  test('CRLF lines, quoted commas and a quoted newline come out as the cells Excel meant', async () => {
    const csv = 'Email,First Name,Last Name\r\na@example.com,"Smith, Jr.","two\r\nlines"\r\nb@example.com,Bo,"say ""hi"""\r\n';
    expect(await records(Buffer.from(csv), 'utf8', ',')).toEqual([
      ['Email', 'First Name', 'Last Name'],
      // Excel's in-cell line breaks are LF; a CRLF inside quotes is read as one too.
      ['a@example.com', 'Smith, Jr.', 'two\nlines'],
      ['b@example.com', 'Bo', 'say "hi"'],
    ]);
  });

  test('a UTF-8 BOM is dropped and accents split across chunks survive', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Email;First Name\nzoe@example.com;Zoë Ångström\n')]);
    expect(await records(bytes, 'utf8', ';', 3)).toEqual([
      ['Email', 'First Name'],
      ['zoe@example.com', 'Zoë Ångström'],
    ]);
  });

  test('a Windows-1252 file is decoded to the right characters', async () => {
    const bytes = iconv.encode('Email,First Name\nrene@example.com,René Müller\n', 'windows-1252');
    expect(await records(bytes, 'windows-1252', ',')).toEqual([
      ['Email', 'First Name'],
      ['rene@example.com', 'René Müller'],
    ]);
  });

  test('old Mac line breaks (CR only) separate records too', async () => {
    expect(await records(Buffer.from('Email\ra@example.com\rb@example.com'), 'utf8', ',', 1)).toEqual([['Email'], ['a@example.com'], ['b@example.com']]);
  });

  test('a file without a final newline still yields its last record', async () => {
    expect(await records(Buffer.from('Email\na@example.com'), 'utf8', ',')).toEqual([['Email'], ['a@example.com']]);
  });

  test('a stream that fails mid-way makes the reader fail instead of ending quietly', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('Email\na@example.com\n'));
        this.destroy(new Error('GridFS chunk missing'));
      },
    });
    const read = async () => {
      for await (const _record of readCsvRecords(failing, 'utf8', ',')) void _record;
    };
    await expect(read()).rejects.toThrow('GridFS chunk missing');
  });
});

describe('delimiter and blank rows', () => {
  test.each([
    ['Email,Username,First Name', ','],
    ['Email;Username;First Name', ';'],
    ['Email', ','],
    ['"Name; with semicolon",Email', ','],
  ])('the header %j is split by %j', (header, expected) => {
    expect(detectDelimiter(header)).toBe(expected);
  });

  test('a row of empty cells is blank; a row with any content is not', () => {
    expect(isBlankRecord({ cells: ['', ' ', ''] })).toBe(true);
    expect(isBlankRecord({ cells: ['', 'x'] })).toBe(false);
    expect(isBlankRecord({ cells: [''], unreadable: 'too_long' })).toBe(false);
  });
});
