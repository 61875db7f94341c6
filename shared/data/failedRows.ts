import type { ObjectId } from 'mongodb';
import type { Types } from 'mongoose';
import type { RowFailure } from '../rules/chunkPlan';
import { CAUSES_SHOWN, UNCLASSIFIED_CAUSE, causesOf, messagesOf, type FailureCauseCount } from '../rules/failureCauses';
import { ImportRowErrorModel } from './importRowErrorModel';

// The row errors collection: an import's failed rows, and an undo's rows it could not fully undo.

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

/** The rows that failed in an import, by number: what a retry of its failed rows reads again. */
export async function failedRowNumbers(importId: Types.ObjectId): Promise<Set<number>> {
  const rows = await ImportRowErrorModel.distinct('row', { importId });
  return new Set(rows as number[]);
}

/** An import's failed rows as recorded, in row order, streamed. */
export async function* readFailedRows(importId: Types.ObjectId): AsyncGenerator<{ row: number; cells: string[]; causes?: string[] }> {
  const cursor = ImportRowErrorModel.find({ importId }, { _id: 0, row: 1, cells: 1, causes: 1 }).sort({ row: 1 }).lean().cursor({ batchSize: 1000 });
  try {
    for await (const failed of cursor) yield { row: failed.row, cells: failed.cells, causes: failed.causes ?? undefined };
  } finally {
    await cursor.close();
  }
}

/** A job's row errors with their messages, in row order, streamed `batchSize` at a time from MongoDB: what errors.csv is made of. */
export async function* readRowErrors(importId: Types.ObjectId, batchSize: number): AsyncGenerator<{ row: number; cells: string[]; messages: string[] }> {
  const cursor = ImportRowErrorModel.find({ importId }).sort({ row: 1 }).lean().cursor({ batchSize });
  try {
    for await (const failure of cursor) yield failure;
  } finally {
    await cursor.close();
  }
}

/** Deletes the row errors of these imports (they are copies of the upload's cells: the same personal data). */
export async function deleteRowErrorsOf(importIds: Types.ObjectId[]): Promise<void> {
  await ImportRowErrorModel.deleteMany({ importId: { $in: importIds } });
}

export interface FailureCauseCounts {
  /** The causes with the most rows, at most CAUSES_SHOWN. */
  shown: FailureCauseCount[];
  /** How many more causes there are. */
  more: number;
}

/** An import's failed rows counted per cause. Rows recorded before causes existed count as unclassified. */
export async function countFailureCauses(importId: Types.ObjectId): Promise<FailureCauseCounts> {
  const counted = await ImportRowErrorModel.aggregate<{ _id: string; rows: number }>([
    { $match: { importId } },
    { $project: { _id: 0, causes: { $ifNull: ['$causes', [UNCLASSIFIED_CAUSE]] } } },
    { $unwind: '$causes' },
    { $group: { _id: '$causes', rows: { $sum: 1 } } },
    { $sort: { rows: -1, _id: 1 } },
  ]);
  return { shown: counted.slice(0, CAUSES_SHOWN).map(({ _id, rows }) => ({ cause: _id, rows })), more: Math.max(0, counted.length - CAUSES_SHOWN) };
}
