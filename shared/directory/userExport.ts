import { exportHeader, exportRow, type ExportDirectory } from '../rules/exportRow';
import { UTF8_BOM, csvLine, csvLines } from '../csv/csvWriting';
import { listCustomFields } from './customFieldDirectory';
import { GroupModel } from '../data/groupModel';
import { UserModel, type UserDocument } from '../data/userModel';
import { readAhead } from '../platform/readAhead';

/**
 * Streams every user as CSV in the format imports read back: export, change nothing, upload,
 * and every row comes out unchanged. Read from a cursor, so memory stays flat whatever the
 * number of users.
 */
export async function* exportUsersCsv(): AsyncGenerator<string> {
  const [fields, groups] = await Promise.all([listCustomFields(), GroupModel.find({}, { name: 1 }).lean()]);
  const directory: ExportDirectory = { groupNames: new Map(groups.map((group) => [String(group._id), group.name])), customFields: fields };
  yield UTF8_BOM + csvLine(exportHeader(fields));

  // One piece of text per cursor batch (about 1,000 users, 100 KB): flat memory, few writes.
  for await (const batch of readAhead(userBatches())) yield csvLines(batch.map((user) => exportRow(user, directory)));
}

/** The stored fields exportRow reads; the password hash is never fetched. */
type StoredUser = Pick<UserDocument, 'email' | 'username' | 'firstName' | 'lastName' | 'groupIds' | 'roles' | 'externalId' | 'customFields'>;

/**
 * The users in _id order, a cursor batch at a time. With readAhead the next batch is on its way
 * from MongoDB while this one is written out, instead of each waiting for the other.
 */
async function* userBatches(): AsyncGenerator<StoredUser[]> {
  const cursor = UserModel.collection.find({}, { projection: { passwordHash: 0 }, sort: { _id: 1 }, batchSize: 1000 });
  try {
    while (await cursor.hasNext()) yield cursor.readBufferedDocuments() as unknown as StoredUser[];
  } finally {
    await cursor.close();
  }
}
