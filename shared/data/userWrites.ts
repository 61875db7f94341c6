import { ObjectId, type AnyBulkWriteOperation, type Document } from 'mongodb';
import type { Types } from 'mongoose';
import { UserModel } from './userModel';
import { IncompleteWriteError, onlyDuplicateKeys, writeErrorsOf, writeRefusalOf } from './databaseErrors';
import { customFieldValuePath } from './userStore';
import type { LastImport, UserWrite, WriteRefusal } from '../rules/chunkPlan';

// The users collection, written: by an import's chunks, an undo, the directory and invitations.
// Its reads are data/userStore.ts.

/**
 * The MongoDB operation a planned write describes (rules/chunkPlan.ts), with the ids as
 * ObjectIds, the timestamps (raw commands skip mongoose's) and the hash of `passwordToHash`.
 */
export function userOperation(write: UserWrite, passwordHash: string | undefined): AnyBulkWriteOperation {
  const now = new Date();
  const lastImport = storedLastImport(write.lastImport);
  if (write.kind === 'insert') {
    const { user } = write;
    const document = {
      _id: new ObjectId(write.userId),
      ...user,
      groupIds: user.groupIds.map((id) => new ObjectId(id)),
      ...(passwordHash ? { passwordHash } : {}),
      lastImport,
      createdAt: now,
      updatedAt: now,
    };
    return { insertOne: { document } } as AnyBulkWriteOperation;
  }
  const set: Document = { lastImport, updatedAt: now, ...write.set };
  if (Array.isArray(write.set.groupIds)) set.groupIds = write.set.groupIds.map((id) => new ObjectId(id));
  if (passwordHash) set.passwordHash = passwordHash;
  // Only the user as the chunk read it: one changed since (an undo's restore, another import) is left alone and decided again.
  return { updateOne: { filter: { _id: new ObjectId(write.userId), updatedAt: write.readUpdatedAt }, update: { $set: set } } } as AnyBulkWriteOperation;
}

function storedLastImport(lastImport: LastImport) {
  return { importId: new ObjectId(lastImport.importId), row: lastImport.row, outcome: lastImport.outcome };
}

interface WriteReply {
  n?: number;
  writeErrors?: { index: number; code?: number; errmsg?: string }[];
  writeConcernError?: unknown;
}

/**
 * Writes a chunk's users as two unordered commands, the updates (which may free an external ID)
 * before the inserts (which may take it), and returns, by operation index, the writes MongoDB
 * refused, in the words of rules/chunkPlan.ts (which says what they mean). Commands, not the driver's bulkWrite: that serialises every document once to size
 * its batches and again to send them, a fifth of the worker's time in a large import, and a
 * chunk is far below a batch's limits. Only an answer that accounts for every operation is
 * trusted: a dropped connection, a step-down or a timeout throws, and an answer that counts
 * fewer writes than were sent throws IncompleteWriteError; the chunk is then replayed from its
 * checkpoint instead of counting users that may not exist.
 */
export async function writeUsers(operations: AnyBulkWriteOperation[]): Promise<Map<number, WriteRefusal>> {
  const refused = new Map<number, WriteRefusal>();
  const inserts: { index: number; document: Document }[] = [];
  const updates: { index: number; q: Document; u: Document }[] = [];
  operations.forEach((operation, index) => {
    if ('insertOne' in operation) inserts.push({ index, document: operation.insertOne.document as Document });
    else if ('updateOne' in operation) updates.push({ index, q: operation.updateOne.filter as Document, u: operation.updateOne.update as Document });
  });
  const collection = UserModel.collection.collectionName;
  const db = UserModel.db.db!;
  if (updates.length > 0) {
    const reply = (await db.command({ update: collection, updates: updates.map(({ q, u }) => ({ q, u })), ordered: false })) as WriteReply;
    collectRefusals(reply, updates, refused);
    // Updates that matched nobody: their user was changed (or deleted) after the chunk read it.
    // Which ones is read back from the users: a write that landed left its lastImport mark.
    if ((reply.n ?? 0) + (reply.writeErrors?.length ?? 0) < updates.length) await refuseUpdatesThatMissed(updates.filter(({ index }) => !refused.has(index)), refused);
  }
  if (inserts.length > 0) {
    const reply = (await db.command({ insert: collection, documents: inserts.map(({ document }) => document), ordered: false })) as WriteReply;
    collectRefusals(reply, inserts, refused);
    if ((reply.n ?? 0) + (reply.writeErrors?.length ?? 0) < inserts.length) throw new IncompleteWriteError(new Error(`MongoDB answered for ${reply.n ?? 0} of ${inserts.length} inserts`));
  }
  return refused;
}

