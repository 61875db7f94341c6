import { UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { QUEUE_NAMES, connectRedis, enqueueInvitationsOn, queueConnection, type ImportJobPayload } from '../shared/queues/queues';
import { queueImportInvitations } from '../shared/invitations/queueInvitations';
import { runImport } from '../shared/imports/runImport';
import type { Runtime } from '../shared/process/runtime';
import { logger } from '../shared/platform/logger';
import { startRounds } from './rounds';
import { foreignJobs } from './foreignJobs';

export interface ImportWorker {
  worker: Worker<ImportJobPayload>;
  /** Stops taking jobs, hands running ones back to the queue at their next chunk, then closes. */
  close(): Promise<void>;
}

/**
 * The queue side of imports: takes jobs off BullMQ and runs the import use case. A crashed
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
  const worker = new Worker<ImportJobPayload>(
    QUEUE_NAMES.imports,
    async (job, token, signal) => {
      if (foreign.isForeign(job.data)) return foreign.handBack(job, token, 'an import queued by another deployment');
      renewedAt.set(job.id as string, Date.now());
      const result = await runImport(job.data.importId, {
        chunkSize: runtime.config.importChunkSize,
        changeRetentionMs: runtime.config.changeRetentionMs,
        shouldYield: () => stopping,
        signal,
        dbRetryMs: runtime.config.importDbRetryMs,
        inviteUsers: (importId, userIds) => queueImportInvitations(enqueueInvitations, importId, userIds),
      }).finally(() => renewedAt.delete(job.id as string));
      if (result === 'not_found') {
        // Queued before jobs carried their deployment: most likely another deployment's import.
        if (!job.data.deploymentId) return foreign.handBack(job, token, "an import this deployment's MongoDB does not have");
        throw new UnrecoverableError(`Import ${job.data.importId} is not in this deployment's database, though this deployment queued it.`);
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
