import type { Runtime } from '../shared/runtime/runtime';
import { startImportWorker } from './importWorker';
import { startInvitationWorker } from './invitationWorker';

export interface Workers {
  close(): Promise<void>;
}

/** The queue consumers this process runs (WORKER_QUEUES). */
export function startWorkers(runtime: Runtime): Workers {
  const queues = runtime.config.workerQueues;
  const imports = queues.includes('imports') ? startImportWorker(runtime) : undefined;
  const invitations = queues.includes('invitations') ? startInvitationWorker(runtime) : undefined;
  return {
    async close() {
      // Imports first: a running import hands its job back and stops queueing invitations.
      await imports?.close();
      await invitations?.close();
    },
  };
}
