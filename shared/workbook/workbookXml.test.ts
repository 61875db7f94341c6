import { WorkbookReadError } from './workbookReadError';
import { escapeOoxml, partParser, unescapeOoxml } from './workbookXml';

describe('text that looks like an OOXML escape', () => {
  test.each([
    ['a name that is an escape sequence', '_x0041_'],
    ['an ID with one inside', 'ID_x005F_x'],
    ['a carriage-return escape written as text', 'a_x000D_b'],
    ['two escapes back to back', '_x0041__x0042_'],
    ['an underscore and an x that are no escape', '_x12_ and x_'],
    ['plain text', 'Ada Lovelace'],
  ])('When %s is written to a workbook and read back, then it is the same text', (_what, text) => {
    expect(unescapeOoxml(escapeOoxml(text))).toBe(text);
  });

  test.each([
    ['an escape Excel writes for a carriage return', 'a_x000D_b', 'a\rb'],
    ['an escaped underscore', '_x005F_x0041_', '_x0041_'],
    ['half of a surrogate pair, which is no character', 'A_xD800_n', 'A\uFFFDn'],
    ['a low surrogate alone', '_xDC00_', '\uFFFD'],
    ['a whole surrogate pair', '_xD83D__xDE00_', '\u{1F600}'],
  ])('When a cell holds %s, then it reads as Excel shows it', (_what, stored, text) => {
    expect(unescapeOoxml(stored)).toBe(text);
  });
});

describe('a part parsed as it streams', () => {
  test('When a text runs on for more than 1 MB without a tag, then the part is refused before the parser holds it all', () => {
    const { write } = partParser('The sheet xl/worksheets/sheet1.xml');
    write(Buffer.from('<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>'));
    const block = Buffer.alloc(64 * 1024, 'A');
    const feed = () => {
      for (let i = 0; i < 17; i += 1) write(block);
    };
    expect(feed).toThrow(WorkbookReadError);
    expect(feed).toThrow(/holds a text of more than 1 MB between two tags, and an Excel cell holds at most 32,767 characters/);
  });

  test('When many tags each hold a short text, then a long part is read whatever its size', () => {
    const { write, end, parser } = partParser('The sheet xl/worksheets/sheet1.xml');
    let texts = 0;
    parser.on('text', () => (texts += 1));
    write(Buffer.from('<sheetData>'));
    const rows = Buffer.from('<t>abc</t>'.repeat(10_000));
    for (let i = 0; i < 20; i += 1) write(rows);
    write(Buffer.from('</sheetData>'));
    end();
    expect(texts).toBe(200_000);
  });
});
