import { UnrecoverableError, Worker } from 'bullmq';
import { createMailTransport } from '../shared/invitations/mailTransport';
import { sendInvitation } from '../shared/invitations/sendInvitation';
import { logger } from '../shared/platform/logger';
import { QUEUE_NAMES, connectRedis, queueConnection, type InvitationJobPayload } from '../shared/queues/queues';
import type { WorkerRuntime } from '../shared/process/runtime';
import { foreignJobs } from './foreignJobs';

/**
 * Sends invitation mails off the invitations queue, rate-limited across all workers. Temporary
 * SMTP failures are thrown back to BullMQ to retry with back-off; permanent ones are final. A job
 * that sends nothing (stale version, already sent) completes: the invitation record, not the job,
 * says what is still owed, and recovery re-queues what a lost or finished job left unsent.
 */
export function startInvitationWorker(runtime: WorkerRuntime): { worker: Worker<InvitationJobPayload>; close(): Promise<void> } {
  const { config } = runtime;
  const transport = createMailTransport(config.smtpUrl);
  const redis = connectRedis(config.redisUrl);
  const foreign = foreignJobs(runtime);
  const worker = new Worker<InvitationJobPayload>(
    QUEUE_NAMES.invitations,
    async (job, token) => {
      if (foreign.isForeign(job.data)) return foreign.handBack(job, token, 'an invitation queued by another deployment');
      const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = await sendInvitation(job.data, { config, transport, isLastAttempt });
      const about = { userId: job.data.userId, version: job.data.version ?? 1 };
      if (outcome.kind === 'failed') {
        logger.warn({ ...about, error: outcome.error, permanent: outcome.permanent }, 'invitation not sent');
        throw outcome.permanent ? new UnrecoverableError(outcome.error) : new Error(outcome.error);
      }
      // One a mail: debug, or a large import's mails would bury everything else (the counts are on the import).
      if (outcome.kind === 'sent') logger.debug({ ...about, messageId: outcome.messageId }, 'invitation sent');
      else logger.debug({ ...about, why: outcome.why }, 'invitation job sent nothing');
    },
    {
      connection: queueConnection(redis),
      prefix: config.queuePrefix,
      concurrency: 5,
      limiter: { max: config.invitations.ratePerSecond, duration: 1000 },
      // As for imports: a killed sender's invitation is sent by another after WORKER_LOCK_SECONDS.
      lockDuration: config.workerLockMs,
      stalledInterval: config.workerLockMs,
      maxStalledCount: 10,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'invitation worker error'));
  return {
    worker,
    async close() {
      await worker.close();
      transport.close();
      redis.disconnect();
    },
  };
}
