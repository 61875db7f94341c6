import { Queue, type ConnectionOptions } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';

/** Every queue the product has, and the payload each one carries. */
export const QUEUE_NAMES = {
  imports: 'imports',
  invitations: 'invitations',
} as const;

export interface ImportJobPayload {
  /** The import job document's id; also the BullMQ job id, so a double enqueue is a no-op. */
  importId: string;
}

export interface InvitationJobPayload {
  userId: string;
  /** The import that created the user (informative: the count follows the invitation record). */
  importId?: string;
  /** `import`: the invitation an import sends a new user; `resend`: an admin asked again. */
  reason: 'import' | 'resend';
  /**
   * The version of the user's invitation this job sends: a re-send bumps it, so a job of an
   * older version is stale. Jobs queued before versions existed carry none and count as 1.
   */
  version?: number;
}

/**
 * BullMQ needs `maxRetriesPerRequest: null` on the connections its workers block on; using it
 * everywhere keeps one way to connect.
 */
export function connectRedis(url: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

export function queueConnection(redis: Redis): ConnectionOptions {
  return redis as unknown as ConnectionOptions;
}

export function createImportQueue(redis: Redis, prefix: string): Queue<ImportJobPayload> {
  return new Queue<ImportJobPayload>(QUEUE_NAMES.imports, {
    connection: queueConnection(redis),
    prefix,
    defaultJobOptions: {
      // Failures inside a job are recorded on the import itself; a BullMQ-level retry is only
      // for crashes of the process (stalls), which BullMQ handles through maxStalledCount.
      attempts: 1,
      removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
}

export async function enqueueImport(queue: Queue<ImportJobPayload>, importId: string): Promise<void> {
  await queue.add('import', { importId }, { jobId: importId });
}

export function createInvitationQueue(redis: Redis, prefix: string, retryBaseMs: number): Queue<InvitationJobPayload> {
  return new Queue<InvitationJobPayload>(QUEUE_NAMES.invitations, {
    connection: queueConnection(redis),
    prefix,
    defaultJobOptions: {
      // Temporary SMTP failures (4xx, refused connections) are retried with growing delays;
      // permanent ones (5xx) fail at once (UnrecoverableError in the sender).
      attempts: 6,
      backoff: { type: 'exponential', delay: retryBaseMs },
      // Kept a week so that the job id keeps deduplicating re-runs and resumed chunks.
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 30 * 24 * 3600 },
    },
  });
}

/**
 * One job per version of a user's invitation: adding the same version twice (a chunk replayed
 * after a crash, an import re-run, two recovery sweeps at once) is a no-op.
 */
export const invitationJobId = (userId: string, version: number) => `invite-${userId}-v${version}`;

/** Queues jobs for invitations whose records exist; the records are what survives a loss of Redis. */
export async function enqueueInvitations(queue: Queue<InvitationJobPayload>, jobs: Array<InvitationJobPayload & { version: number }>): Promise<void> {
  if (jobs.length === 0) return;
  await queue.addBulk(jobs.map((data) => ({ name: data.reason === 'resend' ? 'resend' : 'invite', data, opts: { jobId: invitationJobId(data.userId, data.version) } })));
}

/**
 * The queue half of inviting an import's new users: the first version of each invitation.
 * Call shared/invitations/queueInvitations.ts instead, which writes the records first.
 */
export async function enqueueImportInvitations(queue: Queue<InvitationJobPayload>, importId: string, userIds: string[]): Promise<void> {
  await enqueueInvitations(queue, userIds.map((userId) => ({ userId, importId, reason: 'import' as const, version: 1 })));
}

export async function enqueueInvitationResend(queue: Queue<InvitationJobPayload>, userId: string, version: number): Promise<void> {
  await enqueueInvitations(queue, [{ userId, reason: 'resend', version }]);
}
