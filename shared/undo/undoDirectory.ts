import { ObjectId, type Document } from 'mongodb';
import { existingCustomFieldKeys } from '../data/customFieldStore';
import { loadDirectorySnapshot } from '../data/directorySnapshot';
import { existingGroupIds } from '../data/groupStore';
import type { StoredUser } from '../data/userStore';
import { pullGroupsFromUsers, unsetCustomFieldsOfUsers } from '../data/userWrites';
import type { FieldValue } from '../rules/changeRecords';
import type { UndoContext, UndoDecision, UserNow } from '../rules/undoDecision';

/**
 * The groups and custom fields as they are now, read again for every round of every chunk: an
 * undo can run for minutes while admins create and delete groups and fields, and a list read
 * once at its start would drop a group given since (so the undo would not see the change) and
 * put back one deleted since.
 */
export interface UndoDirectory {
  idByName: Map<string, ObjectId>;
  nameById: Map<string, string>;
  customFieldKeys: Set<string>;
}

export async function loadUndoDirectory(): Promise<UndoDirectory> {
  const { groupIdsByName, customFields } = await loadDirectorySnapshot();
  const groups = [...groupIdsByName];
  return {
    idByName: new Map(groups.map(([name, id]) => [name, new ObjectId(id)])),
    nameById: new Map(groups.map(([name, id]) => [id, name])),
    customFieldKeys: new Set(customFields.map((field) => field.key)),
  };
}

export function undoContext(directory: UndoDirectory): Omit<UndoContext, 'removedByUndo'> {
  return { groupExists: (name) => directory.idByName.has(name), customFieldExists: (key) => directory.customFieldKeys.has(key) };
}

/**
 * A group id the list does not know (created after it was read, or deleted and not yet taken off
 * the user) stays in the user's groups as a name no record holds: it cannot match what the
 * import wrote, so the user reads as changed since (a conflict), never as restored with the
 * group silently dropped. Brackets and the id make it readable in errors.csv.
 */
function unknownGroup(id: ObjectId): string {
  return `(group ${String(id)} not found)`;
}

/** The stored user in the record's terms: groups by name, blank as unset. */
export function userNow(user: StoredUser, directory: UndoDirectory): UserNow {
  return {
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    externalId: user.externalId,
    groups: (user.groupIds ?? []).map((id) => directory.nameById.get(String(id)) ?? unknownGroup(id)),
    roles: user.roles,
    customFields: user.customFields,
    passwordHash: user.passwordHash,
  };
}

/** `$set` the values before, `$unset` the fields that had none; lists go back to empty. */
export function restoreUpdate(decision: Extract<UndoDecision, { outcome: 'restored' | 'conflict' }>, directory: UndoDirectory): Document {
  const set: Document = { updatedAt: new Date() };
  const unset: Document = {};
  for (const [field, value] of decision.restore) {
    // The decision left out the groups this directory does not have, so every name maps.
    if (field === 'groups') set.groupIds = listOf(value).map((name) => directory.idByName.get(name)).filter((id) => id !== undefined);
    else if (field === 'roles') set.roles = listOf(value);
    // The other fields (email, names, external ID, `customFields.<key>`) are stored under their own name.
    else if (value === null) unset[field] = '';
    else set[field] = value;
  }
  if (decision.passwordHash) {
    if (decision.passwordHash.hash === null) unset.passwordHash = '';
    else set.passwordHash = decision.passwordHash.hash;
  }
  return Object.keys(unset).length > 0 ? { $set: set, $unset: unset } : { $set: set };
}

/**
 * A group or custom field deleted between this round's read and its write: the deletion took it
 * off every user before the write put it back. Read again after the write and take off what is
 * gone; a deletion that comes later takes it off itself.
 */
export async function dropDeletedSinceWrite(userIds: ObjectId[], writes: Document[]): Promise<void> {
  const groupIds = new Map<string, ObjectId>();
  const keys = new Set<string>();
  for (const update of writes) {
    for (const id of (update.$set?.groupIds ?? []) as ObjectId[]) groupIds.set(String(id), id);
    for (const path of Object.keys(update.$set ?? {})) if (path.startsWith('customFields.')) keys.add(path.slice('customFields.'.length));
  }
  if (groupIds.size === 0 && keys.size === 0) return;
  const [stillThere, keptKeys] = await Promise.all([existingGroupIds([...groupIds.values()]), existingCustomFieldKeys([...keys])]);
  const goneGroups = [...groupIds].filter(([id]) => !stillThere.has(id)).map(([, id]) => id);
  const goneKeys = [...keys].filter((key) => !keptKeys.has(key));
  if (goneGroups.length > 0) await pullGroupsFromUsers(userIds, goneGroups);
  if (goneKeys.length > 0) await unsetCustomFieldsOfUsers(userIds, goneKeys);
}

function listOf(value: FieldValue): string[] {
  if (value === null) return [];
  return Array.isArray(value) ? value : [value];
}
