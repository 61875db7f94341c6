import type { RunControl, RunResult } from '../shared/imports/resumableRun';
import type { UndoJobPayload } from '../shared/queues/queues';
import { runUndo } from '../shared/undo/runUndo';
import type { WorkerRuntime } from '../shared/process/runtime';

/** An `undo` job: runs the undo use case, in chunks of the import chunk size. */
export function runUndoJob(runtime: WorkerRuntime, payload: UndoJobPayload, control: RunControl): Promise<RunResult> {
  return runUndo(payload.undoId, { ...control, chunkSize: runtime.config.importChunkSize });
}
