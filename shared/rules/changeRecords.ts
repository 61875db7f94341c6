/**
 * What an import changed, user by user and field by field: the change records behind the
 * preview of a dry run (changes.csv) and behind undo. Recorded in the chunk's write path before
 * the user writes, one record per created or updated row; an unchanged or failed row records
 * nothing.
 */
import { ownValue } from './customFieldValues';
import type { FoundUser, UserWrite } from './chunkPlan';

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

/** A change record and, kept apart from it, the hashes of the password it changed. */
export interface RecordedChange {
  record: ChangeRecord;
  passwordHashes?: PasswordHashes;
}

export interface RecordingContext {
  importId: string;
  /** Group id → name, the directory's groups inverted. A group deleted since has no name. */
  groupNamesById: ReadonlyMap<string, string>;
}

/** The fields in the order a record lists them; custom fields follow, in the order they were set. */
const FIELD_ORDER: readonly ChangedField[] = ['email', 'firstName', 'lastName', 'externalId', 'groups', 'roles', 'password'];

/**
 * What a planned write changes (rules/chunkPlan.ts), field by field: for an insert every field
 * the new user is given, before null; for an update each field its `$set` names, before being
 * the value of the user the chunk's query found. Groups are written by name and, like the
 * export, leave out a group deleted since: a groups change that then reads the same is no
 * change. `passwordHash` is the hash the write stores, when it stores one (a dry run keeps none).
 */
export function changeRecordOf(write: UserWrite, found: FoundUser | undefined, context: RecordingContext, passwordHash?: string): RecordedChange {
  const changes: FieldChange[] = [];
  const change = (field: ChangedField, before: FieldValue, after: FieldValue) => {
    if (!sameValue(before, after)) changes.push({ field, before, after });
  };
  const groupNames = (ids: readonly string[]) => ids.map((id) => context.groupNamesById.get(id)).filter((name): name is string => name !== undefined);
  const common = { importId: context.importId, row: write.row.row, userId: write.userId };

  if (write.kind === 'insert') {
    const { user } = write;
    for (const field of ['email', 'firstName', 'lastName', 'externalId'] as const) change(field, null, user[field] ?? null);
    change('groups', null, groupNames(user.groupIds));
    change('roles', null, [...user.roles]);
    if (write.passwordToHash) changes.push({ field: 'password', before: null, after: null });
    for (const [key, value] of Object.entries(user.customFields)) change(`customFields.${key}`, null, value);
    const record: ChangeRecord = { ...common, username: user.username, outcome: 'created', changes: inFieldOrder(changes) };
    return passwordHash && write.passwordToHash ? { record, passwordHashes: { before: null, after: passwordHash } } : { record };
  }

  for (const [key, value] of Object.entries(write.set)) {
    if (key === 'groupIds') change('groups', groupNames(found?.groupIds ?? []), groupNames(value as string[]));
    else if (key === 'roles') change('roles', [...(found?.roles ?? [])], [...(value as string[])]);
    else if (key.startsWith('customFields.')) change(key as ChangedField, ownValue(found?.customFields, key.slice('customFields.'.length)) ?? null, value);
    else if (isProfileField(key)) change(key, found?.[key] ?? null, value);
  }
  if (write.passwordToHash) changes.push({ field: 'password', before: null, after: null });
  const record: ChangeRecord = { ...common, username: found?.username ?? '', outcome: 'updated', changes: inFieldOrder(changes) };
  return passwordHash && write.passwordToHash ? { record, passwordHashes: { before: found?.passwordHash ?? null, after: passwordHash } } : { record };
}

/** Group id → name, from the directory's name → id. */
export function groupNamesById(groupIdsByName: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...groupIdsByName].map(([name, id]) => [id, name]));
}

function isProfileField(key: string): key is 'email' | 'firstName' | 'lastName' | 'externalId' {
  return key === 'email' || key === 'firstName' || key === 'lastName' || key === 'externalId';
}

/** Unset and empty read the same to an admin (a blank cell, an empty list); lists compare as sets. */
function sameValue(before: FieldValue, after: FieldValue): boolean {
  const empty = (value: FieldValue) => value === null || value.length === 0;
  if (empty(before) || empty(after)) return empty(before) && empty(after);
  if (typeof before === 'string' || typeof after === 'string') return before === after;
  const left = new Set(before);
  const right = new Set(after);
  return left.size === right.size && [...left].every((item) => right.has(item));
}

function inFieldOrder(changes: FieldChange[]): FieldChange[] {
  const rank = (field: ChangedField) => {
    const index = FIELD_ORDER.indexOf(field);
    return index === -1 ? FIELD_ORDER.length : index;
  };
  // A stable sort: custom fields keep the order they were set in.
  return [...changes].sort((a, b) => rank(a.field) - rank(b.field));
}
