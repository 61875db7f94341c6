import type { WorkerRuntime } from '../shared/platform/runtime';
import { startImportWorker } from './importWorker';
import { startInvitationWorker } from './invitationWorker';
import { startRecoveryLoop } from './recoveryLoop';
import { startWorkerPresence } from './presence';

export interface Workers {
  close(): Promise<void>;
}

/** The queue consumers this process runs (WORKER_QUEUES), and the recovery rounds. */
export function startWorkers(runtime: WorkerRuntime): Workers {
  const queues = runtime.config.workerQueues;
  const imports = queues.includes('imports') ? startImportWorker(runtime) : undefined;
  const invitations = queues.includes('invitations') ? startInvitationWorker(runtime) : undefined;
  const recovery = startRecoveryLoop(runtime);
  const presence = startWorkerPresence(runtime);
  return {
    async close() {
      await presence.close();
      await recovery.close();
      // Imports first: a running import hands its job back and stops queueing invitations.
      await imports?.close();
      await invitations?.close();
    },
  };
}
