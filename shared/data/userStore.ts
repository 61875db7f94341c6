import type { Document, ObjectId } from 'mongodb';
import type { Types } from 'mongoose';
import { invalidInput } from '../platform/appError';
import type { ChunkRow, FoundUser, FoundUsers } from '../rules/chunkPlan';
import { cellValue } from '../rules/rowDecision';
import { CUSTOM_FIELD_KEY_PATTERN } from './customFieldModel';
import { UserModel, type UserDocument } from './userModel';

// The users collection, read. Its writes are data/userWrites.ts.

type LeanUser = {
  _id: ObjectId;
  username: string;
  usernameKey: string;
  email: string;
  firstName?: string | null;
  lastName?: string | null;
  groupIds?: ObjectId[];
  roles?: string[];
  passwordHash?: string | null;
  externalId?: string | null;
  customFields?: Record<string, string>;
  lastImport?: { importId?: ObjectId; row?: number; outcome?: 'created' | 'updated' } | null;
  updatedAt?: Date | null;
};

/**
 * One query for the users a chunk names by username and for the holders of its external IDs
 * (an `$or` that MongoDB answers from the two indexes).
 */
export async function findChunkUsers(rows: ChunkRow[]): Promise<FoundUsers> {
  const keys = [...new Set(rows.filter((row) => row.usernameKey).map((row) => row.usernameKey))];
  const externalIds = [...new Set(rows.map((row) => cellValue(row.cells.externalId)).filter((id): id is string => Boolean(id)))];
  const filter = chunkUsersFilter(keys, externalIds);
  if (!filter) return { byKey: new Map(), holders: new Map() };
  // The driver's own find: the filter is built here from strings, so mongoose's casting of
  // each of the up to 2,000 $in values adds time and nothing else.
  // At most one user per key and per external ID answers: one batch holds them all, instead of
  // the first batch of 101 and a getMore for the rest.
  const users = (await UserModel.collection.find(filter, { batchSize: keys.length + externalIds.length }).toArray()) as unknown as LeanUser[];
  const wantedKeys = new Set(keys);
  const wantedIds = new Set(externalIds);
  return {
    byKey: new Map(users.filter((user) => wantedKeys.has(user.usernameKey)).map((user) => [user.usernameKey, foundUser(user)])),
    holders: new Map(
      users.filter((user) => user.externalId && wantedIds.has(user.externalId)).map((user) => [user.externalId as string, { id: String(user._id), username: user.username }]),
    ),
  };
}

/**
 * The chunk's query. The external ID branch states the partial index's filter (`$type:
 * 'string'`): mongod uses a partial index only for a query whose predicates imply its filter,
 * and it does not infer a `$type` from the values of an `$in`, so without it every chunk with
 * an external ID scanned the whole users collection.
 */
export function chunkUsersFilter(usernameKeys: string[], externalIds: string[]): Record<string, unknown> | undefined {
  const branches: Record<string, unknown>[] = [];
  if (usernameKeys.length) branches.push({ usernameKey: { $in: usernameKeys } });
  if (externalIds.length) branches.push({ externalId: { $in: externalIds, $type: 'string' } });
  if (branches.length === 0) return undefined;
  return branches.length === 1 ? branches[0] : { $or: branches };
}

function foundUser(user: LeanUser): FoundUser {
  const { lastImport } = user;
  return {
    id: String(user._id),
    username: user.username,
    email: user.email,
    firstName: user.firstName ?? undefined,
    lastName: user.lastName ?? undefined,
    groupIds: (user.groupIds ?? []).map(String),
    roles: user.roles ?? [],
    externalId: user.externalId ?? undefined,
    customFields: user.customFields ?? {},
    hasPassword: Boolean(user.passwordHash),
    passwordHash: user.passwordHash ?? undefined,
    updatedAt: user.updatedAt ?? null,
    lastImport: lastImport?.importId && lastImport.row !== undefined && lastImport.outcome
      ? { importId: String(lastImport.importId), row: lastImport.row, outcome: lastImport.outcome }
      : undefined,
  };
}

/** A user as an undo reads it: every field a change record names, the hash and `updatedAt`. */
export interface StoredUser extends Document {
  _id: ObjectId;
  groupIds?: ObjectId[];
  updatedAt?: Date;
}

/** The users of an undo chunk's records, as they are now (one query; removed users are absent). */
export async function findUndoUsers(userIds: ObjectId[]): Promise<StoredUser[]> {
  return (await UserModel.collection
    .find({ _id: { $in: userIds } }, { projection: { email: 1, firstName: 1, lastName: 1, externalId: 1, groupIds: 1, roles: 1, customFields: 1, passwordHash: 1, updatedAt: 1 } })
    .toArray()) as StoredUser[];
}

/** The stored fields an export row is made of; the password hash is never fetched. */
export type ExportedUser = Pick<UserDocument, 'email' | 'username' | 'firstName' | 'lastName' | 'groupIds' | 'roles' | 'externalId' | 'customFields'>;

/** Every user in _id order, a cursor batch (1,000 users) at a time; closing the generator closes the cursor. */
export async function* readUsersForExport(): AsyncGenerator<ExportedUser[]> {
  const cursor = UserModel.collection.find({}, { projection: { passwordHash: 0 }, sort: { _id: 1 }, batchSize: 1000 });
  try {
    while (await cursor.hasNext()) yield cursor.readBufferedDocuments() as unknown as ExportedUser[];
  } finally {
    await cursor.close();
  }
}

/** What an invitation mail is addressed with; null when the user is gone. */
export async function findUserToInvite(userId: Types.ObjectId): Promise<{ username: string; email: string; firstName?: string | null } | null> {
  return UserModel.findById(userId, { username: 1, email: 1, firstName: 1 }).lean();
}

/** The username of an invited user, who follows the link; null when the user is gone. */
export async function findInvitedUser(userId: Types.ObjectId): Promise<{ username: string } | null> {
  return UserModel.findById(userId, { username: 1 }).lean();
}

/** A user as an admin names one: by id, username or e-mail address. */
export interface NamedUser {
  _id: Types.ObjectId;
  username: string;
  email: string;
}

const NAMED = { username: 1, email: 1 };

export async function findNamedUserById(id: string): Promise<NamedUser | null> {
  return UserModel.findById(id, NAMED).lean();
}

export async function findNamedUserByUsernameKey(usernameKey: string): Promise<NamedUser | null> {
  return UserModel.findOne({ usernameKey }, NAMED).lean();
}

/** At most `limit` of the users with this e-mail address (several users may share one). */
export async function findNamedUsersByEmail(email: string, limit: number): Promise<NamedUser[]> {
  return UserModel.find({ email }, NAMED).limit(limit).lean();
}

/** Where users store a custom field's value. Refuses any key that could address another path. */
export function customFieldValuePath(key: string): string {
  if (!CUSTOM_FIELD_KEY_PATTERN.test(key)) throw invalidInput('invalid_custom_field_key', `"${key.slice(0, 60)}" is not a custom field key.`);
  return `customFields.${key}`;
}

/** Whether any user still holds a value under the custom field's key (an own property: `constructor` is data). */
export async function anyUserHasValue(key: string): Promise<boolean> {
  return Boolean(await UserModel.exists({ [customFieldValuePath(key)]: { $exists: true } }));
}
