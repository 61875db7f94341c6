import { MongoBulkWriteError, ObjectId, type AnyBulkWriteOperation } from 'mongodb';
import { UserModel } from '../directory/userModel';
import { hashPassword } from '../directory/passwordHashing';
import { IncompleteWriteError, isDatabaseUnavailable } from '../database/databaseErrors';
import type { RowDecision } from './rowDecision';
import type { ChunkJob, ChunkRow } from './applyChunk';

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

/**
 * Writes a chunk's users in one unordered bulk write and returns, by operation index, the
 * writes MongoDB refused. Only an answer that accounts for every operation is trusted: a
 * dropped connection, a step-down or a timeout surfaces as the same error class with no refused
 * rows, and counting those rows as written would report users that do not exist. Such an
 * answer throws IncompleteWriteError and the chunk is replayed from its checkpoint.
 */
export async function writeUsers(operations: AnyBulkWriteOperation[]): Promise<Map<number, RefusedWrite>> {
  const refused = new Map<number, RefusedWrite>();
  if (operations.length === 0) return refused;
  try {
    const result = await UserModel.collection.bulkWrite(operations, { ordered: false });
    // An update that matched nobody: the user was deleted after the chunk read it. Replaying the
    // chunk decides that row again (as a create) instead of counting a write that did nothing.
    if (result.insertedCount + result.matchedCount < operations.length) throw new IncompleteWriteError(new Error('a user was deleted while the chunk was applied'));
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const writeErrors = Array.isArray(error.writeErrors) ? error.writeErrors : [error.writeErrors];
    const answered = error.result.insertedCount + error.result.matchedCount + writeErrors.length;
    if (writeErrors.length === 0 && !isDatabaseUnavailable(error)) throw error;
    if (writeErrors.length === 0 || answered < operations.length || error.result.getWriteConcernError()) {
      throw new IncompleteWriteError(error);
    }
    for (const writeError of writeErrors) {
      const isInsert = 'insertOne' in operations[writeError.index];
      refused.set(writeError.index, {
        message: describeWriteError(writeError.code, writeError.errmsg ?? ''),
        taken: writeError.code === 11000 && isInsert,
      });
    }
  }
  return refused;
}

function describeWriteError(code: number | undefined, errmsg: string): string {
  if (code === 11000 && errmsg.includes('externalId')) {
    return 'Another user took this external ID while the import ran. Give this user a different external ID, or re-run this row.';
  }
  if (code === 11000) return 'This username was created by someone else while the import ran. Re-run this row to update that user.';
  return `The database refused this row (${errmsg.slice(0, 200)}). Re-run it; if it fails again, contact support.`;
}
