import { AppError, invalidInput } from '../platform/appError';
import type { UploadByteRanges } from '../data/uploadStore';
import { isBlankCells } from '../csv/csvRecords';
import { DOOR_CHECK_MESSAGES } from '../rules/doorCheckMessages';
import { resolveColumns } from '../rules/userColumns';
import { compoundFileKind } from '../workbook/compoundFile';
import { DOOR_CHECK_BUDGET } from '../workbook/workbookArchive';
import type { WorksheetRef } from '../workbook/workbookLayout';
import { openWorkbook, type OpenWorkbook } from '../workbook/workbookRecords';
import { checkUserTable, headersOf } from './importFileCheck';

export interface CheckedWorkbook {
  worksheet: WorksheetRef;
  headers: string[];
}

type CustomFields = { key: string; label: string }[];

/**
 * How many rows of a sheet the door reads looking for a first user. Past them the sheet is
 * taken as having users, as a CSV's head is: the import then says what it found.
 */
const ROWS_LOOKED_AT = 1_000;

/**
 * The door check of an .xlsx upload: a workbook that can be read safely, with one sheet of
 * users whose header row makes sense. Reads the zip's directory, the small XML parts and the
 * first rows of each sheet, never a whole sheet.
 */
export async function checkWorkbookFile(bytes: UploadByteRanges, customFields: CustomFields): Promise<CheckedWorkbook> {
  const workbook = await openWorkbook(bytes, { inflateBudget: DOOR_CHECK_BUDGET });
  try {
    const tables = [];
    for (const sheet of workbook.layout.sheets) {
      const table = await firstRows(workbook, sheet);
      if (table) tables.push(table);
    }
    if (tables.length === 0) throw invalidInput('empty_file', DOOR_CHECK_MESSAGES.emptyWorkbook);
    const table = tables.length === 1 ? tables[0] : userTableAmong(tables, customFields);
    const headers = checkUserTable(table.header, table.hasRows, {
      customFields,
      missingHeader: DOOR_CHECK_MESSAGES.workbookMissingHeader(table.sheet.name),
    });
    return { worksheet: table.sheet, headers };
  } finally {
    workbook.close();
  }
}

/** An .xls or a password-protected .xlsx: both are OLE compound files, refused with what to do. */
export async function refuseCompoundFile(bytes: UploadByteRanges): Promise<never> {
  const kind = await compoundFileKind(bytes);
  if (kind === 'encrypted_workbook') throw new AppError('unsupported_media_type', 'encrypted_workbook', DOOR_CHECK_MESSAGES.encryptedWorkbook);
  if (kind === 'old_workbook') throw new AppError('unsupported_media_type', 'old_workbook', DOOR_CHECK_MESSAGES.oldWorkbook);
  throw new AppError('unsupported_media_type', 'not_csv', DOOR_CHECK_MESSAGES.binary);
}

interface SheetTable {
  sheet: WorksheetRef;
  /** Row 1's cells: the header, when the sheet is a user table. */
  header: string[];
  hasRows: boolean;
}

/** Row 1 of a sheet and whether a row below it has content; undefined for a sheet with no content. */
async function firstRows(workbook: OpenWorkbook, sheet: WorksheetRef): Promise<SheetTable | undefined> {
  let header: string[] = [];
  let hasContent = false;
  for await (const record of workbook.records(sheet)) {
    const blank = !record.unreadable && isBlankCells(record.cells);
    if (record.index === 0) header = record.cells;
    else if (!blank) return { sheet, header, hasRows: true };
    hasContent ||= !blank;
    if (record.index >= ROWS_LOOKED_AT) return { sheet, header, hasRows: true };
  }
  return hasContent ? { sheet, header, hasRows: false } : undefined;
}

/** Of several sheets with content, the one whose row 1 is a user header; refused when not exactly one. */
function userTableAmong(tables: SheetTable[], customFields: CustomFields): SheetTable {
  const userTables = tables.filter((table) => !isBlankCells(table.header) && resolveColumns(headersOf(table.header), customFields).ok);
  if (userTables.length === 1) return userTables[0];
  throw invalidInput(
    'several_sheets',
    DOOR_CHECK_MESSAGES.severalSheets(tables.map((table) => table.sheet.name)),
    { sheetCount: tables.length, sheets: tables.slice(0, 10).map((table) => table.sheet.name) },
  );
}
