import type { Runtime } from '../shared/process/runtime';
import { logger } from '../shared/platform/logger';
import { requeueStrandedImports } from '../shared/imports/requeueStrandedImports';
import { sweepUploads } from '../shared/imports/uploadRetention';
import { requeueStrandedInvitations } from '../shared/invitations/requeueStrandedInvitations';
import { importQueueForRecovery, requeueInvitationJobsOn, takeBackHandedBackJobs } from '../shared/queues/queues';
import { startRounds } from './rounds';

export interface RecoveryLoop {
  /** Runs one round now (tests, start-up); resolves when it is done. */
  runOnce(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Puts work back on its feet without an operator: at start-up and every
 * RECOVERY_INTERVAL_SECONDS, one worker (a Redis lock per round) re-queues imports and
 * invitations that have no live queue job and sweeps stored uploads. Every step is idempotent,
 * so two workers running a round at once (e.g. after Redis lost the lock) do no harm.
 */
export function startRecoveryLoop(runtime: Runtime): RecoveryLoop {
  const { config, redis } = runtime;
  // Per deployment: two deployments sharing a Redis and a prefix each recover their own database.
  const lockKey = `${config.queuePrefix}:recovery-round:${runtime.deploymentId}`;
  const importQueue = importQueueForRecovery(runtime.importQueue, runtime.deploymentId);
  const requeueInvitationJobs = requeueInvitationJobsOn(runtime.invitationQueue, runtime.deploymentId);
  let running: Promise<void> | undefined;

  const round = async () => {
    const taken = await redis.set(lockKey, String(process.pid), 'PX', Math.max(1000, Math.floor(config.recoveryIntervalMs * 0.9)), 'NX');
    if (taken !== 'OK') return;
    // Work touched within the last interval (or minute) is being queued or run right now.
    const olderThanMs = Math.min(60_000, config.recoveryIntervalMs);
    const imports = await requeueStrandedImports(importQueue, { olderThanMs });
    const invitations = await requeueStrandedInvitations(requeueInvitationJobs, { olderThanMs });
    const uploads = await sweepUploads({ retentionMs: config.uploadRetentionMs });
    const takenBack = await takeBackHandedBackWork(runtime);
    if (takenBack > 0) logger.info({ jobs: takenBack }, 'took back jobs other deployments had handed back');
    if (imports + invitations > 0) logger.info({ imports, invitations }, 'recovery round re-queued stranded work');
    if (uploads.orphanFiles + uploads.orphanChunkFiles + uploads.expiredFiles > 0) logger.info(uploads, 'recovery round deleted stored uploads');
  };
  const runOnce = () => {
    running ??= round()
      .catch((error) => logger.warn({ err: error }, 'recovery round failed; the next one tries again'))
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  void runOnce();
  const stopRounds = startRounds(config.recoveryIntervalMs, () => void runOnce());
  return {
    runOnce,
    async close() {
      stopRounds();
      // A round stuck on an unreachable Redis or MongoDB must not hold up shutdown.
      await Promise.race([running, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    },
  };
}

/** Both queues' jobs of this deployment that other deployments' workers handed back, run now. */
export async function takeBackHandedBackWork(runtime: Runtime): Promise<number> {
  const [imports, invitations] = await Promise.all([
    takeBackHandedBackJobs(runtime.importQueue, runtime.deploymentId),
    takeBackHandedBackJobs(runtime.invitationQueue, runtime.deploymentId),
  ]);
  return imports + invitations;
}
