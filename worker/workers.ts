import type { WorkerRuntime } from '../shared/process/runtime';
import { startImportWorker } from './importWorker';
import { startInvitationWorker } from './invitationWorker';
import { startRecoveryLoop, takeBackHandedBackWork } from './recoveryLoop';
import { logger } from '../shared/platform/logger';
import { startWorkerPresence, type WorkerPresence } from './presence';

export interface Workers {
  /** Whether this worker can do its work (MongoDB reachable); its /healthz answers with it. */
  health(): ReturnType<WorkerPresence['health']>;
  close(): Promise<void>;
}

/** The queue consumers this process runs (WORKER_QUEUES), and the recovery rounds. */
export function startWorkers(runtime: WorkerRuntime): Workers {
  const queues = runtime.config.workerQueues;
  const imports = queues.includes('imports') ? startImportWorker(runtime) : undefined;
  const invitations = queues.includes('invitations') ? startInvitationWorker(runtime) : undefined;
  const recovery = startRecoveryLoop(runtime);
  // Jobs other deployments' workers handed back while none of ours ran wait out a delay of up to
  // 30 s: now that one runs, take them at once (outside the recovery round's lock, which another may hold).
  void takeBackHandedBackWork(runtime).catch((error) => logger.warn({ err: error }, 'could not look for handed-back jobs; the next recovery round will'));
  const presence = startWorkerPresence(runtime);
  return {
    health: () => presence.health(),
    async close() {
      await presence.close();
      await recovery.close();
      // Imports first: a running import hands its job back and stops queueing invitations.
      await imports?.close();
      await invitations?.close();
    },
  };
}
