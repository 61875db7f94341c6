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
    ["O'Brien", "O'Brien"],
    ["'quoted", "'quoted"],
    ['plain', 'plain'],
    ['', ''],
  ])('exporting %j writes %j', (value, exported) => {
    expect(neutraliseFormula(value)).toBe(exported);
  });

  test.each(["=1+1", '+x', '-x', '@x', '\tx', '\rx', "'=x", "O'Brien", "'quoted", 'plain', "'", ''])(
    'exporting %j and importing it again gives it back exactly',
    (value) => {
      expect(stripFormulaGuard(neutraliseFormula(value))).toBe(value);
    },
  );

  test.each([
    ["'=SUM(A1)", '=SUM(A1)'],
    ["'Brien", "'Brien"],
    ["''=x", "'=x"],
  ])('importing %j reads %j', (cell, value) => {
    expect(stripFormulaGuard(cell)).toBe(value);
  });
});
