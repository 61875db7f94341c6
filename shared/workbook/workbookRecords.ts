import type { WorkbookBytes } from './workbookBytes';
import type { UnreadableReason } from '../rules/recordLimits';
import { WorkbookArchive } from './workbookArchive';
import { readWorkbookLayout, type WorkbookLayout, type WorksheetRef } from './workbookLayout';
import { SharedStrings } from './sharedStrings';
import { readCellFormats } from './workbookStyles';
import { readWorksheetRows } from './worksheetRows';

/** A row of a sheet as an import reads it: index 0 is the sheet's row 1, as record 0 is a CSV's first line. */
export interface WorkbookRecord {
  index: number;
  cells: string[];
  unreadable?: UnreadableReason;
}

/** An opened workbook upload: its layout, and its sheets read as records. */
export interface OpenWorkbook {
  layout: WorkbookLayout;
  records(sheet: WorksheetRef): AsyncGenerator<WorkbookRecord>;
  close(): void;
}

export async function openWorkbook(bytes: WorkbookBytes, options: { inflateBudget?: number } = {}): Promise<OpenWorkbook> {
  const archive = await WorkbookArchive.open(bytes, options);
  try {
    const layout = await readWorkbookLayout(archive);
    const formats = await readCellFormats(layout.stylesPart ? archive.read(layout.stylesPart) : undefined);
    return { layout, records: (sheet) => sheetRecords(archive, layout, formats, sheet), close: () => archive.close() };
  } catch (error) {
    archive.close();
    throw error;
  }
}

/**
 * A sheet's rows as records, every row number from 1 to the last present (Excel leaves out
 * empty rows; here they are blank records, so row numbers match what the admin sees).
 */
async function* sheetRecords(
  archive: WorkbookArchive,
  layout: WorkbookLayout,
  formats: Awaited<ReturnType<typeof readCellFormats>>,
  sheet: WorksheetRef,
): AsyncGenerator<WorkbookRecord> {
  const strings = layout.sharedStringsPart ? new SharedStrings(archive.read(layout.sharedStringsPart)) : undefined;
  try {
    let next = 0;
    for await (const row of readWorksheetRows(archive.read(sheet.part), { strings, formats, date1904: layout.date1904, part: sheet.part })) {
      const index = row.row - 1;
      // Rows out of order would reuse numbers; Excel always writes them ascending.
      if (index < next) continue;
      for (; next < index; next += 1) yield { index: next, cells: [] };
      next = index + 1;
      yield row.unreadable ? { index, cells: row.cells, unreadable: row.unreadable } : { index, cells: row.cells };
    }
  } finally {
    await strings?.close();
  }
}
