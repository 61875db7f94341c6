/**
 * How fast a workbook's sheet is read into rows (`npx tsx bench/worksheetRows.bench.ts`).
 *
 * A generated sheet of 100,000 rows of 10 cells, once as inline strings and once as shared
 * strings (a table of 1,000,000 distinct strings, read lazily as the rows need them), fed in
 * 64 KiB chunks as an unzipped part would arrive. The floor is saxes alone over the same
 * sheet with no handlers: the cost of the XML itself, which no reader of the rows can beat.
 * Figures are printed, not asserted.
 */
import { SaxesParser } from 'saxes';
import { StringDecoder } from 'node:string_decoder';
import { SharedStrings } from '../shared/workbook/sharedStrings';
import { readWorksheetRows } from '../shared/workbook/worksheetRows';

const ROWS = Number(process.env.BENCH_SHEET_ROWS ?? 100_000);
const COLUMNS = 10;
const CHUNK = 64 * 1024;
const COLUMN_LETTERS = 'ABCDEFGHIJ';

function sheetXml(cell: (row: number, column: number) => string): Buffer {
  const parts: string[] = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'];
  for (let row = 1; row <= ROWS; row += 1) {
    parts.push(`<row r="${row}" spans="1:${COLUMNS}">`);
    for (let column = 0; column < COLUMNS; column += 1) parts.push(cell(row, column));
    parts.push('</row>');
  }
  parts.push('</sheetData></worksheet>');
  return Buffer.from(parts.join(''), 'utf8');
}

const text = (row: number, column: number) => `user${row}-field${column}@example.com`;
const inlineCell = (row: number, column: number) => `<c r="${COLUMN_LETTERS[column]}${row}" t="inlineStr"><is><t>${text(row, column)}</t></is></c>`;
const sharedCell = (row: number, column: number) => `<c r="${COLUMN_LETTERS[column]}${row}" t="s"><v>${(row - 1) * COLUMNS + column}</v></c>`;

function stringTable(): Buffer {
  const parts: string[] = [`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst count="${ROWS * COLUMNS}">`];
  for (let row = 1; row <= ROWS; row += 1) for (let column = 0; column < COLUMNS; column += 1) parts.push(`<si><t>${text(row, column)}</t></si>`);
  parts.push('</sst>');
  return Buffer.from(parts.join(''), 'utf8');
}

function* inChunks(bytes: Buffer): Generator<Buffer> {
  for (let i = 0; i < bytes.length; i += CHUNK) yield bytes.subarray(i, i + CHUNK);
}

async function* streamed(bytes: Buffer): AsyncGenerator<Buffer> {
  yield* inChunks(bytes);
}

async function timeRows(sheet: Buffer, table: Buffer | undefined): Promise<{ ms: number; rows: number }> {
  const strings = table && new SharedStrings(streamed(table));
  const started = performance.now();
  let rows = 0;
  for await (const row of readWorksheetRows(streamed(sheet), { strings, formats: [], date1904: false })) {
    if (row.cells.length !== COLUMNS) throw new Error(`row ${row.row} has ${row.cells.length} cells`);
    rows += 1;
  }
  const ms = performance.now() - started;
  await strings?.close();
  return { ms, rows };
}

function timeFloor(bytes: Buffer): number {
  const started = performance.now();
  const parser = new SaxesParser();
  const decoder = new StringDecoder('utf8');
  for (const chunk of inChunks(bytes)) parser.write(decoder.write(chunk));
  parser.close();
  return performance.now() - started;
}

async function main(): Promise<void> {
  console.log(`# Worksheet rows, ${new Date().toISOString()}, node ${process.version}, ${ROWS} rows x ${COLUMNS} cells, ${CHUNK / 1024} KiB chunks`);
  console.log('| cells | sheet MB | strings MB | s | rows/s | MB/s (sheet + strings) | floor s (saxes alone) | reader ÷ floor |');
  console.log('|---|---|---|---|---|---|---|---|');
  const shapes: [string, Buffer, Buffer | undefined][] = [
    ['inline strings', sheetXml(inlineCell), undefined],
    ['shared strings', sheetXml(sharedCell), stringTable()],
  ];
  for (const [name, sheet, table] of shapes) {
    await timeRows(sheet, table); // warm-up: the JIT, not the reader, would otherwise be timed
    const { ms, rows } = await timeRows(sheet, table);
    const floor = timeFloor(sheet) + (table ? timeFloor(table) : 0);
    const megabytes = (sheet.length + (table?.length ?? 0)) / 1024 / 1024;
    console.log(
      `| ${name} | ${(sheet.length / 1024 / 1024).toFixed(1)} | ${((table?.length ?? 0) / 1024 / 1024).toFixed(1)} | ${(ms / 1000).toFixed(2)} | ${Math.round(rows / (ms / 1000))} | ${(megabytes / (ms / 1000)).toFixed(1)} | ${(floor / 1000).toFixed(2)} | ${(ms / floor).toFixed(2)} |`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
