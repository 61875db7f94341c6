/**
 * What an import changed, user by user and field by field: the change records behind the
 * preview of a dry run (changes.csv) and behind undo. Recorded in the chunk's write path before
 * the user writes, one record per created or updated row; an unchanged or failed row records
 * nothing.
 */

/**
 * The fields a change names, as stored on the user: `email`, `firstName`, `lastName`,
 * `externalId`, `groups` (by name), `roles`, `password` (only that it changed), and one
 * `customFields.<key>` per custom field.
 */
export type ChangedField = 'email' | 'firstName' | 'lastName' | 'externalId' | 'groups' | 'roles' | 'password' | `customFields.${string}`;

/** A field's value as an admin reads it: text, a list (groups by name, roles), or null when unset. */
export type FieldValue = string | string[] | null;

export interface FieldChange {
  field: ChangedField;
  /** Null when the user had no value (and for every field of a created user). */
  before: FieldValue;
  /** For `password` both sides are null: a record never holds a password or its hash. */
  after: FieldValue;
}

export type ChangeOutcome = 'created' | 'updated';

/** One created or updated user of one import row. */
export interface ChangeRecord {
  importId: string;
  /** The data row of the file (1 = first row under the header). */
  row: number;
  userId: string;
  username: string;
  outcome: ChangeOutcome;
  changes: FieldChange[];
}

/**
 * The password hashes a change replaced and wrote, kept apart from the record's fields: stored
 * with it (so undo can put the old one back, and tell whether the user changed it since) but
 * never selected by a read that serves records, and never written to a report.
 */
export interface PasswordHashes {
  /** Null when the user had no password (e.g. invited, link not used yet). */
  before: string | null;
  after: string;
}
