import { MAX_LINE_CHARS } from '../rules/recordLimits';
import type { NumberFormatKind } from '../rules/workbookCellText';
import { SharedStrings } from './sharedStrings';
import { WorkbookReadError } from './workbookReadError';
import { readWorksheetRows, type SheetContext, type SheetRow } from './worksheetRows';

async function* chunks(text: string, size = Infinity): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, 'utf8');
  const step = Number.isFinite(size) ? size : bytes.length || 1;
  for (let i = 0; i < bytes.length; i += step) yield bytes.subarray(i, i + step);
}

const sheet = (rows: string) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/><sheetData>${rows}</sheetData><pageMargins left="0.7"/></worksheet>`;
const stringTable = (texts: string[]) => `<sst>${texts.map((text) => `<si><t>${text}</t></si>`).join('')}</sst>`;
/** Style 0 General, 1 a date (format 14), 2 text (@). */
const FORMATS: NumberFormatKind[] = ['general', 'date', 'text'];
const PART = 'xl/worksheets/sheet1.xml';

function context(strings: string[] | undefined, size = Infinity): SheetContext {
  return { strings: strings && new SharedStrings(chunks(stringTable(strings), size)), formats: FORMATS, date1904: false, part: PART };
}

async function readRows(xml: string, strings?: string[], size = Infinity): Promise<SheetRow[]> {
  const rows: SheetRow[] = [];
  const sheetContext = context(strings, size);
  for await (const row of readWorksheetRows(chunks(xml, size), sheetContext)) rows.push(row);
  await sheetContext.strings?.close();
  return rows;
}

const MIXED = sheet(
  [
    '<row r="1" spans="1:3"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>',
    '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve"> ada@example.com </t></is></c><c r="B2"><v>123</v></c><c r="C2" s="1"><v>45296</v></c></row>',
    '<row r="5"><c r="A5" t="s"><v>3</v></c><c r="D5" t="b"><v>1</v></c></row>',
  ].join(''),
);
const MIXED_ROWS: SheetRow[] = [
  { row: 1, cells: ['Email', 'External ID', 'Start Date'] },
  { row: 2, cells: [' ada@example.com ', '123', '2024-01-05'] },
  { row: 5, cells: ['Smith & Sons', '', '', 'TRUE'] },
];
const MIXED_STRINGS = ['Email', 'External ID', 'Start Date', 'Smith &amp; Sons'];

describe('the rows of a sheet', () => {
  test.each([
    ['whole', Infinity],
    ['1-byte chunks', 1],
    ['7-byte chunks', 7],
  ])('read in %s, a sheet gives the same rows', async (_how, size) => {
    expect(await readRows(MIXED, MIXED_STRINGS, size)).toEqual(MIXED_ROWS);
  });

  test.each([
    ['rows skipped in the sheet keep their numbers (the caller fills the gaps)', '<row r="2"><c r="A2" t="str"><v>a</v></c></row><row r="7"><c r="A7" t="str"><v>b</v></c></row>', [{ row: 2, cells: ['a'] }, { row: 7, cells: ['b'] }]],
    ['rows without r are numbered on from the last', '<row r="3"><c t="str"><v>a</v></c></row><row><c t="str"><v>b</v></c></row>', [{ row: 3, cells: ['a'] }, { row: 4, cells: ['b'] }]],
    ['cells skipped in a row read as empty', '<row r="1"><c r="B1" t="str"><v>b</v></c><c r="E1" t="str"><v>e</v></c></row>', [{ row: 1, cells: ['', 'b', '', '', 'e'] }]],
    ['cells without r follow the cell before them', '<row r="1"><c r="C1" t="str"><v>c</v></c><c t="str"><v>d</v></c></row>', [{ row: 1, cells: ['', '', 'c', 'd'] }]],
    ['a column written in lower case (ab) is the same column', '<row r="1"><c r="ab1" t="str"><v>x</v></c></row>', [{ row: 1, cells: [...Array<string>(27).fill(''), 'x'] }]],
    ['a two-letter column AB is the 28th', '<row r="1"><c r="AB1" t="str"><v>x</v></c></row>', [{ row: 1, cells: [...Array<string>(27).fill(''), 'x'] }]],
    ['a row with no cells is still a row', '<row r="4" ht="20" customHeight="1"/>', [{ row: 4, cells: [] }]],
    ['formatted empty cells at the end of a row are no columns', '<row r="1"><c r="A1" t="str"><v>a</v></c><c r="B1" s="1"/><c r="C1" s="2"/></row>', [{ row: 1, cells: ['a'] }]],
    ['a number-typed cell reads as Excel shows it', '<row r="1"><c r="A1" t="n"><v>1.2345678901234568E+18</v></c><c r="B1"><v>0.30000000000000004</v></c></row>', [{ row: 1, cells: ['1234567890123460000', '0.3'] }]],
    ['a number in a text-formatted (@) cell reads as the number', '<row r="1"><c r="A1" s="2"><v>123</v></c></row>', [{ row: 1, cells: ['123'] }]],
    ['a date-formatted cell reads as its date and time', '<row r="1"><c r="A1" s="1"><v>45296.5</v></c></row>', [{ row: 1, cells: ['2024-01-05 12:00:00'] }]],
    ['a style the styles part does not have reads as General', '<row r="1"><c r="A1" s="9"><v>45296</v></c></row>', [{ row: 1, cells: ['45296'] }]],
    ['booleans read TRUE and FALSE', '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c></row>', [{ row: 1, cells: ['TRUE', 'FALSE'] }]],
    ['an error cell reads as Excel shows it', '<row r="1"><c r="A1" t="e"><f>VLOOKUP(1,B:B,2)</f><v>#N/A</v></c></row>', [{ row: 1, cells: ['#N/A'] }]],
    ['a date cell (t="d") reads as its date', '<row r="1"><c r="A1" t="d"><v>2024-01-05T00:00:00Z</v></c></row>', [{ row: 1, cells: ['2024-01-05'] }]],
    ['a formula cell reads as its cached value', '<row r="1"><c r="A1"><f>1+2</f><v>3</v></c><c r="B1" t="str"><f>A1&amp;"x"</f><v>3x</v></c></row>', [{ row: 1, cells: ['3', '3x'] }]],
    ['a formula cell without a cached value reads as empty', '<row r="1"><c r="A1"><f>1+2</f></c><c r="B1" t="str"><v>b</v></c></row>', [{ row: 1, cells: ['', 'b'] }]],
    ['an inline string keeps the spaces xml:space preserves', '<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  a  </t></is></c></row>', [{ row: 1, cells: ['  a  '] }]],
    ['an inline rich string reads its runs as one text, without the phonetic guide', '<row r="1"><c r="A1" t="inlineStr"><is><r><t>Jo</t></r><r><rPr><b/></rPr><t>sé</t></r><rPh><t>ホセ</t></rPh></is></c></row>', [{ row: 1, cells: ['José'] }]],
    ['entities read as their characters', '<row r="1"><c r="A1" t="inlineStr"><is><t>a &amp; b &lt;c&gt; &#x41;&#66;&quot;</t></is></c></row>', [{ row: 1, cells: ['a & b <c> AB"'] }]],
    ['a prefixed namespace (x:) reads the same', '<x:row r="1"><x:c r="A1" t="str"><x:v>a</x:v></x:c></x:row>', [{ row: 1, cells: ['a'] }]],
  ] as [string, string, SheetRow[]][])('%s', async (_behaviour, rows, expected) => {
    expect(await readRows(sheet(rows))).toEqual(expected);
  });

  test('shared strings are read only as far as the rows so far need', async () => {
    let stringChunks = 0;
    let finishedReading = false;
    async function* table(): AsyncGenerator<Buffer> {
      yield Buffer.from('<sst>');
      for (let i = 0; i < 10000; i += 1) {
        stringChunks += 1;
        yield Buffer.from(`<si><t>name ${i}</t></si>`);
      }
      yield Buffer.from('</sst>');
      finishedReading = true;
    }
    const strings = new SharedStrings(table());
    const rows = readWorksheetRows(chunks(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>')), { strings, formats: [], date1904: false });
    const first = await rows.next();
    expect(first.value).toEqual({ row: 1, cells: ['name 0', 'name 1'] });
    expect(stringChunks).toBeLessThan(5);
    await rows.return(undefined);
    await strings.close();
    expect(finishedReading).toBe(false);
  });

  test('a row is yielded as soon as its chunk is read, before the rest of the sheet arrives', async () => {
    let rest = false;
    async function* source(): AsyncGenerator<Buffer> {
      yield Buffer.from('<worksheet><sheetData><row r="1"><c t="str"><v>a</v></c></row>');
      rest = true;
      yield Buffer.from('<row r="2"><c t="str"><v>b</v></c></row></sheetData></worksheet>');
    }
    const rows = readWorksheetRows(source(), { strings: undefined, formats: [], date1904: false });
    expect((await rows.next()).value).toEqual({ row: 1, cells: ['a'] });
    expect(rest).toBe(false);
    await rows.return(undefined);
  });

  test('a row longer than any row of users is unreadable, and the rows after it are read', async () => {
    const huge = 'x'.repeat(MAX_LINE_CHARS / 4 + 1);
    const cells = [0, 1, 2, 3].map((i) => `<c r="${String.fromCharCode(65 + i)}2" t="inlineStr"><is><t>${huge}</t></is></c>`).join('');
    const rows = await readRows(sheet(`<row r="1"><c t="str"><v>a</v></c></row><row r="2">${cells}</row><row r="3"><c t="str"><v>b</v></c></row>`), undefined, 64 * 1024);
    expect(rows).toEqual([{ row: 1, cells: ['a'] }, { row: 2, cells: [], unreadable: 'too_long' }, { row: 3, cells: ['b'] }]);
  });

  test('a row whose shared strings add up to too many characters is unreadable', async () => {
    const long = 'y'.repeat(MAX_LINE_CHARS / 2 + 1);
    const rows = await readRows(sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>0</v></c></row>'), [long]);
    expect(rows).toEqual([{ row: 1, cells: [], unreadable: 'too_long' }]);
  });

  test('a cell beyond the last column Excel has (XFD) makes its row unreadable', async () => {
    const rows = await readRows(sheet('<row r="1"><c r="XFD1" t="str"><v>last</v></c></row><row r="2"><c r="XFE2" t="str"><v>beyond</v></c></row>'));
    expect(rows[0]?.cells).toHaveLength(16384);
    expect(rows[1]).toEqual({ row: 2, cells: [], unreadable: 'too_long' });
  });

  test.each([
    ['a DOCTYPE (how entity-expansion attacks start)', '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]><worksheet><sheetData/></worksheet>', /DOCTYPE/],
    ['an unknown entity', sheet('<row r="1"><c t="str"><v>&nbsp;</v></c></row>'), /undefined entity/],
    ['a tag left open', sheet('<row r="1"><c t="str"><v>a</c></row>'), /damaged: line 2, column \d+/],
    ['a sheet cut off', sheet('<row r="1"><c t="str"><v>a</v></c></row>').slice(0, -40), /damaged/],
    ['an empty part', '', /damaged/],
    ['a cell reference without column letters', sheet('<row r="1"><c r="12" t="str"><v>a</v></c></row>'), /a cell has the reference "12", which names no column/],
    ['a shared string index that is no number', sheet('<row r="1"><c t="s"><v>x</v></c></row>'), /row 1 refers to the shared string "x"/],
    ['a row numbered past Excel\'s last (3,000,000 blank rows to walk in a 2 KB file)', sheet('<row r="1"><c t="str"><v>a</v></c></row><row r="3000000"><c t="str"><v>b</v></c></row>'), /a row has the number "3000000", and Excel numbers rows from 1 to 1048576/],
    ['a row 0 (it would push the header down)', sheet('<row r="0"><c t="str"><v>a</v></c></row>'), /a row has the number "0"/],
    ['a row number that is no number', sheet('<row r="x1"><c t="str"><v>a</v></c></row>'), /a row has the number "x1"/],
  ])('%s is refused, naming the part', async (_what, xml, problem) => {
    const read = readRows(xml, ['a']);
    await expect(read).rejects.toBeInstanceOf(WorkbookReadError);
    await expect(read).rejects.toThrow(problem);
    await expect(read).rejects.toThrow(/^The sheet xl\/worksheets\/sheet1\.xml of this workbook is damaged: .* Open it in Excel, save it again, and upload that file\.$/);
  });

  test('a shared string the workbook does not have is refused', async () => {
    await expect(readRows(sheet('<row r="1"><c t="s"><v>7</v></c></row>'), ['a'])).rejects.toThrow('The workbook refers to shared string 7, which it does not have');
    await expect(readRows(sheet('<row r="1"><c t="s"><v>0</v></c></row>'))).rejects.toThrow('The workbook refers to shared string 0, which it does not have');
  });

  test('a damaged sheet is refused with the error the API maps to 422', async () => {
    const error = await readRows('<worksheet>').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'unprocessable', code: 'unreadable_workbook' });
  });
});
