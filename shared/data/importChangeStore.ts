import { ObjectId, type Document } from 'mongodb';
import { ImportChangeModel } from './importChangeModel';
import { IncompleteWriteError, isDuplicateKey } from './databaseErrors';
import type { RecordedChange } from '../rules/changeRecords';

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
