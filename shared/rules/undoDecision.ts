/**
 * Undo of an import, one change record at a time: what to put back on the user, what to leave
 * because it changed since, and whether a user the import created can be removed. Every
 * message an admin reads about an undone row is written here.
 *
 * Groups are compared and written by name; the caller maps names to ids and back. A group
 * deleted since the import was taken off every user (directory/groupDirectory.ts), so it is
 * left out of both sides: what the user held before, minus the groups deleted since, is what the
 * user would hold today had the import never run.
 *
 * Lists (groups, roles) are compared as sets: their order means nothing to the product (an Add
 * mode import appends, an export of the same members in another order re-imports unchanged), so
 * a user whose list was only reordered since still holds what the import wrote. What is put
 * back is `before` in its recorded order, so the export reads exactly as before the import.
 */
import type { ChangeRecord, ChangedField, FieldValue, PasswordHashes } from './changeRecords';

/** The user as it is now, in the record's terms (groups by name). */
export interface UserNow {
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  externalId?: string | null;
  /** Names of the groups the user is in that still exist. */
  groups?: readonly string[] | null;
  roles?: readonly string[] | null;
  customFields?: Readonly<Record<string, string>> | null;
  passwordHash?: string | null;
}

export interface UndoContext {
  groupExists: (name: string) => boolean;
  /** A custom field deleted since was taken off every user, so it is left out as deleted groups are. */
  customFieldExists: (key: string) => boolean;
  /** The record says an undo of this import removed the user (written before the delete). */
  removedByUndo: boolean;
}

/** A field the undo did not put back, or a row it could not undo; one errors.csv line. */
export interface UndoProblem {
  /** Null for a problem of the whole row (the user no longer exists). */
  field: ChangedField | null;
  /** As the export would write it; a password is never shown. */
  current: string;
  wouldWrite: string;
  message: string;
}

/** The values to put back, by the record's field names; `null` unsets the field. */
export type Restore = Map<ChangedField, FieldValue>;

export type UndoDecision =
  /** Every changed field is back to (or still at) its value before the import. */
  | { outcome: 'restored'; restore: Restore; passwordHash?: { hash: string | null } }
  /** Some fields put back, the others changed since: left as they are and reported. */
  | { outcome: 'conflict'; restore: Restore; passwordHash?: { hash: string | null }; problems: UndoProblem[] }
  /** A created user still exactly as the import made it: `remove` false when already removed. */
  | { outcome: 'removed'; remove: boolean }
  | { outcome: 'failed'; problems: UndoProblem[] };

export type UndoOutcome = UndoDecision['outcome'];

export const HIDDEN_PASSWORD = '(hidden)';
export const REMOVE_USER = '(remove the user)';

export const UNDO_MESSAGES = {
  changedSince: 'Changed since the import (by a later import or by hand), so the undo left it as it is.',
  passwordChangedSince: 'The password was changed since the import, so the undo left it as it is.',
  passwordNotKept: 'The password before the import was not kept, so the undo cannot put it back; the password was left as it is.',
  createdChangedSince: 'Not removed: this field was changed since the import, so the user is kept as it is. Remove it by hand if it should go.',
  createdSetSince: 'Not removed: this field was set since the import, so the user is kept as it is. Remove it by hand if it should go.',
  // How the password was set (an accepted invitation, a later import) is not known here.
  createdSignedUp: 'Not removed: a password was set since the import (by the user or by a later import), so the account may be in use and is kept.',
  externalIdTaken: 'Another user has held this external ID since the import, so it cannot be put back; the user was left as it is.',
  notWrittenWithExternalId: 'Not put back: the external ID could not be put back (another user holds it), and a user\'s fields are put back together or not at all.',
  updatedUserGone: 'The user no longer exists, so there is nothing to put back.',
  createdUserGone: 'The user no longer exists, but not because of an undo of this import; nothing to remove.',
} as const;

/** The fields a created user can hold besides the ones its row set (set since by someone else). */
const STANDARD_FIELDS: readonly ChangedField[] = ['email', 'firstName', 'lastName', 'externalId', 'groups', 'roles'];

export function decideUndo(record: ChangeRecord & { passwordHashes?: PasswordHashes | null }, user: UserNow | undefined, context: UndoContext): UndoDecision {
  if (record.outcome === 'created') return decideCreated(record, user, context);
  if (!user) return { outcome: 'failed', problems: [{ field: null, current: '', wouldWrite: '', message: UNDO_MESSAGES.updatedUserGone }] };

  const restore: Restore = new Map();
  const problems: UndoProblem[] = [];
  let passwordHash: { hash: string | null } | undefined;
  for (const change of record.changes) {
    if (change.field === 'password') {
      const hashes = record.passwordHashes;
      const now = user.passwordHash ?? null;
      if (hashes && now === (hashes.before ?? null)) continue;
      if (hashes && now === hashes.after) passwordHash = { hash: hashes.before ?? null };
      else problems.push({ field: 'password', current: HIDDEN_PASSWORD, wouldWrite: HIDDEN_PASSWORD, message: hashes ? UNDO_MESSAGES.passwordChangedSince : UNDO_MESSAGES.passwordNotKept });
      continue;
    }
    if (deletedCustomField(change.field, context)) continue;
    const current = valueOf(user, change.field);
    const before = kept(change.field, change.before, context);
    const after = kept(change.field, change.after, context);
    // Already back (an earlier attempt of this undo, or someone put it back): nothing to write.
    if (sameValue(current, before) && !sameValue(current, after)) continue;
    if (sameValue(current, after)) restore.set(change.field, before);
    else problems.push({ field: change.field, current: valueText(current), wouldWrite: valueText(before), message: UNDO_MESSAGES.changedSince });
  }
  const password = passwordHash ? { passwordHash } : {};
  return problems.length > 0 ? { outcome: 'conflict', restore, ...password, problems } : { outcome: 'restored', restore, ...password };
}

