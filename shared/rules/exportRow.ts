/**
 * The export's layout: its header and one user's row, cell for cell. An export is the file an
 * admin edits and uploads again, so the row is also what the round-trip tests feed back in.
 */
import { ownValue } from './customFieldValues';
import { neutraliseFormula } from './spreadsheetSafety';
import { EXPORT_HEADERS, type CustomFieldColumn } from './userColumns';

/** What the export reads of a user. Missing values come from records written before the field existed. */
export interface ExportedUser {
  email: string;
  username: string;
  firstName?: string | null;
  lastName?: string | null;
  /** As stored (ObjectIds in MongoDB); matched to group names by their text. */
  groupIds?: readonly { toString(): string }[] | null;
  roles?: readonly string[] | null;
  externalId?: string | null;
  customFields?: Readonly<Record<string, string>> | null;
}

/** What the export reads of the directory, once per export. */
export interface ExportDirectory {
  /** Group id (as text) → name. A group deleted since it was assigned has no name, and no cell. */
  groupNames: ReadonlyMap<string, string>;
  /** In column order: their labels follow the standard headers. */
  customFields: readonly CustomFieldColumn[];
}

/** The export's first line: the standard columns, then the custom field labels. */
export function exportHeader(customFields: readonly CustomFieldColumn[]): string[] {
  // Labels are cells too: one written before labels were checked could start a formula.
  return [...EXPORT_HEADERS, ...customFields.map((field) => neutraliseFormula(field.label))];
}

/**
 * One user's cells, in exportHeader's order, written so that uploading them unchanged changes
 * nothing: lists `; `-joined as imports split them, every cell guarded against Excel formulas
 * (imports take the guard off again).
 */
export function exportRow(user: ExportedUser, directory: ExportDirectory): string[] {
  const groups = (user.groupIds ?? []).map((id) => directory.groupNames.get(String(id))).filter((name): name is string => Boolean(name));
  return [
    user.email,
    user.username,
    user.firstName ?? '',
    user.lastName ?? '',
    groups.join('; '),
    (user.roles ?? []).join('; '),
    '', // Password: never exported; blank keeps the current one on upload.
    user.externalId ?? '',
    ...directory.customFields.map((field) => ownValue(user.customFields ?? undefined, field.key) ?? ''),
  ].map(neutraliseFormula);
}
