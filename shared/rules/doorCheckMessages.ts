/**
 * What the door check tells an admin whose upload it refuses (README, "The CSV format"). Each
 * says what is wrong and what to do instead; nothing of a refused upload is kept or queued.
 */
const SAVE_AS_CSV = 'In Excel use File > Save As > "CSV UTF-8 (Comma delimited) (*.csv)" and upload that file.';

export const DOOR_CHECK_MESSAGES = {
  empty: 'The file is empty. Export your users first, edit that file and upload it.',
  workbook: `This is an Excel workbook (.xlsx) or another zip file, not a CSV file. ${SAVE_AS_CSV}`,
  oldWorkbook: `This is an old Excel workbook (.xls), not a CSV file. ${SAVE_AS_CSV}`,
  utf16: `The file is saved as UTF-16 ("Unicode Text"), which is not supported. ${SAVE_AS_CSV}`,
  binary: `The file is not text: it contains binary data. ${SAVE_AS_CSV}`,
  missingHeader: 'The first line of the file must be the header (Email, Username, First Name, ...). Export your users to get a file with the right header.',
  noRows: 'The file has a header but no users. Add one row per user below the header and upload it again.',
} as const;