/**
 * A created user is removed only when it is exactly as the import made it: every field the row
 * set still holds what it wrote, no other field was set since, and no password was set since.
 */
function decideCreated(record: ChangeRecord & { passwordHashes?: PasswordHashes | null }, user: UserNow | undefined, context: UndoContext): UndoDecision {
  if (!user) {
    if (context.removedByUndo) return { outcome: 'removed', remove: false };
    return { outcome: 'failed', problems: [{ field: null, current: '', wouldWrite: REMOVE_USER, message: UNDO_MESSAGES.createdUserGone }] };
  }
  const problems: UndoProblem[] = [];
  const written = new Set<ChangedField>();
  for (const change of record.changes) {
    written.add(change.field);
    if (change.field === 'password' || deletedCustomField(change.field, context)) continue;
    const current = valueOf(user, change.field);
    if (!sameValue(current, kept(change.field, change.after, context))) {
      problems.push({ field: change.field, current: valueText(current), wouldWrite: REMOVE_USER, message: UNDO_MESSAGES.createdChangedSince });
    }
  }
  const customKeys = Object.keys(user.customFields ?? {}).map((key): ChangedField => `customFields.${key}`);
  for (const field of [...STANDARD_FIELDS, ...customKeys]) {
    if (written.has(field)) continue;
    const current = valueOf(user, field);
    if (current !== null) problems.push({ field, current: valueText(current), wouldWrite: REMOVE_USER, message: UNDO_MESSAGES.createdSetSince });
  }
  const hash = user.passwordHash ?? null;
  if (hash !== null && hash !== (record.passwordHashes?.after ?? null)) {
    problems.push({ field: 'password', current: HIDDEN_PASSWORD, wouldWrite: REMOVE_USER, message: UNDO_MESSAGES.createdSignedUp });
  }
  return problems.length > 0 ? { outcome: 'conflict', restore: new Map(), problems } : { outcome: 'removed', remove: true };
}

/**
 * A restore MongoDB refused (an external ID taken by another user since): nothing of it was
 * written, so each field it would have put back is reported.
 */
export function notPutBack(restore: Restore, user: UserNow, password: boolean): UndoProblem[] {
  const problems = [...restore].map(([field, value]): UndoProblem => ({
    field,
    current: valueText(valueOf(user, field)),
    wouldWrite: valueText(value),
    message: field === 'externalId' ? UNDO_MESSAGES.externalIdTaken : UNDO_MESSAGES.notWrittenWithExternalId,
  }));
  if (password) problems.push({ field: 'password', current: HIDDEN_PASSWORD, wouldWrite: HIDDEN_PASSWORD, message: UNDO_MESSAGES.notWrittenWithExternalId });
  return problems;
}

/** The user's value of a field, normalised: blank text and empty lists are unset. */
export function valueOf(user: UserNow, field: ChangedField): FieldValue {
  if (field.startsWith('customFields.')) {
    const key = field.slice('customFields.'.length);
    const values = user.customFields ?? {};
    return normalised(Object.hasOwn(values, key) ? values[key] : null);
  }
  switch (field) {
    case 'groups':
      return normalised(user.groups ?? null);
    case 'roles':
      return normalised(user.roles ?? null);
    case 'email':
    case 'firstName':
    case 'lastName':
    case 'externalId':
      return normalised(user[field] ?? null);
    default:
      return null;
  }
}

function deletedCustomField(field: ChangedField, context: UndoContext): boolean {
  return field.startsWith('customFields.') && !context.customFieldExists(field.slice('customFields.'.length));
}

/** A recorded value as it can exist now: groups deleted since are left out. */
function kept(field: ChangedField, value: FieldValue, context: UndoContext): FieldValue {
  if (field === 'groups' && Array.isArray(value)) return normalised(value.filter((name) => context.groupExists(name)));
  return normalised(value);
}

function normalised(value: FieldValue | readonly string[] | undefined): FieldValue {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.length === 0 ? null : [...value];
  return value === '' ? null : (value as string);
}

export function sameValue(a: FieldValue, b: FieldValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    const left = new Set(a);
    const right = new Set(b);
    return left.size === right.size && [...left].every((item) => right.has(item));
  }
  return a === b;
}

/** As the export writes it: lists `; `-joined, unset blank. */
export function valueText(value: FieldValue): string {
  if (value === null) return '';
  return Array.isArray(value) ? value.join('; ') : value;
}

/** errors.csv of an undo: one line per field it left as it is, or per row it could not undo. */
export const UNDO_ERRORS_HEADER: readonly string[] = ['Row', 'Username', 'Field', 'Current value', 'Undo would write', 'Error'];
