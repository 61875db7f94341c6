import type { Types } from 'mongoose';
import { CAUSES_SHOWN, UNCLASSIFIED_CAUSE, type FailureCauseCount } from '../rules/failureCauses';
import { FINAL_STATUSES, ImportJobModel } from './importJobModel';
import { ImportRowErrorModel } from './importRowErrorModel';

export interface FailureCauseCounts {
  /** The causes with the most rows, at most CAUSES_SHOWN. */
  shown: FailureCauseCount[];
  /** How many more causes there are. */
  more: number;
}

/**
 * An ended import's failed rows counted per cause, once: the counts are kept on the import, whose
 * rows no longer change, so every later poll of its page reads them back instead of counting.
 * Rows recorded before causes existed count as unclassified.
 */
export async function failureCauseCountsOf(importId: Types.ObjectId): Promise<FailureCauseCounts> {
  const counted = await ImportRowErrorModel.aggregate<{ _id: string; rows: number }>([
    { $match: { importId } },
    { $project: { _id: 0, causes: { $ifNull: ['$causes', [UNCLASSIFIED_CAUSE]] } } },
    { $unwind: '$causes' },
    { $group: { _id: '$causes', rows: { $sum: 1 } } },
    { $sort: { rows: -1, _id: 1 } },
  ]);
  const counts = { shown: counted.slice(0, CAUSES_SHOWN).map(({ _id, rows }) => ({ cause: _id, rows })), more: Math.max(0, counted.length - CAUSES_SHOWN) };
  // Only on an import that has ended: one still running would keep counts that grow stale.
  await ImportJobModel.updateOne({ _id: importId, status: { $in: FINAL_STATUSES } }, { $set: { failureCauses: counts } });
  return counts;
}
