import { escapeOoxml, unescapeOoxml } from './workbookXml';

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
