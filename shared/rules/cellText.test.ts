import { cellTextProblem } from './cellText';

describe('text a cell may hold', () => {
  test.each([
    ['an ordinary name', 'José Müller', false, undefined],
    ['a tab', 'a\tb', false, undefined],
    ['a line break in a custom field (a note)', 'line one\nline two', true, undefined],
    ['a replacement character', 'Jos\uFFFD', false, 'The First Name cell has characters that could not be read'],
    ['a BEL', 'Be\u0007ll', false, 'control character U+0007'],
    ['an ESC', '\u001b[31mred', true, 'control character U+001B'],
    ['a NUL', 'a\u0000b', false, 'control character U+0000'],
    ['a DEL', 'a\u007f', false, 'control character U+007F'],
    ['a line break in a standard field', 'Carl\nu3@example.com,u3', false, 'runs over 2 lines'],
  ])('%s', (_name, value, multiline, expected) => {
    const problem = cellTextProblem('First Name', value, { multiline });
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toContain(expected);
  });
});
