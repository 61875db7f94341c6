import { queueImportInvitations } from '../shared/invitations/queueInvitations';
import { runImport } from '../shared/imports/runImport';
import type { RunControl, RunResult } from '../shared/imports/resumableRun';
import type { EnqueueInvitations, ImportJobPayload } from '../shared/queues/queues';
import { runUndo } from '../shared/undo/runUndo';
import type { WorkerRuntime } from '../shared/process/runtime';

/** An `import` job: runs the import use case with this worker's settings. */
export async function runImportJob(runtime: WorkerRuntime, payload: ImportJobPayload, control: RunControl, enqueueInvitations: EnqueueInvitations): Promise<RunResult> {
  const { importChunkSize, changeRetentionMs } = runtime.config;
  const result = await runImport(payload.importId, {
    ...control,
    chunkSize: importChunkSize,
    changeRetentionMs,
    inviteUsers: (importId, userIds) => queueImportInvitations(enqueueInvitations, importId, userIds),
  });
  // An undo queued as an `import` job by a version before undo had a job name of its own.
  return result === 'undo' ? runUndo(payload.importId, { ...control, chunkSize: importChunkSize }) : result;
}
