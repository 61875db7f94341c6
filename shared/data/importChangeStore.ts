import { ObjectId, type Document } from 'mongodb';
import type { Types } from 'mongoose';
import { ImportChangeModel } from './importChangeModel';
import { IncompleteWriteError, isDuplicateKey } from './databaseErrors';
import type { ChangeOutcome, ChangeRecord, FieldChange, PasswordHashes, RecordedChange } from '../rules/changeRecords';
import type { FieldCount } from '../rules/changeReport';

// The change records collection: what each import row did to its user (rules/changeRecords.ts),
// written with the chunk, read by the change preview and walked back by an undo.

interface WriteReply {
  n?: number;
  writeErrors?: { index: number; code?: number; errmsg?: string }[];
  writeConcernError?: unknown;
}

/**
 * Writes a round's change records, unordered, as raw commands for the reasons of
 * data/userWrites.ts and with the same accounting: an answer that does not account for every
 * record throws IncompleteWriteError and the chunk is replayed, so no user is written without
 * its record. One `insert` command as a rule. A record already there (`importId` + `row` is
 * unique) comes from an interrupted attempt or an earlier round of this chunk (an insert
 * refused because its user appeared meanwhile, decided again as an update): the round's record
 * replaces it, in one more `update` command, so each row keeps exactly one record, the last
 * one decided. Inserting first rather than upserting spares the common case the lookup.
 */
export async function writeChangeRecords(changes: readonly RecordedChange[], expiresAt: Date): Promise<void> {
  if (changes.length === 0) return;
  const documents = changes.map((change) => storedRecord(change, expiresAt));
  const db = ImportChangeModel.db.db!;
  const collection = ImportChangeModel.collection.collectionName;
  const inserted = (await db.command({ insert: collection, documents: documents.map((document) => ({ _id: new ObjectId(), ...document })), ordered: false })) as WriteReply;
  const present = refusedAsDuplicates(inserted, changes);
  if ((inserted.n ?? 0) + present.length < changes.length) throw new IncompleteWriteError(new Error(`MongoDB answered for ${inserted.n ?? 0} of ${changes.length} change records`));
  if (present.length === 0) return;
  const updates = present.map((index) => ({ q: { importId: documents[index].importId, row: documents[index].row }, u: documents[index], upsert: true }));
  const replaced = (await db.command({ update: collection, updates, ordered: false })) as WriteReply;
  const raced = refusedAsDuplicates(replaced, present.map((index) => changes[index]));
  // Two runners writing the same record at once (a worker that lost its lock, still writing): replay.
  if (raced.length > 0 || (replaced.n ?? 0) < updates.length) throw new IncompleteWriteError(new Error(`MongoDB replaced ${replaced.n ?? 0} of ${updates.length} change records`));
}

function storedRecord({ record, passwordHashes }: RecordedChange, expiresAt: Date): Document {
  return {
    importId: new ObjectId(record.importId),
    row: record.row,
    userId: new ObjectId(record.userId),
    username: record.username,
    outcome: record.outcome,
    changes: record.changes,
    ...(passwordHashes ? { passwordHashes } : {}),
    expiresAt,
  };
}

/** The indexes (into `sent`) of the records refused as already there; any other refusal throws. */
function refusedAsDuplicates(reply: WriteReply, sent: readonly RecordedChange[]): number[] {
  if (reply.writeConcernError) throw new IncompleteWriteError(new Error(`write concern: ${JSON.stringify(reply.writeConcernError)}`));
  return (reply.writeErrors ?? []).map((refusal) => {
    if (isDuplicateKey(refusal) && sent[refusal.index]) return refusal.index;
    throw new Error(`MongoDB refused the change record of row ${sent[refusal.index]?.record.row} (${refusal.errmsg ?? `code ${refusal.code}`})`);
  });
}

/** Removes the records of rows that, in the end, changed nothing: refused, failed, or found unchanged on a replay. */
export async function removeChangeRecords(importId: ObjectId, rows: readonly number[]): Promise<void> {
  if (rows.length === 0) return;
  const reply = (await ImportChangeModel.db.db!.command({ delete: ImportChangeModel.collection.collectionName, deletes: [{ q: { importId, row: { $in: rows } }, limit: 0 }] })) as WriteReply;
  if (reply.writeErrors?.length || reply.writeConcernError) throw new IncompleteWriteError(new Error(`removing change records: ${JSON.stringify(reply.writeErrors ?? reply.writeConcernError)}`));
}

