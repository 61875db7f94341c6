import { Queue, type ConnectionOptions } from 'bullmq';
import IORedis, { type Redis } from 'ioredis';

/** Every queue the product has, and the payload each one carries. */
export const QUEUE_NAMES = {
  imports: 'imports',
  invitations: 'invitations',
} as const;

/**
 * What every job carries besides its own payload: whose it is. Deployments that share a Redis and
 * a QUEUE_PREFIX share the queues too; a worker runs only its own deployment's jobs and hands any
 * other back (worker/foreignJobs.ts), marking it so the owner's page can say why it waits.
 */
export interface JobOwnership {
  /** The deployment that queued the job (Runtime.deploymentId); absent on jobs queued before there were ids. */
  deploymentId?: string;
  /** Set by workers of other deployments each time they hand the job back. */
  handedBack?: { times: number; lastAt: number };
}

/** An import's queue job (job name `import`). */
export interface ImportJobPayload extends JobOwnership {
  /** The import's id; also the BullMQ job id, so a double enqueue is a no-op. */
  importId: string;
}

/**
 * An undo's queue job (job name `undo`), on the imports queue so that it shares its workers, its
 * concurrency and its locks. Versions before it queued undos as `import` jobs whose `importId`
 * was the undo's: the worker still runs those as undos.
 */
export interface UndoJobPayload extends JobOwnership {
  /** The undo's id; also the BullMQ job id. */
  undoId: string;
  /** The import it takes back (informative: the undo's record says the same). */
  undoneImportId: string;
}

/** What the imports queue carries, by job name. */
export type ImportQueuePayload = ImportJobPayload | UndoJobPayload;
export const IMPORT_QUEUE_JOB_NAMES = { import: 'import', undo: 'undo' } as const;

