import { exportHeader, exportRow, type ExportDirectory } from '../rules/exportRow';
import { UTF8_BOM, csvLine, csvLines } from '../csv/csvWriting';
import { listCustomFields } from './customFieldDirectory';
import { findGroups } from '../data/groupStore';
import { readUsersForExport } from '../data/userStore';
import { readAhead } from '../platform/readAhead';

/** Every user as the export lays them out, whatever the file type: read once, written by each format. */
export interface UserExportRows {
  header: string[];
  /** The rows, a cursor batch (about 1,000 users) at a time; closing it early closes the cursor. */
  batches: AsyncIterableIterator<string[][]> & { return(): Promise<IteratorResult<string[][]>> };
}

/**
 * Opens the export: the directory (groups, custom fields) is read once, then the users stream
 * from a cursor, so memory stays flat whatever the number of users.
 */
export async function openUserExport(): Promise<UserExportRows> {
  const [fields, groups] = await Promise.all([listCustomFields(), findGroups()]);
  const directory: ExportDirectory = { groupNames: new Map(groups.map((group) => [String(group._id), group.name])), customFields: fields };
  return { header: exportHeader(fields), batches: readAhead(rowBatches(directory)) };
}

/**
 * Streams every user as CSV in the format imports read back: export, change nothing, upload,
 * and every row comes out unchanged.
 */
export async function* exportUsersCsv(): AsyncGenerator<string> {
  const { header, batches } = await openUserExport();
  yield UTF8_BOM + csvLine(header);
  // One piece of text per cursor batch (about 100 KB): flat memory, few writes.
  for await (const rows of batches) yield csvLines(rows);
}

async function* rowBatches(directory: ExportDirectory): AsyncGenerator<string[][]> {
  // readAhead: the next batch is on its way from MongoDB while this one is written out.
  for await (const batch of readUsersForExport()) yield batch.map((user) => exportRow(user, directory));
}
