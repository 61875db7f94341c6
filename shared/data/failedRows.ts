import type { Types } from 'mongoose';
import { ImportRowErrorModel } from './importRowErrorModel';

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