export interface InvitationJobPayload extends JobOwnership {
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

/** An invitation job as the use cases queue it: every job names the version it sends (the queue adds whose it is). */
export type InvitationJob = Omit<InvitationJobPayload, keyof JobOwnership> & { version: number };

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

export function createImportQueue(redis: Redis, prefix: string): Queue<ImportQueuePayload> {
  return new Queue<ImportQueuePayload>(QUEUE_NAMES.imports, {
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

/** The first version of the invitation of each user an import created. */
export function importInvitationJobs(importId: string, userIds: string[]): InvitationJob[] {
  return userIds.map((userId) => ({ userId, importId, reason: 'import', version: 1 }));
}

/** A new version of a user's invitation, asked for by an admin. */
export function invitationResendJob(userId: string, version: number): InvitationJob {
  return { userId, reason: 'resend', version };
}

// Use cases queue work through plain functions built here from a queue once per process, so
// BullMQ stays in this file and a use case runs in a test with a function recording its calls.

/** Queues an import. Its queue job id is the import id, so queueing it twice is a no-op. */
export type EnqueueImport = (importId: string) => Promise<void>;

/** Queues jobs for invitations whose records exist; the records are what survives a loss of Redis. */
export type EnqueueInvitations = (jobs: InvitationJob[]) => Promise<void>;

/** Queues an undo of `undoneImportId`. Its queue job id is the undo's id, so queueing it twice is a no-op. */
export type EnqueueUndo = (undoId: string, undoneImportId: string) => Promise<void>;

export function enqueueImportOn(queue: Queue<ImportQueuePayload>, deploymentId: string): EnqueueImport {
  return async (importId) => {
    await queue.add(IMPORT_QUEUE_JOB_NAMES.import, { importId, deploymentId }, { jobId: importId });
  };
}

export function enqueueUndoOn(queue: Queue<ImportQueuePayload>, deploymentId: string): EnqueueUndo {
  return async (undoId, undoneImportId) => {
    await queue.add(IMPORT_QUEUE_JOB_NAMES.undo, { undoId, undoneImportId, deploymentId }, { jobId: undoId });
  };
}

export function enqueueInvitationsOn(queue: Queue<InvitationJobPayload>, deploymentId: string): EnqueueInvitations {
  return async (jobs) => {
    if (jobs.length === 0) return;
    await queue.addBulk(
      jobs.map((job) => ({ name: job.reason === 'resend' ? 'resend' : 'invite', data: { ...job, deploymentId }, opts: { jobId: invitationJobId(job.userId, job.version) } })),
    );
  };
}

/**
 * How long a job handed back by another deployment's worker waits before any worker may take it
 * again. Which waiting worker takes a job is a coin toss, so its own deployment's worker gets it
 * after a few tosses: 200 ms for the first 20 (a few seconds in all), then 5 s, so a job whose
 * deployment runs no worker at all costs the others a hand-back every 5 s, and waits at most
 * that long once one of its own is free.
 */
export function handBackDelayMs(times: number): number {
  return times <= 20 ? 200 : 5_000;
}

/**
 * This deployment's jobs that another deployment's workers handed back and that now wait out
 * their delay: a worker of this deployment is here, so they run now. Called when a worker
 * starts and at each recovery round; looks at the first `limit` delayed jobs of the queue.
 */
export async function takeBackHandedBackJobs<Payload extends JobOwnership>(queue: Queue<Payload>, deploymentId: string, limit = 2_000): Promise<number> {
  const delayed = await queue.getDelayed(0, limit - 1);
  const ours = delayed.filter((job) => job?.data?.deploymentId === deploymentId && job.data.handedBack);
  // Its count starts again, so another hand-back waits 200 ms, not 5 s. One may have left the
  // delayed set since it was read (taken, promoted by another worker): then it is left alone.
  const taken = ours.map((job) => job.updateData({ ...job.data, handedBack: undefined } as Payload).then(() => job.promote()).then(() => true, () => false));
  return (await Promise.all(taken)).filter(Boolean).length;
}

/** What the API may learn of a queued import's queue job: whether another deployment's worker handed it back. */
export type QueuedImportInspection = (importId: string) => Promise<JobOwnership['handedBack'] | undefined>;

export function inspectQueuedImportOn(queue: Queue<ImportQueuePayload>): QueuedImportInspection {
  return async (importId) => (await queue.getJob(importId))?.data?.handedBack;
}

/** Removes every job of both queues under `prefix`: `npm run dev` drops the jobs of a previous run whose in-memory database is gone. */
export async function discardQueues(redis: Redis, prefix: string): Promise<void> {
  for (const name of Object.values(QUEUE_NAMES)) {
    const queue = new Queue(name, { connection: queueConnection(redis), prefix });
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

/** Queue states in which a job will still run (or is running) without help. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** An import's queue job as recovery sees it: `gone` when Redis lost it (or never had it). */
export type ImportQueueJobState = { state: 'live' | 'completed' | 'gone' } | { state: 'failed'; failedReason: string };

/** What recovering stranded imports asks of the import queue. */
export interface ImportQueueForRecovery {
  stateOf(importId: string): Promise<ImportQueueJobState>;
  /**
   * Queues the import, or the undo (`undoOf`: the import it takes back), again. A finished queue
   * job keeps its id taken, so it is removed first, if it is still finished: false when another
   * worker's round re-queued it a moment ago.
   */
  requeue(stranded: { id: string; undoOf?: string }): Promise<boolean>;
}

export function importQueueForRecovery(queue: Queue<ImportQueuePayload>, deploymentId: string): ImportQueueForRecovery {
  const enqueueImport = enqueueImportOn(queue, deploymentId);
  const enqueueUndo = enqueueUndoOn(queue, deploymentId);
  return {
    async stateOf(importId) {
      const state = await queue.getJobState(importId);
      if (LIVE_STATES.has(state)) return { state: 'live' };
      if (state === 'failed') return { state, failedReason: (await queue.getJob(importId))?.failedReason ?? 'unknown' };
      return { state: state === 'completed' ? 'completed' : 'gone' };
    },
    async requeue({ id, undoOf }) {
      const finished = await queue.getJob(id);
      if (finished && !['completed', 'failed'].includes(await finished.getState())) return false;
      await finished?.remove();
      await (undoOf ? enqueueUndo(id, undoOf) : enqueueImport(id));
      return true;
    },
  };
}

/**
 * Queues again each of these invitation jobs that has no live queue job: its job is gone (Redis
 * lost its data, a job was removed) or finished. Returns how many it queued.
 */
export type RequeueInvitationJobs = (jobs: InvitationJob[]) => Promise<number>;

export function requeueInvitationJobsOn(queue: Queue<InvitationJobPayload>, deploymentId: string): RequeueInvitationJobs {
  const enqueueInvitations = enqueueInvitationsOn(queue, deploymentId);
  return async (jobs) => {
    // The queue's own ioredis connection (BullMQ types it by the few commands it uses itself):
    // one pipelined round trip for the whole batch.
    const client = (await queue.getBackend().client) as unknown as Redis;
    const pipeline = client.pipeline();
    const keys = jobs.map((job) => queue.toKey(invitationJobId(job.userId, job.version)));
    for (const key of keys) pipeline.exists(key).hget(key, 'finishedOn');
    const replies = (await pipeline.exec()) ?? [];
    const reply = (index: number) => {
      const [error, value] = replies[index] ?? [new Error('no reply from Redis')];
      if (error) throw error;
      return value;
    };

    const states = jobs.map((job, index) => ({ job, exists: reply(2 * index) === 1, finished: reply(2 * index + 1) !== null }));
    const stranded = states.filter((state) => !state.exists || state.finished);
    // A finished job keeps its id taken: remove it so the same id can be added again.
    const finished = stranded.filter((state) => state.exists).map((state) => invitationJobId(state.job.userId, state.job.version));
    await Promise.all(finished.map((jobId) => queue.remove(jobId)));
    await enqueueInvitations(stranded.map((state) => state.job));
    return stranded.length;
  };
}
