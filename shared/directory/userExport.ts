import { ownValue } from './customFieldValues';
import { EXPORT_HEADERS } from '../csv/userColumns';
import { neutraliseFormula } from '../csv/spreadsheetSafety';
import { UTF8_BOM, batchLines, csvLine } from '../csv/csvWriting';
import { listCustomFields } from './customFieldDirectory';
import { GroupModel } from './groupModel';
import { UserModel } from './userModel';

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

  async function* lines() {
    const cursor = UserModel.find({}).sort({ _id: 1 }).lean().cursor({ batchSize: 1000 });
    for await (const user of cursor) {
      const cells = [
        user.email,
        user.username,
        user.firstName ?? '',
        user.lastName ?? '',
        (user.groupIds ?? []).map((id) => groupNames.get(String(id))).filter((name): name is string => Boolean(name)).join('; '),
        (user.roles ?? []).join('; '),
        '', // Password: never exported; blank keeps the current one on upload.
        user.externalId ?? '',
        ...fields.map((field) => ownValue(user.customFields as Record<string, string> | undefined, field.key) ?? ''),
      ];
      yield csvLine(cells.map(neutraliseFormula));
    }
  }
  yield* batchLines(lines());
}
