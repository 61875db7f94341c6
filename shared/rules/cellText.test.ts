import { cellTextProblem } from './cellText';

describe('text a cell may hold', () => {
  test.each([
    ['an ordinary name', 'José Müller', false, undefined, undefined],
    ['a tab', 'a\tb', false, undefined, undefined],
    ['a line break in a custom field (a note)', 'line one\nline two', true, undefined, undefined],
    ['a replacement character', 'Jos\uFFFD', false, 'The First Name cell has characters that could not be read', 'unreadable_characters:First Name'],
    ['a BEL', 'Be\u0007ll', false, 'control character U+0007', 'control_character:First Name'],
    ['an ESC', '\u001b[31mred', true, 'control character U+001B', 'control_character:First Name'],
    ['a NUL', 'a\u0000b', false, 'control character U+0000', 'control_character:First Name'],
    ['a DEL', 'a\u007f', false, 'control character U+007F', 'control_character:First Name'],
    ['a line break in a standard field', 'Carl\nu3@example.com,u3', false, 'runs over 2 lines', 'cell_over_lines:First Name'],
  ])('%s', (_name, value, multiline, expected, cause) => {
    const problem = cellTextProblem('First Name', value, { multiline });
    if (expected === undefined) return expect(problem).toBeUndefined();
    expect(problem?.message).toContain(expected);
    // Counted under the column it is about, so the page can say which column to fix.
    expect(problem?.causes).toEqual([cause]);
  });
});
