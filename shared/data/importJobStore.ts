import type { ObjectId } from 'mongodb';
import { FINAL_STATUSES, ImportJobModel, type ImportStatus } from './importJobModel';
import { ImportRowErrorModel } from './importRowErrorModel';
import type { ChunkOutcome, RowFailure } from '../rules/chunkPlan';
import { causesOf, messagesOf } from '../rules/failureCauses';

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
 * Records failed rows. Keyed by (import, row) and upserted, so a chunk replayed after a crash
 * rewrites its rows instead of adding them twice.
 */
export async function recordFailures(
  importId: ObjectId,
  failures: RowFailure[],
  passwordColumn: number | undefined,
  /** A chunk applied again after an interruption: its rows that no longer fail lose their record. */
  replayed?: { afterRow: number; toRow: number },
): Promise<void> {
  if (replayed) {
    const stillFailing = failures.map((failure) => failure.row);
    await ImportRowErrorModel.deleteMany({ importId, row: { $gt: replayed.afterRow, $lte: replayed.toRow, $nin: stillFailing } });
  }
  if (failures.length === 0) return;
  await ImportRowErrorModel.bulkWrite(
    failures.map((failure) => ({
      updateOne: {
        filter: { importId, row: failure.row },
        update: { $set: { cells: withoutPassword(failure.record, passwordColumn), messages: messagesOf(failure.problems), causes: causesOf(failure.problems) } },
        upsert: true,
      },
    })),
    { ordered: false },
  );
}

function withoutPassword(record: string[], passwordColumn: number | undefined): string[] {
  if (passwordColumn === undefined || passwordColumn >= record.length) return record;
  const cells = [...record];
  cells[passwordColumn] = '';
  return cells;
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
 * The rows of an undo chunk it could not fully undo, as row errors of the undo job: `cells` are
 * the username, then field, current value and what the undo would have written for each
 * problem, `messages` one per problem (imports/errorReport.ts reads them back so). Upserted by
 * row, and a replayed chunk's rows that no longer have a problem lose their record.
 */
export async function recordUndoProblems(
  undoId: ObjectId,
  rows: { row: number; username: string; problems: { field: string | null; current: string; wouldWrite: string; message: string }[] }[],
  replayed?: { afterRow: number; toRow: number },
): Promise<void> {
  if (replayed) {
    await ImportRowErrorModel.deleteMany({ importId: undoId, row: { $gt: replayed.afterRow, $lte: replayed.toRow, $nin: rows.map((entry) => entry.row) } });
  }
  if (rows.length === 0) return;
  await ImportRowErrorModel.bulkWrite(
    rows.map(({ row, username, problems }) => ({
      updateOne: {
        filter: { importId: undoId, row },
        update: {
          $set: {
            cells: [username, ...problems.flatMap((problem) => [problem.field ?? '', problem.current, problem.wouldWrite])],
            messages: problems.map((problem) => problem.message),
          },
        },
        upsert: true,
      },
    })),
    { ordered: false },
  );
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
