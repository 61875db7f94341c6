import { MAX_LINE_CHARS, type UnreadableReason } from '../rules/recordLimits';
import { cellDisplayText, type CellType, type NumberFormatKind } from '../rules/workbookCellText';
import type { SharedStrings } from './sharedStrings';
import { damagedPart, WorkbookReadError } from './workbookReadError';
import { localName, partParser, unescapeOoxml } from './workbookXml';

export interface SheetRow {
  /** 1-based, the sheet's row number (r attribute; sequential when absent) */
  row: number;
  cells: string[];
  unreadable?: UnreadableReason;
}

export interface SheetContext {
  strings: SharedStrings | undefined;
  formats: NumberFormatKind[];
  date1904: boolean;
  /** The sheet's part name (xl/worksheets/sheet1.xml), for the admin's message when it is damaged. */
  part?: string;
}

/** Excel's last row. */
const MAX_ROWS = 1_048_576;
/** Excel's last column, XFD: a cell beyond it is no cell Excel could have written. */
const MAX_COLUMNS = 16384;
const CELL_TYPES = new Set<string>(['n', 's', 'str', 'inlineStr', 'b', 'e', 'd']);

interface PendingCell {
  column: number;
  type: CellType;
  /** The stored value: <v>, or the text of <is> for an inline string. */
  value: string;
  format: NumberFormatKind;
}

interface PendingRow {
  row: number;
  cells: PendingCell[];
  chars: number;
  tooLong: boolean;
}

/**
 * A worksheet's rows as the texts an admin sees in Excel, streamed: each input chunk's completed
 * rows are resolved (their shared strings read just that far) and yielded before the next chunk
 * is parsed, so memory holds one chunk's rows, whatever the sheet's size.
 */
export async function* readWorksheetRows(xml: AsyncIterable<Buffer>, context: SheetContext): AsyncGenerator<SheetRow> {
  const what = context.part ? `The sheet ${context.part}` : 'A sheet';
  const { parser, write, end } = partParser(what);
  const completed: PendingRow[] = [];
  let inSheetData = false;
  let row: PendingRow | undefined;
  let lastRow = 0;
  let lastColumn = -1;
  let cell: { column: number; type: CellType; style: number; value: string[]; inline: string[] } | undefined;
  let capture: string[] | undefined;
  let inInline = false;
  let phoneticDepth = 0;

  // A row too long to be a user is kept only as its number: its text is dropped as it comes.
  const tooLong = (pending: PendingRow) => {
    pending.tooLong = true;
    pending.cells = [];
    cell = undefined;
    capture = undefined;
  };

  parser.on('opentag', (tag) => {
    const name = localName(tag.name);
    if (name === 'sheetData') inSheetData = true;
    else if (!inSheetData) return;
    else if (name === 'row') {
      const r = tag.attributes.r === undefined ? lastRow + 1 : Number(tag.attributes.r);
      // Rows are numbered 1 to 1,048,576 in Excel. A row 3,000,000 in a 2 KB file would have
      // the import walk millions of blank rows; a row 0 would push the header down.
      if (!Number.isInteger(r) || r < 1 || r > MAX_ROWS) throw damagedPart(what, `a row has the number "${String(tag.attributes.r).slice(0, 20)}", and Excel numbers rows from 1 to ${MAX_ROWS}.`);
      lastRow = r > lastRow ? r : lastRow + 1;
      row = { row: lastRow, cells: [], chars: 0, tooLong: false };
      lastColumn = -1;
    } else if (name === 'c' && row && !row.tooLong) {
      const column = tag.attributes.r === undefined ? lastColumn + 1 : columnIndex(tag.attributes.r, what);
      if (column >= MAX_COLUMNS) return tooLong(row);
      const type = CELL_TYPES.has(tag.attributes.t ?? '') ? (tag.attributes.t as CellType) : 'n';
      cell = { column, type, style: Number(tag.attributes.s ?? 0) || 0, value: [], inline: [] };
      lastColumn = column;
    } else if (!cell) return;
    else if (name === 'v' && !inInline) capture = cell.value;
    else if (name === 'is') inInline = true;
    else if (name === 'rPh') phoneticDepth += 1;
    else if (name === 't' && inInline && phoneticDepth === 0) capture = cell.inline;
  });
  const onText = (text: string) => {
    if (!capture || !row) return;
    row.chars += text.length;
    if (row.chars > MAX_LINE_CHARS) tooLong(row);
    else capture.push(text);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', (tag) => {
    const name = localName(tag.name);
    if (name === 'v' || name === 't') capture = undefined;
    else if (name === 'rPh') phoneticDepth -= 1;
    else if (name === 'is') inInline = false;
    else if (name === 'c' && cell && row) {
      const inline = cell.type === 'inlineStr' && cell.inline.length > 0;
      row.cells.push({
        column: cell.column,
        type: cell.type,
        value: (inline ? cell.inline : cell.value).join(''),
        format: context.formats[cell.style] ?? 'general',
      });
      cell = undefined;
    } else if (name === 'row' && row) {
      completed.push(row);
      row = undefined;
    } else if (name === 'sheetData') inSheetData = false;
  });

  for await (const chunk of xml) {
    write(chunk);
    if (completed.length === 0) continue;
    const rows = await resolveRows(completed.splice(0), context, what);
    yield* rows;
  }
  end();
  yield* await resolveRows(completed.splice(0), context, what);
}

