import type { ObjectId } from 'mongodb';
import { FINAL_STATUSES, IMPORT_STATUSES, ImportModel, type ImportRecord, type ImportStatus } from './importModel';
import type { ChunkOutcome } from '../rules/chunkPlan';
import type { FailureCauseCounts } from './failedRows';

export { storedUploadOf, type ImportRecord } from './importModel';

// The imports collection (`importjobs`: imports and undos alike): recording one, reading it,
// and what its run, its undo, upload retention and invitations change on it.

/** An import by id; null when there is none. */
export async function findImport(id: string | ObjectId): Promise<ImportRecord | null> {
  return ImportModel.findById(id).lean<ImportRecord>();
}

/** What a new import is recorded with: the upload it reads, its settings, and for a rerun or an undo whose. */
export type NewImport = Partial<Omit<ImportRecord, 'createdAt' | 'updatedAt' | 'counts'>>;

/** Records a new import (queued), as the API shows it. */
export async function createImport(job: NewImport): Promise<ImportRecord> {
  return (await ImportModel.create(job)).toObject() as ImportRecord;
}

/** Newest first: at most `limit` imports, those created before the import `before` when given (ids grow with creation time). */
export async function listImportsNewestFirst(before: ObjectId | undefined, limit: number): Promise<ImportRecord[]> {
  return ImportModel.find(before ? { _id: { $lt: before } } : {}).sort({ _id: -1 }).limit(limit).lean<ImportRecord[]>();
}

/** An import's counts as they are now. */
export async function findImportCounts(id: ObjectId): Promise<ImportRecord['counts'] | undefined> {
  const job = await ImportModel.findById(id, { counts: 1 }).lean();
  return job?.counts;
}

/** The headers of an import's file (the import a corrections file corrects); null when the import is gone. */
export async function findImportHeaders(id: ObjectId): Promise<Pick<ImportRecord, 'headers'> | null> {
  return ImportModel.findById(id, { headers: 1 }).lean<Pick<ImportRecord, 'headers'>>();
}

/** The headers and status of every job that has not ended, oldest first. */
export async function findUnfinishedImportHeaders(): Promise<Pick<ImportRecord, '_id' | 'headers' | 'status'>[]> {
  return ImportModel.find({ status: { $nin: FINAL_STATUSES } }, { headers: 1, status: 1 }).sort({ createdAt: 1 }).lean();
}

/** Corrects the encoding a CSV import is read with, once its whole file has shown it. */
export async function recordEncoding(importId: ObjectId, encoding: NonNullable<ImportRecord['encoding']>): Promise<void> {
  await ImportModel.updateOne({ _id: importId }, { $set: { encoding } });
}

/** Asks an import to stop: a running one stops between chunks; a queued one is cancelled at once. */
export async function requestCancellation(importId: ObjectId): Promise<void> {
  await ImportModel.updateOne({ _id: importId }, { $set: { cancelRequested: true } });
  await ImportModel.updateOne({ _id: importId, status: 'queued' }, { $set: { status: 'cancelled', finishedAt: new Date() } });
}

/** The imports that have not ended and were created before `createdBefore`: the candidates of recovery. */
export async function findUnendedImportsCreatedBefore(createdBefore: Date): Promise<Pick<ImportRecord, '_id' | 'recoveries' | 'kind' | 'undoOf'>[]> {
  const open = IMPORT_STATUSES.filter((status) => !FINAL_STATUSES.includes(status));
  return ImportModel.find({ status: { $in: open }, createdAt: { $lte: createdBefore } }, { _id: 1, recoveries: 1, kind: 1, undoOf: 1 }).lean();
}

/** Counts one more time BullMQ failed the job's queue job and recovery queued it again. */
export async function countRecovery(importId: ObjectId): Promise<void> {
  await ImportModel.updateOne({ _id: importId }, { $inc: { recoveries: 1 } });
}

