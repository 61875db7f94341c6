import { UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { IMPORT_QUEUE_JOB_NAMES, QUEUE_NAMES, connectRedis, enqueueInvitationsOn, queueConnection, type ImportJobPayload, type ImportQueuePayload, type UndoJobPayload } from '../shared/queues/queues';
import type { RunControl } from '../shared/imports/resumableRun';
import type { Runtime } from '../shared/process/runtime';
import { logger } from '../shared/platform/logger';
import { startRounds } from './rounds';
import { foreignJobs } from './foreignJobs';
import { runImportJob } from './importJob';
import { runUndoJob } from './undoJob';

export interface ImportWorker {
  worker: Worker<ImportQueuePayload>;
  /** Stops taking jobs, hands running ones back to the queue at their next chunk, then closes. */
  close(): Promise<void>;
}

/**
 * The queue side of imports and undos: takes jobs off the imports queue and runs each by its
 * name, `import` (worker/importJob.ts) or `undo` (worker/undoJob.ts). A crashed
 * worker's job stalls and BullMQ gives it to another worker, which resumes from the checkpoint.
 */
export function startImportWorker(runtime: Runtime): ImportWorker {
  let stopping = false;
  // When each running import's lock was last renewed: a worker cut off from Redis gets no
  // 'lockRenewalFailed' (renewal throws instead), yet another worker takes its imports over.
  const renewedAt = new Map<string, number>();
  // BullMQ leaves connections it was handed open: this one is ours to close.
  const redis = connectRedis(runtime.config.redisUrl);
  const enqueueInvitations = enqueueInvitationsOn(runtime.invitationQueue, runtime.deploymentId);
  const foreign = foreignJobs(runtime);
  const worker = new Worker<ImportQueuePayload>(
    QUEUE_NAMES.imports,
    async (job, token, signal) => {
      const isUndo = job.name === IMPORT_QUEUE_JOB_NAMES.undo;
      if (foreign.isForeign(job.data)) return foreign.handBack(job, token, isUndo ? 'an undo queued by another deployment' : 'an import queued by another deployment');
      renewedAt.set(job.id as string, Date.now());
      const control: RunControl = { shouldYield: () => stopping, signal, dbRetryMs: runtime.config.importDbRetryMs };
      const result = await (isUndo ? runUndoJob(runtime, job.data as UndoJobPayload, control) : runImportJob(runtime, job.data as ImportJobPayload, control, enqueueInvitations)).finally(() =>
        renewedAt.delete(job.id as string),
      );
      if (result === 'not_found') {
        // Queued before jobs carried their deployment: most likely another deployment's import.
        if (!job.data.deploymentId) return foreign.handBack(job, token, "an import this deployment's MongoDB does not have");
        throw new UnrecoverableError(`${isUndo ? 'Undo' : 'Import'} ${job.id} is not in this deployment's database, though this deployment queued it.`);
      }
      if (result === 'yielded') {
        // Shutting down mid-import: put the job back so another worker resumes it right away
        // instead of waiting for the lock to expire.
        await job.moveToWait(token);
        throw new WaitingError();
      }
    },
    {
      connection: queueConnection(redis),
      prefix: runtime.config.queuePrefix,
      concurrency: runtime.config.workerConcurrency,
      // A deploy or OOM kill is a stall, not a failure: let the job be resumed several times.
      maxStalledCount: 10,
      lockDuration: runtime.config.workerLockMs,
      stalledInterval: runtime.config.workerLockMs,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'import worker error'));
  // Once the lock has lapsed another worker may already be running the import: stop now
  // rather than at the next commit, which would find the checkpoint moved.
  const letGo = (jobId: string, why: string) => {
    if (!renewedAt.delete(jobId)) return;
    logger.warn({ importId: jobId, why }, 'lost the lock on an import: stopping work on it');
    worker.cancelJob(jobId, 'lock lost');
  };
  worker.on('lockRenewalFailed', (jobIds: string[]) => jobIds.forEach((jobId) => letGo(jobId, 'another worker holds it')));
  worker.on('locksRenewed', ({ jobIds }: { jobIds: string[] }) => {
    for (const jobId of jobIds) if (renewedAt.has(jobId)) renewedAt.set(jobId, Date.now());
  });
  const stopLapseChecks = startRounds(Math.max(250, runtime.config.workerLockMs / 4), () => {
    for (const [jobId, at] of renewedAt) if (Date.now() - at > runtime.config.workerLockMs) letGo(jobId, 'Redis unreachable: the lock was not renewed in time');
  });
  return {
    worker,
    async close() {
      stopping = true;
      stopLapseChecks();
      await worker.close();
      redis.disconnect();
    },
  };
}
