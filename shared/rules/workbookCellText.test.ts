import { cellDisplayText, dateText, isDateFormatCode, numberFormatKind, numberText, type CellType, type NumberFormatKind } from './workbookCellText';

describe('a number cell reads as Excel shows it', () => {
  test.each([
    ['an External ID typed as a number 000123 shows as 123 (Excel dropped the zeros when it was typed)', '123', '123'],
    ['a 19-digit number stored as 1.2345678901234568E+18 reads as 1234567890123460000 (Excel keeps 15 digits), not 1.23E+18', '1.2345678901234568E+18', '1234567890123460000'],
    ['a sum stored as 0.30000000000000004 reads as 0.3', '0.30000000000000004', '0.3'],
    ['a small negative stored as -1E-3 reads as -0.001', '-1E-3', '-0.001'],
    ['a whole number stored as 42.0 has no trailing .0', '42.0', '42'],
    ['a number stored with a lower-case exponent 1.5e2 reads as 150', '1.5e2', '150'],
    ['a number far above 1e21 still reads in full digits', '1E+22', '10000000000000000000000'],
    ['a tiny number reads with its leading zeros', '1.25E-7', '0.000000125'],
    ['rounding 16 nines carries into a new digit', '9999999999999999', '10000000000000000'],
    ['rounding is half away from zero on the digits, not on a float', '-0.1234567890123455', '-0.123456789012346'],
    ['a digit below five rounds down', '2.0000000000000004', '2'],
    ['zero stays 0', '0', '0'],
    ['negative zero reads as 0', '-0', '0'],
    ['a fraction without a leading digit reads with one', '.5', '0.5'],
    ['a stored value that is not a number is shown as it is', 'abc', 'abc'],
    ['the largest double reads in its 309 digits', '1.7976931348623157E+308', `179769313486232${'0'.repeat(294)}`],
    ['an exponent no double holds (1e999999999) is kept as written, never a billion zeros', '1e999999999', '1e999999999'],
    ['a negative exponent below any double (1e-999999999) reads as 0', '1e-999999999', '0'],
  ])('%s', (_behaviour, stored, shown) => {
    expect(numberText(stored)).toBe(shown);
  });
});

describe('a date serial reads as a date', () => {
  test.each([
    ['2024-01-05 stored as date serial 45296 reads 2024-01-05', 45296, false, '2024-01-05'],
    ['noon on 2024-01-05 reads with its time', 45296.5, false, '2024-01-05 12:00:00'],
    ['a time a hair below a whole second rounds to that second', 45296 + (10 * 3600 + 20 * 60 + 30) / 86400 - 1e-9, false, '2024-01-05 10:20:30'],
    ['a time a hair below midnight rounds into the next day', 45296.9999999999, false, '2024-01-06'],
    ['serial 1 is 1900-01-01', 1, false, '1900-01-01'],
    ['serial 59 is 1900-02-28', 59, false, '1900-02-28'],
    ['serial 60 is the 1900-02-29 that Excel invented (Lotus compatibility)', 60, false, '1900-02-29'],
    ['serial 61 is 1900-03-01, one day after what counting would give', 61, false, '1900-03-01'],
    ['serial 0 reads as Excel shows it, 1900-01-00', 0, false, '1900-01-00'],
    ['a pure time (serial below 1) keeps its time', 0.25, false, '1900-01-00 06:00:00'],
    ['the last day Excel knows, 9999-12-31', 2958465, false, '9999-12-31'],
    ['in the 1904 system, serial 0 is 1904-01-01', 0, true, '1904-01-01'],
    ['in the 1904 system, 2024-01-05 is serial 43834', 43834, true, '2024-01-05'],
    ['a negative serial is no date and reads as the number', -1, false, '-1'],
  ])('%s', (_behaviour, serial, date1904, shown) => {
    expect(dateText(serial, date1904)).toBe(shown);
  });
});