/** 'AB12' → 27: the column letters of a cell reference, 0-based. */
function columnIndex(reference: string, what: string): number {
  let column = 0;
  let i = 0;
  for (; i < reference.length; i += 1) {
    // Letters by char code: this runs for every cell of the sheet.
    const code = reference.charCodeAt(i) & ~0x20;
    if (code < 65 || code > 90) break;
    column = Math.min(column * 26 + (code - 64), MAX_COLUMNS + 1);
  }
  if (i === 0) throw damagedPart(what, `a cell has the reference "${reference.slice(0, 20)}", which names no column.`);
  return column - 1;
}

/** Reads the shared strings the rows refer to, once for all of them, then words each cell. */
async function resolveRows(rows: PendingRow[], context: SheetContext, what: string): Promise<SheetRow[]> {
  let lastString = -1;
  for (const row of rows) {
    for (const cell of row.cells) {
      if (cell.type !== 's') continue;
      const index = Number(cell.value);
      if (cell.value.trim() === '' || !Number.isInteger(index) || index < 0) {
        throw damagedPart(what, `row ${row.row} refers to the shared string "${cell.value.slice(0, 20)}", which is no string number.`);
      }
      lastString = Math.max(lastString, index);
    }
  }
  const { strings } = context;
  if (lastString >= 0) {
    if (!strings) throw new WorkbookReadError(`The workbook refers to shared string ${lastString}, which it does not have (it has no shared strings). Open it in Excel, save it again, and upload that file.`);
    await strings.loadThrough(lastString);
  }
  return rows.map((row) => sheetRow(row, context));
}

function sheetRow(pending: PendingRow, context: SheetContext): SheetRow {
  const unreadable: SheetRow = { row: pending.row, cells: [], unreadable: 'too_long' };
  if (pending.tooLong) return unreadable;
  const cells: string[] = [];
  let chars = 0;
  for (const cell of pending.cells) {
    const text = cellText(cell, context);
    chars += text.length;
    if (chars > MAX_LINE_CHARS) return unreadable;
    while (cells.length < cell.column) cells.push('');
    cells[cell.column] = text;
  }
  // A formatted but empty cell at the end of a row is no column of the table.
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  return { row: pending.row, cells };
}

function cellText(cell: PendingCell, context: SheetContext): string {
  switch (cell.type) {
    case 's':
      // Blank values were refused while resolving, so the index is a number here.
      return (context.strings as SharedStrings).at(Number(cell.value));
    case 'inlineStr':
    case 'str':
      return unescapeOoxml(cell.value);
    default:
      return cellDisplayText(cell.type, cell.value, cell.format, context.date1904);
  }
}