/**
 * The last row an import has a record for (0 when none): a resumed import's chunks up to it may
 * hold records of an interrupted attempt, which the replay must correct.
 */
export async function lastRecordedRow(importId: ObjectId): Promise<number> {
  const last = await ImportChangeModel.collection.findOne({ importId }, { projection: { _id: 0, row: 1 }, sort: { row: -1 } });
  return (last?.row as number | undefined) ?? 0;
}

/** How many change records an import has (an undo needs one per user the import changed). */
export async function countChangeRecords(importId: ObjectId): Promise<number> {
  return ImportChangeModel.countDocuments({ importId });
}

/** None of an import's records expires before `until` (while an undo walks them); a later expiry stays. */
export async function keepChangeRecordsUntil(importId: ObjectId, until: Date): Promise<void> {
  await ImportChangeModel.updateMany({ importId }, { $max: { expiresAt: until } });
}

/** A change record as an undo reads it: with the password hashes and whether an undo removed its user. */
export type UndoneChangeRecord = ChangeRecord & {
  _id: ObjectId;
  userId: ObjectId;
  importId: ObjectId;
  passwordHashes?: PasswordHashes | null;
  removedBy?: ObjectId | null;
};

/**
 * An import's records of the rows before `beforeRow`, last row first, `chunkSize` at a time,
 * from one cursor: one sorted read for a whole undo rather than a query per chunk that would
 * find its place in the records again each time.
 */
export async function* changeRecordChunksLastRowFirst(importId: ObjectId, beforeRow: number, chunkSize: number): AsyncGenerator<UndoneChangeRecord[]> {
  const cursor = ImportChangeModel.find({ importId, row: { $lt: beforeRow } })
    .select('+passwordHashes')
    .sort({ row: -1 })
    .lean()
    .cursor({ batchSize: chunkSize });
  let chunk: UndoneChangeRecord[] = [];
  try {
    for await (const record of cursor) {
      chunk.push(record as unknown as UndoneChangeRecord);
      if (chunk.length < chunkSize) continue;
      yield chunk;
      chunk = [];
    }
    if (chunk.length > 0) yield chunk;
  } finally {
    await cursor.close();
  }
}

/** Marks these records' users removed by the undo, before it deletes them: a replay that finds a user gone knows this undo removed it. */
export async function markRecordsRemoved(recordIds: ObjectId[], undoId: ObjectId): Promise<void> {
  await ImportChangeModel.updateMany({ _id: { $in: recordIds } }, { $set: { removedBy: undoId } });
}

/** The fields the change preview serves: a record's password hashes are never fetched. */
const SERVED = { row: 1, userId: 1, username: 1, outcome: 1, changes: 1 } as const;

/** A change record as the change preview serves it. */
export interface ServedChangeRecord {
  row: number;
  userId: Types.ObjectId;
  username: string;
  outcome: ChangeOutcome;
  changes: FieldChange[];
}

/** At most `limit` of an import's records after `afterRow`, in row order. */
export async function findChangeRecordsAfter(importId: Types.ObjectId, afterRow: number, limit: number): Promise<ServedChangeRecord[]> {
  return ImportChangeModel.find({ importId, row: { $gt: afterRow } }, SERVED)
    .sort({ row: 1 })
    .limit(limit)
    .lean<ServedChangeRecord[]>();
}

/** Every record of an import, in row order, from a cursor `batchSize` records at a time. */
export function readChangeRecords(importId: Types.ObjectId, batchSize: number): AsyncIterable<ServedChangeRecord> {
  return ImportChangeModel.find({ importId }, SERVED).sort({ row: 1 }).lean<ServedChangeRecord[]>().cursor({ batchSize }) as AsyncIterable<ServedChangeRecord>;
}

/** One aggregation over an import's records: how many users of each outcome each field names. */
export async function countChangedFields(importId: Types.ObjectId): Promise<FieldCount[]> {
  const groups = await ImportChangeModel.aggregate<{ _id: { field: string; outcome: ChangeOutcome }; users: number }>([
    { $match: { importId } },
    { $project: { _id: 0, outcome: 1, 'changes.field': 1 } },
    { $unwind: '$changes' },
    { $group: { _id: { field: '$changes.field', outcome: '$outcome' }, users: { $sum: 1 } } },
  ]);
  return groups.map((group) => ({ field: group._id.field, outcome: group._id.outcome, users: group.users }));
}