describe('which number formats show dates', () => {
  test.each([
    ['built-in format 14 (m/d/yyyy) is a date', 14, undefined, 'date'],
    ['built-in format 22 (m/d/yyyy h:mm) is a date', 22, undefined, 'date'],
    ['built-in format 45 (mm:ss) is a time', 45, undefined, 'date'],
    ['built-in format 27 (an East Asian date) is a date', 27, undefined, 'date'],
    ['built-in format 58 is a date', 58, undefined, 'date'],
    ['built-in format 0 (General) is general', 0, undefined, 'general'],
    ['built-in format 2 (0.00) is general', 2, undefined, 'general'],
    ['built-in format 23 is not one of the date formats', 23, undefined, 'general'],
    ['built-in format 49 (@) is text', 49, undefined, 'text'],
    ['a custom yyyy-mm-dd is a date', 164, 'yyyy-mm-dd', 'date'],
    ['a custom @ is text', 164, '@', 'text'],
    ['a custom 0.00 is general', 165, '0.00', 'general'],
    ['a written code wins over the built-in id', 14, '0', 'general'],
  ] as [string, number, string | undefined, NumberFormatKind][])('%s', (_behaviour, id, code, kind) => {
    expect(numberFormatKind(id, code)).toBe(kind);
  });

  test.each([
    ['[h]:mm (elapsed hours) shows a time', '[h]:mm', true],
    ['[ss] (elapsed seconds) shows a time', '[ss]', true],
    ['dd/mm/yyyy shows a date', 'dd/mm/yyyy', true],
    ['[$-409]mmmm d, yyyy (a locale bracket) shows a date', '[$-409]mmmm d, yyyy', true],
    ['h:mm AM/PM shows a time', 'h:mm AM/PM', true],
    ['0.00 shows a number', '0.00', false],
    ['"day"0 shows a number with quoted words', '"day"0', false],
    ['[Red]0;[Blue]-0 (colour brackets) shows a number', '[Red]0;[Blue]-0', false],
    ['\\d0 (an escaped d) shows a number', '\\d0', false],
    ['_)#,##0 (a space as wide as a bracket) shows a number', '_)#,##0_)', false],
    ['0.00E+00 (scientific) shows a number', '0.00E+00', false],
    ['General shows a number', 'General', false],
    ['@ shows text', '@', false],
    ['#,##0 "hours" shows a number despite the h in quotes', '#,##0 "hours"', false],
  ])('%s', (_behaviour, code, isDate) => {
    expect(isDateFormatCode(code)).toBe(isDate);
  });
});

describe('a cell reads as the text an admin sees', () => {
  test.each([
    ['a shared string reads as its text', 's', 'Ada Lovelace', 'general', 'Ada Lovelace'],
    ['an inline string reads as its text', 'inlineStr', '  spaced  ', 'general', '  spaced  '],
    ['a formula string result reads as it is', 'str', '=not a formula', 'general', '=not a formula'],
    ['a true boolean reads TRUE', 'b', '1', 'general', 'TRUE'],
    ['a false boolean reads FALSE', 'b', '0', 'general', 'FALSE'],
    ['an error reads as Excel shows it', 'e', '#N/A', 'general', '#N/A'],
    ['2024-01-05 stored as date serial 45296 with format 14 reads 2024-01-05', 'n', '45296', 'date', '2024-01-05'],
    ['a number in a text-formatted cell reads as the number', 'n', '123', 'text', '123'],
    ['a number with general format reads as the number', 'n', '1E-3', 'general', '0.001'],
    ['an empty number cell reads as nothing', 'n', '', 'date', ''],
    ['a date cell (t="d") at midnight reads as its date', 'd', '2024-01-05T00:00:00Z', 'general', '2024-01-05'],
    ['a date cell (t="d") with a time reads with it', 'd', '2024-01-05T10:20:30.000', 'general', '2024-01-05 10:20:30'],
    ['a date cell (t="d") with only a date reads as it', 'd', '2024-01-05', 'general', '2024-01-05'],
    ['a date cell whose time rounds past midnight reads the next day', 'd', '2024-12-31T23:59:59.6', 'general', '2025-01-01'],
  ] as [string, CellType, string, NumberFormatKind, string][])('%s', (_behaviour, type, value, format, shown) => {
    expect(cellDisplayText(type, value, format, false)).toBe(shown);
  });

  test('a date-formatted number in a 1904 workbook reads by the 1904 calendar', () => {
    expect(cellDisplayText('n', '43834', 'date', true)).toBe('2024-01-05');
  });
});
