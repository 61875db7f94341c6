import { DelayedError, type Job } from 'bullmq';
import { logger } from '../shared/platform/logger';
import { handBackDelayMs, type JobOwnership } from '../shared/queues/queues';
import type { Runtime } from '../shared/process/runtime';

/** How often a worker says, at most, that jobs of another deployment reach it. */
const LOG_EVERY_MS = 60_000;

export interface ForeignJobs {
  /** The job was queued by another deployment (same Redis and QUEUE_PREFIX, another MongoDB). */
  isForeign(data: JobOwnership): boolean;
  /**
   * Gives the job back to the queue, never completing it: marked as handed back (the owner's page
   * says why it waits) and delayed a little, so a worker of its own deployment takes it next.
   * Throws BullMQ's DelayedError, which is how a processor says "not done, not failed".
   */
  handBack(job: Job<JobOwnership>, token: string | undefined, why: string): Promise<never>;
}

/**
 * Jobs of other deployments that reach this worker: deployments that share a Redis with the same
 * QUEUE_PREFIX share their queues, and a worker that ran another deployment's job would find no
 * import in its own database. It hands such jobs back and says loudly what to configure.
 */
export function foreignJobs(runtime: Pick<Runtime, 'deploymentId' | 'config'>): ForeignJobs {
  let lastLogAt = 0;
  let handedBackSinceLog = 0;
  return {
    isForeign: (data) => Boolean(data.deploymentId) && data.deploymentId !== runtime.deploymentId,
    async handBack(job, token, why) {
      const times = (job.data.handedBack?.times ?? 0) + 1;
      await job.updateData({ ...job.data, handedBack: { times, lastAt: Date.now() } });
      await job.moveToDelayed(Date.now() + handBackDelayMs(times), token);
      handedBackSinceLog += 1;
      if (Date.now() - lastLogAt >= LOG_EVERY_MS) {
        logger.error(
          {
            queue: job.queueName,
            jobId: job.id,
            why,
            handedBack: handedBackSinceLog,
            queuePrefix: runtime.config.queuePrefix,
            redis: withoutCredentials(runtime.config.redisUrl),
          },
          `A job of another deployment reached this worker (${why}): deployments that share a Redis (REDIS_URL) must each have their own QUEUE_PREFIX (this one uses "${runtime.config.queuePrefix}"). Handed it back for its own deployment's workers.`,
        );
        lastLogAt = Date.now();
        handedBackSinceLog = 0;
      }
      throw new DelayedError();
    },
  };
}

function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
