import { ObjectId, type AnyBulkWriteOperation, type Document } from 'mongodb';
import { UserModel } from './userModel';
import { hashPassword } from '../directory/passwordHashing';
import { IncompleteWriteError } from './databaseErrors';
import type { RowDecision } from '../rules/rowDecision';
import type { ChunkJob, ChunkRow } from '../imports/applyChunk';

/** One user write a row decided on, with what it counts as once MongoDB has taken it. */
export interface PlannedWrite {
  row: ChunkRow;
  operation: AnyBulkWriteOperation;
  outcome: 'created' | 'updated';
  userId: string;
}

/** Why MongoDB refused one write of a chunk; `taken` says another writer got there first. */
export interface RefusedWrite {
  message: string;
  /** A duplicate key on insert: the user (or its external ID) was created meanwhile. */
  taken: boolean;
}

/**
 * The write a create or update decision needs. Each write stamps `lastImport` with the job and
 * row, so a chunk replayed after a crash recognises its own writes and counts them once.
 */
export async function planWrite(row: ChunkRow, decision: Extract<RowDecision, { kind: 'create' | 'update' }>, job: ChunkJob): Promise<PlannedWrite> {
  const passwordHash = decision.password ? await hashPassword(decision.password) : undefined;
  if (decision.kind === 'create') {
    const _id = new ObjectId();
    const { user } = decision;
    const document = {
      _id,
      ...user,
      groupIds: user.groupIds.map((id) => new ObjectId(id)),
      ...(passwordHash ? { passwordHash } : {}),
      lastImport: { jobId: job.jobId, row: row.row, outcome: 'created' as const },
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    return { row, operation: { insertOne: { document } } as AnyBulkWriteOperation, outcome: 'created', userId: String(_id) };
  }
  const set: Record<string, unknown> = { lastImport: { jobId: job.jobId, row: row.row, outcome: 'updated' }, updatedAt: new Date() };
  for (const [field, value] of Object.entries(decision.changes)) {
    if (field === 'customFields') {
      for (const [key, text] of Object.entries(value as Record<string, string>)) set[`customFields.${key}`] = text;
    } else if (field === 'groupIds') {
      set.groupIds = (value as string[]).map((id) => new ObjectId(id));
    } else {
      set[field] = value;
    }
  }
  if (passwordHash) set.passwordHash = passwordHash;
  const operation = { updateOne: { filter: { _id: new ObjectId(decision.userId) }, update: { $set: set } } } as AnyBulkWriteOperation;
  return { row, operation, outcome: 'updated', userId: decision.userId };
}

interface WriteReply {
  n?: number;
  writeErrors?: { index: number; code?: number; errmsg?: string }[];
  writeConcernError?: unknown;
}

/**
 * Writes a chunk's users as two unordered commands, the updates (which may free an external ID)
 * before the inserts (which may take it), and returns, by operation index, the writes MongoDB
 * refused. Commands, not the driver's bulkWrite: that serialises every document once to size
 * its batches and again to send them, a fifth of the worker's time in a large import, and a
 * chunk is far below a batch's limits. Only an answer that accounts for every operation is
 * trusted: a dropped connection, a step-down or a timeout throws, and an answer that counts
 * fewer writes than were sent throws IncompleteWriteError; the chunk is then replayed from its
 * checkpoint instead of counting users that may not exist.
 */
export async function writeUsers(operations: AnyBulkWriteOperation[]): Promise<Map<number, RefusedWrite>> {
  const refused = new Map<number, RefusedWrite>();
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
    collectRefusals(reply, updates, false, refused);
    // An update that matched nobody: the user was deleted after the chunk read it. Replaying the
    // chunk decides that row again (as a create) instead of counting a write that did nothing.
    if ((reply.n ?? 0) + (reply.writeErrors?.length ?? 0) < updates.length) throw new IncompleteWriteError(new Error('a user was deleted while the chunk was applied'));
  }
  if (inserts.length > 0) {
    const reply = (await db.command({ insert: collection, documents: inserts.map(({ document }) => document), ordered: false })) as WriteReply;
    collectRefusals(reply, inserts, true, refused);
    if ((reply.n ?? 0) + (reply.writeErrors?.length ?? 0) < inserts.length) throw new IncompleteWriteError(new Error(`MongoDB answered for ${reply.n ?? 0} of ${inserts.length} inserts`));
  }
  return refused;
}

function collectRefusals(reply: WriteReply, sent: { index: number }[], inserting: boolean, refused: Map<number, RefusedWrite>): void {
  if (reply.writeConcernError) throw new IncompleteWriteError(new Error(`write concern: ${JSON.stringify(reply.writeConcernError)}`));
  for (const writeError of reply.writeErrors ?? []) {
    const operation = sent[writeError.index];
    if (!operation) throw new IncompleteWriteError(new Error(`MongoDB refused write ${writeError.index} of ${sent.length}`));
    refused.set(operation.index, {
      message: describeWriteError(writeError.code, writeError.errmsg ?? ''),
      taken: writeError.code === 11000 && inserting,
    });
  }
}

function describeWriteError(code: number | undefined, errmsg: string): string {
  if (code === 11000 && errmsg.includes('externalId')) {
    return 'Another user took this external ID while the import ran. Give this user a different external ID, or re-run this row.';
  }
  if (code === 11000) return 'This username was created by someone else while the import ran. Re-run this row to update that user.';
  return `The database refused this row (${errmsg.slice(0, 200)}). Re-run it; if it fails again, contact support.`;
}
