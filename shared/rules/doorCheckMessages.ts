/**
 * What the door check tells an admin whose upload it refuses (README, "The CSV format" and "Excel workbooks"). Each
 * says what is wrong and what to do instead; nothing of a refused upload is kept or queued.
 */
const SAVE_AS_CSV = 'In Excel use File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)" and upload that file.';
const SAVE_AS_CSV_LOWER = 'save it as "CSV UTF-8 (Comma delimited) (*.csv)" and upload that.';
const SAVE_AS_XLSX_OR_CSV = 'In Excel use File > Save As > "Excel Workbook (*.xlsx)" or "CSV UTF-8 (Comma delimited) (*.csv)" and upload that file.';

/** Sheet names for a message: the first ten, then how many more, so a message stays readable. */
function namesOf(sheets: readonly string[]): string {
  const named = sheets.slice(0, 10).map((name) => `"${name}"`).join(', ');
  return sheets.length > 10 ? `${named} and ${sheets.length - 10} more` : named;
}

export const DOOR_CHECK_MESSAGES = {
  empty: 'The file is empty. Export your users first, edit that file and upload it.',
  notWorkbook: `This is a zip file but not an Excel workbook (.xlsx). ${SAVE_AS_XLSX_OR_CSV}`,
  unreadableWorkbook: `This file starts like an Excel workbook (.xlsx) but cannot be read as one: it is damaged or was cut off. Open it in Excel, save it again and upload that file, or ${SAVE_AS_CSV_LOWER}`,
  oldWorkbook: `This is an old Excel workbook (.xls), which is not accepted. ${SAVE_AS_XLSX_OR_CSV}`,
  encryptedWorkbook:
    'This workbook is protected with a password, so it cannot be read. In Excel use File > Info > Protect Workbook > Encrypt with Password, delete the password, save, and upload the workbook again.',
  macroWorkbook: `This workbook contains macros (.xlsm), which are not accepted. ${SAVE_AS_XLSX_OR_CSV}`,
  expandingWorkbook: (part: string, times: number) =>
    `This workbook is not read: its part ${part} would expand to more than ${times} times its stored size, which no sheet of users does (it looks like a "zip bomb"). Open it in Excel, save it again and upload that file, or ${SAVE_AS_CSV_LOWER}`,
  emptyWorkbook: 'The workbook has no sheet with data. Put the users on the first sheet, with the header (Email, Username, First Name, ...) in row 1, and upload it again.',
  workbookMissingHeader: (sheet: string) =>
    `Row 1 of the sheet "${sheet}" must be the header (Email, Username, First Name, ...). Export your users as a workbook to get a sheet with the right header.`,
  severalSheets: (sheets: readonly string[]) =>
    `The workbook has ${sheets.length} sheets with data (${namesOf(sheets)}) and it is not clear which one holds the users: more than one, or none, has the user columns in row 1. Keep only the users' sheet (delete the others, or move them to another workbook) and upload it again.`,
  workbookTooMuchToCheck: (megabytes: number) =>
    `This workbook is not read: finding the header row of its sheets would mean reading more than ${megabytes} MB of it, which a workbook of users never needs (it has very many sheets, or sheets with a great deal before their first row). Keep the users on one sheet, delete the others, and upload it again, or ${SAVE_AS_CSV_LOWER}`,
  utf16: `The file is saved as UTF-16 ("Unicode Text"), which is not supported. ${SAVE_AS_CSV}`,
  binary: `The file is not text: it contains binary data. ${SAVE_AS_CSV}`,
  missingHeader: 'The first line of the file must be the header (Email, Username, First Name, ...). Export your users to get a file with the right header.',
  noRows: 'The file has a header but no users. Add one row per user below the header and upload it again.',
} as const;
