import { ObjectId, type AnyBulkWriteOperation, type Document } from 'mongodb';
import { UserModel } from './userModel';
import { IncompleteWriteError } from './databaseErrors';
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
  return { updateOne: { filter: { _id: new ObjectId(write.userId) }, update: { $set: set } } } as AnyBulkWriteOperation;
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
 * refused, in MongoDB's terms (rules/chunkPlan.ts says what they mean). Commands, not the driver's bulkWrite: that serialises every document once to size
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
    // An update that matched nobody: the user was deleted after the chunk read it. Replaying the
    // chunk decides that row again (as a create) instead of counting a write that did nothing.
    if ((reply.n ?? 0) + (reply.writeErrors?.length ?? 0) < updates.length) throw new IncompleteWriteError(new Error('a user was deleted while the chunk was applied'));
  }
  if (inserts.length > 0) {
    const reply = (await db.command({ insert: collection, documents: inserts.map(({ document }) => document), ordered: false })) as WriteReply;
    collectRefusals(reply, inserts, refused);
    if ((reply.n ?? 0) + (reply.writeErrors?.length ?? 0) < inserts.length) throw new IncompleteWriteError(new Error(`MongoDB answered for ${reply.n ?? 0} of ${inserts.length} inserts`));
  }
  return refused;
}

function collectRefusals(reply: WriteReply, sent: { index: number }[], refused: Map<number, WriteRefusal>): void {
  if (reply.writeConcernError) throw new IncompleteWriteError(new Error(`write concern: ${JSON.stringify(reply.writeConcernError)}`));
  for (const writeError of reply.writeErrors ?? []) {
    const operation = sent[writeError.index];
    if (!operation) throw new IncompleteWriteError(new Error(`MongoDB refused write ${writeError.index} of ${sent.length}`));
    refused.set(operation.index, { code: writeError.code, errmsg: writeError.errmsg ?? '' });
  }
}

