import { UnrecoverableError, Worker } from 'bullmq';
import { createMailTransport } from '../shared/invitations/mailTransport';
import { sendInvitation } from '../shared/invitations/sendInvitation';
import { logger } from '../shared/observability/logger';
import { QUEUE_NAMES, connectRedis, queueConnection, type InvitationJobPayload } from '../shared/queues/queues';
import type { Runtime } from '../shared/runtime/runtime';

/**
 * Sends invitation mails off the invitations queue, rate-limited across all workers. Temporary
 * SMTP failures are thrown back to BullMQ to retry with back-off; permanent ones are final.
 */
export function startInvitationWorker(runtime: Runtime): { worker: Worker<InvitationJobPayload>; close(): Promise<void> } {
  const { config } = runtime;
  const transport = createMailTransport(config.smtpUrl);
  const redis = connectRedis(config.redisUrl);
  const worker = new Worker<InvitationJobPayload>(
    QUEUE_NAMES.invitations,
    async (job) => {
      const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      const outcome = await sendInvitation(job.data, { config, transport, isLastAttempt });
      if (outcome.kind === 'failed') {
        logger.warn({ userId: job.data.userId, error: outcome.error, permanent: outcome.permanent }, 'invitation not sent');
        throw outcome.permanent ? new UnrecoverableError(outcome.error) : new Error(outcome.error);
      }
      if (outcome.kind === 'sent') logger.info({ userId: job.data.userId, messageId: outcome.messageId }, 'invitation sent');
    },
    {
      connection: queueConnection(redis),
      prefix: config.queuePrefix,
      concurrency: 5,
      limiter: { max: config.invitations.ratePerSecond, duration: 1000 },
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
