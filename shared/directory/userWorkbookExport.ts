import { PassThrough, type Readable } from 'node:stream';
import { openUserExport } from './userExport';
import { writeTextWorkbook } from '../workbook/workbookWriter';

export { WORKBOOK_CONTENT_TYPE } from '../workbook/workbookWriter';

/**
 * Every user as an Excel workbook, the export's columns in the export's order, for admins who
 * edit the export in Excel: the cells are exactly the CSV export's, formula guard included,
 * each written as text (workbook/workbookWriter.ts), streamed with flat memory.
 */
export function exportUsersWorkbook(): Readable {
  const output = new PassThrough();
  writeWorkbook(output).catch((error: Error) => output.destroy(error));
  return output;
}

async function writeWorkbook(output: PassThrough): Promise<void> {
  const { header, batches } = await openUserExport();
  try {
    await writeTextWorkbook(output, { sheetName: 'Users', header, batches });
  } finally {
    await batches.return();
  }
}