/** What every chunk adds to an import's counts. */
export interface ChunkCounts {
  processed: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export function countsOf(outcome: ChunkOutcome, processed: number): ChunkCounts {
  return { processed, created: outcome.created, updated: outcome.updated, unchanged: outcome.unchanged, failed: outcome.failed };
}

/**
 * Commits a chunk: counts and checkpoint in one atomic update, conditional on the checkpoint
 * the chunk started from. Returns whether the import was asked to cancel meanwhile, or `lost`
 * when another runner already moved the checkpoint (this run must stop, not double count).
 */
export async function commitChunk(importId: ObjectId, fromRow: number, toRow: number, counts: ChunkCounts): Promise<'continue' | 'cancel' | 'lost'> {
  return commitCounts(importId, fromRow, toRow, {
    'counts.processed': counts.processed,
    'counts.created': counts.created,
    'counts.updated': counts.updated,
    'counts.unchanged': counts.unchanged,
    'counts.failed': counts.failed,
  });
}

/** What every chunk of an undo adds to its counts: one per change record walked. */
export interface UndoChunkCounts {
  processed: number;
  restored: number;
  removed: number;
  conflicts: number;
  failed: number;
}

/** commitChunk for an undo: the same conditional update, with an undo's counts. */
export async function commitUndoChunk(undoId: ObjectId, fromRow: number, toRow: number, counts: UndoChunkCounts): Promise<'continue' | 'cancel' | 'lost'> {
  return commitCounts(undoId, fromRow, toRow, {
    'counts.processed': counts.processed,
    'counts.restored': counts.restored,
    'counts.removed': counts.removed,
    'counts.conflicts': counts.conflicts,
    'counts.failed': counts.failed,
  });
}

async function commitCounts(importId: ObjectId, fromRow: number, toRow: number, increments: Record<string, number>): Promise<'continue' | 'cancel' | 'lost'> {
  const job = await ImportModel.findOneAndUpdate(
    { _id: importId, checkpointRow: fromRow },
    { $inc: increments, $set: { checkpointRow: toRow, retrying: null } },
    { returnDocument: 'after', projection: { cancelRequested: 1 } },
  ).lean();
  if (!job) return 'lost';
  return job.cancelRequested ? 'cancel' : 'continue';
}

/**
 * Moves an import to a new status unless it has already ended (a cancel may have ended it while
 * the worker was busy). Returns false when the import had ended.
 */
export async function setImportStatus(importId: ObjectId, status: ImportStatus, extra: Record<string, unknown> = {}): Promise<boolean> {
  const ended = FINAL_STATUSES.includes(status) ? { retrying: null } : {};
  const result = await ImportModel.updateOne({ _id: importId, status: { $nin: FINAL_STATUSES } }, { $set: { status, ...ended, ...extra } });
  return result.matchedCount === 1;
}

export interface RetryingState {
  reason: string;
  attempt: number;
  nextAt: Date;
  /** When the database first failed in this outage. */
  since: Date;
}

/**
 * Shows on the import that its worker is waiting for the database. Best effort: during an outage
 * this write itself usually fails, and the import must not fail because of it.
 */
export async function noteRetrying(importId: ObjectId, checkpointRow: number, retrying: RetryingState): Promise<void> {
  // Conditional on the checkpoint, so a note that lands late never hides progress made since.
  const write = ImportModel.updateOne({ _id: importId, checkpointRow, status: { $nin: FINAL_STATUSES } }, { $set: { retrying } }).catch(() => undefined);
  await Promise.race([write, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
}

/**
 * Keeps an ended import's failed rows counted per cause (data/failedRows.ts countFailureCauses)
 * on the import, whose rows no longer change, so every later poll of its page reads them back
 * instead of counting. Only on an import that has ended: one still running would keep counts
 * that grow stale.
 */
export async function keepFailureCauses(importId: ObjectId, counts: FailureCauseCounts): Promise<void> {
  await ImportModel.updateOne({ _id: importId, status: { $in: FINAL_STATUSES } }, { $set: { failureCauses: counts } });
}

/** The import an undo takes back: who claimed its undo, and its counts. */
export async function findImportToUndo(id: ObjectId | null | undefined): Promise<Pick<ImportRecord, '_id' | 'undoneBy' | 'counts'> | null> {
  return ImportModel.findById(id, { undoneBy: 1, counts: 1 }).lean<Pick<ImportRecord, '_id' | 'undoneBy' | 'counts'>>();
}

/** An import's status; null when there is no such job. */
export async function findImportStatus(id: ObjectId): Promise<Pick<ImportRecord, 'status'> | null> {
  return ImportModel.findById(id, { status: 1 }).lean();
}

/**
 * Claims an import's undo for `undoId`: one conditional update on the claim as it was read
 * (`claimedBy`, null when none), so of two requests only one gets it. False when it lost.
 */
export async function claimUndo(importId: ObjectId, claimedBy: ObjectId | null, undoId: ObjectId): Promise<boolean> {
  const claimed = await ImportModel.updateOne({ _id: importId, undoneBy: claimedBy }, { $set: { undoneBy: undoId } });
  return claimed.modifiedCount === 1;
}

/** The import, if its stored upload has been marked deleted. */
export async function findImportWithUploadDeleted(id: ObjectId): Promise<ImportRecord | null> {
  return ImportModel.findOne({ _id: id, fileDeletedAt: { $ne: null } }).lean<ImportRecord>();
}

/** Deletes an import that was recorded but is not to run (its upload went meanwhile). */
export async function deleteImport(id: ObjectId): Promise<void> {
  await ImportModel.deleteOne({ _id: id });
}

/** Which of these uploads some job reads, by id. */
export async function uploadIdsInUse(fileIds: ObjectId[]): Promise<Set<string>> {
  return new Set((await ImportModel.distinct('fileId', { fileId: { $in: fileIds } })).map(String));
}

/** An import as upload retention judges it: which upload, and whether and when it ended. */
export type ImportOfUpload = Pick<ImportRecord, '_id' | 'fileId' | 'status' | 'finishedAt' | 'updatedAt'>;

/** The imports that read these uploads. */
export async function findImportsOfUploads(fileIds: ObjectId[]): Promise<ImportOfUpload[]> {
  return ImportModel.find({ fileId: { $in: fileIds } }, { fileId: 1, status: 1, finishedAt: 1, updatedAt: 1 }).lean<ImportOfUpload[]>();
}

/** Marks every job of the upload not marked yet: its upload is deleted as of `now`. */
export async function markUploadDeleted(fileId: ObjectId, now: Date): Promise<void> {
  await ImportModel.updateMany({ fileId, fileDeletedAt: null }, { $set: { fileDeletedAt: now } });
}

/** Whether an import of the upload exists besides these. */
export async function otherImportOfUpload(fileId: ObjectId, importIds: ObjectId[]): Promise<boolean> {
  return Boolean(await ImportModel.exists({ fileId, _id: { $nin: importIds } }));
}

/** Takes back the marks markUploadDeleted made at `now`. */
export async function unmarkUploadDeleted(fileId: ObjectId, now: Date): Promise<void> {
  await ImportModel.updateMany({ fileId, fileDeletedAt: now }, { $set: { fileDeletedAt: null } });
}

/** Adds one to the import's `invited` count: the first mail one of its users got. */
export async function addInvited(importId: ObjectId): Promise<void> {
  await ImportModel.updateOne({ _id: importId }, { $inc: { 'counts.invited': 1 } });
}

/** Raises the import's `invited` count to a recount (never lowers it). */
export async function raiseInvitedCount(importId: ObjectId, invited: number): Promise<void> {
  await ImportModel.updateOne({ _id: importId }, { $max: { 'counts.invited': invited } });
}
