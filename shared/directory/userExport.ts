import { ownValue } from '../rules/customFieldValues';
import { EXPORT_HEADERS } from '../rules/userColumns';
import { neutraliseFormula } from '../rules/spreadsheetSafety';
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
  const groupNames = new Map(groups.map((group) => [String(group._id), group.name]));
  // Labels are cells too: one written before labels were checked could start a formula.
  yield UTF8_BOM + csvLine([...EXPORT_HEADERS, ...fields.map((field) => neutraliseFormula(field.label))]);

  const cellsOf = (user: ExportedUser): string[] =>
    [
      user.email,
      user.username,
      user.firstName ?? '',
      user.lastName ?? '',
      (user.groupIds ?? []).map((id) => groupNames.get(String(id))).filter((name): name is string => Boolean(name)).join('; '),
      (user.roles ?? []).join('; '),
      '', // Password: never exported; blank keeps the current one on upload.
      user.externalId ?? '',
      ...fields.map((field) => ownValue(user.customFields as Record<string, string> | undefined, field.key) ?? ''),
    ].map(neutraliseFormula);
  // One piece of text per cursor batch (about 1,000 users, 100 KB): flat memory, few writes.
  for await (const batch of readAhead(userBatches())) yield csvLines(batch.map(cellsOf));
}

type ExportedUser = Pick<UserDocument, 'email' | 'username' | 'firstName' | 'lastName' | 'groupIds' | 'roles' | 'externalId' | 'customFields'>;

/**
 * The users in _id order, a cursor batch at a time. With readAhead the next batch is on its way
 * from MongoDB while this one is written out, instead of each waiting for the other.
 */
async function* userBatches(): AsyncGenerator<ExportedUser[]> {
  const cursor = UserModel.collection.find({}, { projection: { passwordHash: 0 }, sort: { _id: 1 }, batchSize: 1000 });
  try {
    while (await cursor.hasNext()) yield cursor.readBufferedDocuments() as unknown as ExportedUser[];
  } finally {
    await cursor.close();
  }
}
