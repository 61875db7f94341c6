import { ObjectId, type AnyBulkWriteOperation, type Document } from 'mongodb';
import { UserModel } from './userModel';
import { IncompleteWriteError, writeRefusalOf } from './databaseErrors';
import type { LastImport, UserWrite, WriteRefusal } from '../rules/chunkPlan';

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

