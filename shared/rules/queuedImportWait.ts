/**
 * Why an import is still queued, when the reason is not simply its turn: no worker of this
 * deployment is running, or a worker of another deployment (same Redis, same QUEUE_PREFIX,
 * another MongoDB) keeps taking it and handing it back. The page shows this instead of
 * "waiting for a worker".
 */

/** A queued import this young is waiting its turn: nothing to explain yet. */
export const QUIET_WAIT_MS = 10_000;
/** Workers report every 10 s: one silent this long has stopped. */
export const WORKER_SILENT_MS = 45_000;
/** A hand-back this recent means another deployment's workers are still taking the import. */
const RECENT_HAND_BACK_MS = 120_000;

export interface QueuedWaitFacts {
  queuedForMs: number;
  /** How long ago a worker of this deployment consuming imports last reported; undefined if none did. */
  workerLastSeenAgoMs: number | undefined;
  /** What workers of other deployments did with the import's queue job. */
  handedBack?: { times: number; lastAgoMs: number };
  queuePrefix: string;
}

export interface QueuedWait {
  reason: 'no_worker' | 'other_deployment';
  message: string;
}

export function whyStillQueued(facts: QueuedWaitFacts): QueuedWait | undefined {
  const noWorker = facts.workerLastSeenAgoMs === undefined || facts.workerLastSeenAgoMs > WORKER_SILENT_MS;
  const startOne = 'start one (npm run start:worker) with the same MONGO_URL, REDIS_URL and QUEUE_PREFIX as this API';
  const handedBack = facts.handedBack && facts.handedBack.lastAgoMs <= RECENT_HAND_BACK_MS ? facts.handedBack : undefined;
  if (handedBack) {
    const times = handedBack.times === 1 ? 'once' : `${handedBack.times} times`;
    return {
      reason: 'other_deployment',
      message:
        `A worker of another deployment took this import ${times} and handed it back: that deployment uses the same Redis and QUEUE_PREFIX ("${facts.queuePrefix}") but another MongoDB. ` +
        `Give each deployment its own QUEUE_PREFIX.${noWorker ? ` No worker of this deployment is running either: ${startOne}.` : ' A worker of this deployment will take it.'}`,
    };
  }
  if (facts.queuedForMs < QUIET_WAIT_MS || !noWorker) return undefined;
  const last = facts.workerLastSeenAgoMs === undefined ? '' : ` (the last one reported ${Math.round(facts.workerLastSeenAgoMs / 60_000)} min ago)`;
  return { reason: 'no_worker', message: `No worker of this deployment is running${last}: ${startOne}.` };
}