/** The updates whose user no longer held what the chunk read, refused as write conflicts. */
async function refuseUpdatesThatMissed(updates: { index: number; q: Document; u: Document }[], refused: Map<number, WriteRefusal>): Promise<void> {
  const marks = await UserModel.collection.find({ _id: { $in: updates.map(({ q }) => q._id) } }, { projection: { lastImport: 1 } }).toArray();
  const landed = new Set(marks.filter((user) => user.lastImport).map((user) => markOf(user._id, user.lastImport)));
  for (const { index, q, u } of updates) {
    if (!landed.has(markOf(q._id, u.$set.lastImport))) refused.set(index, { reason: 'write_conflict', errmsg: 'the user changed after the chunk read it' });
  }
}

const markOf = (userId: unknown, lastImport: { importId?: unknown; row?: unknown }) => `${String(userId)}:${String(lastImport.importId)}:${String(lastImport.row)}`;

function collectRefusals(reply: WriteReply, sent: { index: number }[], refused: Map<number, WriteRefusal>): void {
  if (reply.writeConcernError) throw new IncompleteWriteError(new Error(`write concern: ${JSON.stringify(reply.writeConcernError)}`));
  for (const writeError of reply.writeErrors ?? []) {
    const operation = sent[writeError.index];
    if (!operation) throw new IncompleteWriteError(new Error(`MongoDB refused write ${writeError.index} of ${sent.length}`));
    refused.set(operation.index, writeRefusalOf(writeError));
  }
}


/**
 * An undo's writes of a chunk, one unordered bulk write. The only refusal an undo's write can
 * meet is an external ID put back that another user has taken since (the unique index): the
 * indexes of those writes are reported, not retried, and decided the same way on a replay.
 */
export async function writeUndoUsers(operations: AnyBulkWriteOperation[]): Promise<{ matched: number; deleted: number; refused: number[] }> {
  try {
    const result = await UserModel.collection.bulkWrite(operations, { ordered: false });
    return { matched: result.matchedCount, deleted: result.deletedCount, refused: [] };
  } catch (error) {
    if (!onlyDuplicateKeys(error)) throw error;
    return { matched: error.result.matchedCount, deleted: error.result.deletedCount, refused: writeErrorsOf(error).map((writeError) => writeError.index) };
  }
}

/** Takes these groups off these users (groups deleted while an undo put them back). */
export async function pullGroupsFromUsers(userIds: ObjectId[], groupIds: ObjectId[]): Promise<void> {
  await UserModel.collection.updateMany({ _id: { $in: userIds }, groupIds: { $in: groupIds } }, { $pull: { groupIds: { $in: groupIds } } } as Document);
}

/** Takes these custom fields' values off these users (fields deleted while an undo put them back). */
export async function unsetCustomFieldsOfUsers(userIds: ObjectId[], keys: string[]): Promise<void> {
  await UserModel.collection.updateMany({ _id: { $in: userIds } }, { $unset: Object.fromEntries(keys.map((key) => [`customFields.${key}`, ''])) });
}

/** Takes a deleted group off every user that has it. */
export async function removeGroupFromUsers(groupId: Types.ObjectId): Promise<void> {
  await UserModel.updateMany({ groupIds: groupId }, { $pull: { groupIds: groupId } });
}

/** Sets a user's password; false when the user no longer exists. */
export async function setUserPassword(userId: Types.ObjectId, passwordHash: string): Promise<boolean> {
  const written = await UserModel.updateOne({ _id: userId }, { $set: { passwordHash } });
  return written.matchedCount > 0;
}

/** Users whose values one write removes: a million-user directory never sees one giant write. */
const REMOVAL_BATCH = 1000;

/**
 * Removes a custom field's value from every user, a batch of ids at a time, walking forward by
 * `_id` so each user is looked at once however many batches it takes. Returns how many users
 * lost a value; running it again removes only what is left.
 */
export async function removeValueFromUsers(key: string): Promise<number> {
  const path = customFieldValuePath(key);
  let removed = 0;
  let after: Types.ObjectId | undefined;
  for (;;) {
    const holders = await UserModel.find({ ...(after && { _id: { $gt: after } }), [path]: { $exists: true } }, { _id: 1 })
      .sort({ _id: 1 })
      .limit(REMOVAL_BATCH)
      .lean();
    if (!holders.length) return removed;
    const ids = holders.map((user) => user._id);
    const result = await UserModel.updateMany({ _id: { $in: ids }, [path]: { $exists: true } }, { $unset: { [path]: '' } });
    removed += result.modifiedCount;
    after = ids[ids.length - 1];
  }
}
