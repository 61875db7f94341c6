import { neutraliseFormula, stripFormulaGuard } from './spreadsheetSafety';

describe('spreadsheet formula neutralisation', () => {
  test.each([
    ['=SUM(A1:A9)', "'=SUM(A1:A9)"],
    ['+44 20 7946 0000', "'+44 20 7946 0000"],
    ['-5', "'-5"],
    ['@home', "'@home"],
    ['\tindented', "'\tindented"],
    ['\rcarriage', "'\rcarriage"],
    ["'=already guarded", "''=already guarded"],
    ["''=twice guarded", "'''=twice guarded"],
    ["O'Brien", "O'Brien"],
    ["'quoted", "'quoted"],
    ["''", "''"],
    [' =leading space', ' =leading space'],
    ['plain', 'plain'],
    ['', ''],
  ])('exporting %j writes %j', (value, exported) => {
    expect(neutraliseFormula(value)).toBe(exported);
  });

  test.each(['=1+1', '+x', '-x', '@x', '\tx', '\rx', "'=x", "''=x", "'''@x", "O'Brien", "'quoted", "''quoted", 'plain', "'", "''", ''])(
    'exporting %j and importing it again gives it back exactly',
    (value) => {
      expect(stripFormulaGuard(neutraliseFormula(value))).toBe(value);
    },
  );

  test.each([
    ["'=SUM(A1)", '=SUM(A1)'],
    ["'+1", '+1'],
    ["'-1", '-1'],
    ["'@x", '@x'],
    ["'\tx", '\tx'],
    ["'\rx", '\rx'],
    ["'Brien", "'Brien"],
    ["O'Brien", "O'Brien"],
    ["''=x", "'=x"],
    ["''x", "''x"],
    ["'", "'"],
    ['=SUM(A1)', '=SUM(A1)'],
  ])('importing %j reads %j', (cell, value) => {
    expect(stripFormulaGuard(cell)).toBe(value);
  });
});
