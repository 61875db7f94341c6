import type { Queue } from 'bullmq';
import { logger } from '../platform/logger';
import { enqueueImport, type ImportJobPayload } from '../queues/queues';
import { FINAL_STATUSES, IMPORT_STATUSES, ImportJobModel } from '../data/importJobModel';
import { setJobStatus } from '../data/importJobStore';

/** Queue states in which a job will still run (or is running) without help. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export interface RequeueOptions {
  /**
   * Imports created more recently than this are left alone: the API may be queueing them right
   * now. (Not `updatedAt`: invitations and progress keep touching an import that is stranded.)
   */
  olderThanMs?: number;
  /** An import whose queue job failed this many times (e.g. it kept stalling) fails for good. */
  maxRecoveries?: number;
}

/**
 * MongoDB is the record of imports; Redis is only how they run. Puts back on the queue every
 * import that has not ended but has no live queue job: the job vanished (Redis lost its data),
 * or BullMQ failed it (stalled too often, or the worker could not even record a failure while
 * the database was down). Safe to run from several workers at once: the queue job id is the
 * import id, so a second enqueue is a no-op, and a resumed import continues from its checkpoint.
 */
export async function requeueStrandedImports(queue: Queue<ImportJobPayload>, options: RequeueOptions = {}): Promise<number> {
  const { olderThanMs = 60_000, maxRecoveries = 5 } = options;
  const open = IMPORT_STATUSES.filter((status) => !FINAL_STATUSES.includes(status));
  const candidates = await ImportJobModel.find(
    { status: { $in: open }, createdAt: { $lte: new Date(Date.now() - olderThanMs) } },
    { _id: 1, recoveries: 1 },
  ).lean();
  let requeued = 0;
  for (const candidate of candidates) {
    const importId = String(candidate._id);
    const state = await queue.getJobState(importId);
    if (LIVE_STATES.has(state)) continue;
    const queueJob = state === 'unknown' ? undefined : await queue.getJob(importId);
    // Only queue jobs BullMQ failed count against the import (vanished ones are Redis's fault).
    const recoveries = (candidate.recoveries ?? 0) + (state === 'failed' ? 1 : 0);
    if (state === 'failed' && recoveries > maxRecoveries) {
      const why = queueJob?.failedReason ?? 'unknown';
      await setJobStatus(candidate._id, 'failed', {
        finishedAt: new Date(),
        failureReason: `The import stopped its worker ${maxRecoveries} times (last: ${why.slice(0, 200)}). Contact support with this import's id; a retry starts it again.`,
      });
      logger.error({ importId, why }, 'import failed: its queue job failed too often');
      continue;
    }
    // A finished queue job keeps its id: remove it, or the new enqueue would be a no-op. Only if
    // it is still finished: another worker's round may have re-queued it a moment ago.
    if (queueJob && !['completed', 'failed'].includes(await queueJob.getState())) continue;
    await queueJob?.remove();
    if (state === 'failed') await ImportJobModel.updateOne({ _id: candidate._id }, { $inc: { recoveries: 1 } });
    await enqueueImport(queue, importId);
    requeued += 1;
    logger.warn({ importId, queueState: state }, 'import had no live queue job: queued it again');
  }
  return requeued;
}
