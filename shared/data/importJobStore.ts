import type { ObjectId } from 'mongodb';
import { FINAL_STATUSES, ImportJobModel, type ImportStatus } from './importJobModel';
import type { ChunkOutcome } from '../rules/chunkPlan';
import type { FailureCauseCounts } from './failedRows';

/** What every chunk adds to a job's counts. */
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
 * the chunk started from. Returns whether the job was asked to cancel meanwhile, or `lost`
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

/** commitChunk for an undo job: the same conditional update, with an undo's counts. */
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
  const job = await ImportJobModel.findOneAndUpdate(
    { _id: importId, checkpointRow: fromRow },
    { $inc: increments, $set: { checkpointRow: toRow, retrying: null } },
    { returnDocument: 'after', projection: { cancelRequested: 1 } },
  ).lean();
  if (!job) return 'lost';
  return job.cancelRequested ? 'cancel' : 'continue';
}

/**
 * Moves a job to a new status unless it has already ended (a cancel may have ended it while
 * the worker was busy). Returns false when the job had ended.
 */
export async function setJobStatus(importId: ObjectId, status: ImportStatus, extra: Record<string, unknown> = {}): Promise<boolean> {
  const ended = FINAL_STATUSES.includes(status) ? { retrying: null } : {};
  const result = await ImportJobModel.updateOne({ _id: importId, status: { $nin: FINAL_STATUSES } }, { $set: { status, ...ended, ...extra } });
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
 * Shows on the job that its worker is waiting for the database. Best effort: during an outage
 * this write itself usually fails, and the import must not fail because of it.
 */
export async function noteRetrying(importId: ObjectId, checkpointRow: number, retrying: RetryingState): Promise<void> {
  // Conditional on the checkpoint, so a note that lands late never hides progress made since.
  const write = ImportJobModel.updateOne({ _id: importId, checkpointRow, status: { $nin: FINAL_STATUSES } }, { $set: { retrying } }).catch(() => undefined);
  await Promise.race([write, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
}

/**
 * Keeps an ended import's failed rows counted per cause (data/failedRows.ts countFailureCauses)
 * on the import, whose rows no longer change, so every later poll of its page reads them back
 * instead of counting. Only on an import that has ended: one still running would keep counts
 * that grow stale.
 */
export async function keepFailureCauses(importId: ObjectId, counts: FailureCauseCounts): Promise<void> {
  await ImportJobModel.updateOne({ _id: importId, status: { $in: FINAL_STATUSES } }, { $set: { failureCauses: counts } });
}
