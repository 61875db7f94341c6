import { logger } from '../platform/logger';
import type { ImportQueueForRecovery } from '../queues/queues';
import { countRecovery, findUnendedImportsCreatedBefore, setImportStatus } from '../data/importStore';

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
export async function requeueStrandedImports(queue: ImportQueueForRecovery, options: RequeueOptions = {}): Promise<number> {
  const { olderThanMs = 60_000, maxRecoveries = 5 } = options;
  const candidates = await findUnendedImportsCreatedBefore(new Date(Date.now() - olderThanMs));
  let requeued = 0;
  for (const candidate of candidates) {
    const importId = String(candidate._id);
    const queueJob = await queue.stateOf(importId);
    if (queueJob.state === 'live') continue;
    // Only queue jobs BullMQ failed count against the import (vanished ones are Redis's fault).
    const failed = queueJob.state === 'failed';
    const recoveries = (candidate.recoveries ?? 0) + (failed ? 1 : 0);
    if (queueJob.state === 'failed' && recoveries > maxRecoveries) {
      const why = queueJob.failedReason;
      await setImportStatus(candidate._id, 'failed', {
        finishedAt: new Date(),
        failureReason: `The import stopped its worker ${maxRecoveries} times (last: ${why.slice(0, 200)}). Contact support with this import's id; a retry starts it again.`,
      });
      logger.error({ importId, why }, 'import failed: its queue job failed too often');
      continue;
    }
    if (!(await queue.requeue({ id: importId, undoOf: candidate.kind === 'undo' && candidate.undoOf ? String(candidate.undoOf) : undefined }))) continue;
    if (failed) await countRecovery(candidate._id);
    requeued += 1;
    logger.warn({ importId, queueState: queueJob.state }, 'import had no live queue job: queued it again');
  }
  return requeued;
}
