import { Types } from 'mongoose';
import { conflict } from '../platform/appError';
import type { EnqueueUndo } from '../queues/queues';
import { countChangeRecords } from '../data/importChangeStore';
import { FINAL_STATUSES } from '../rules/importStatuses';
import { claimUndo, createImport, findImportStatus, storedUploadOf, type ImportRecord } from '../data/importStore';
import { toImportView, type ImportView } from '../imports/importView';
import { getImport } from '../imports/importActions';

/**
 * Starts the undo of an import: an undo record, and its `undo` job on the imports queue (undo/runUndo.ts).
 * Only a real import that has ended can be undone, and only once: the import's `undoneBy` is
 * claimed by one conditional update before the undo job exists, so of two requests one gets 409,
 * and a crash between the two leaves a claim on no job, which the next request may take over.
 * An undo that failed or was cancelled may be taken over too: a new undo finds what the first
 * one put back already back, and counts it again.
 */
export async function undoImport(id: string, requestedBy: string, enqueueUndo: EnqueueUndo): Promise<ImportView> {
  const source = await getImport(id);
  if (source.kind === 'undo') {
    throw conflict('undo_of_undo', `This job is an undo, and an undo cannot be undone, nor the import it took back run again (import ${String(source.undoOf)}). To apply its changes again, an admin uploads its file again.`);
  }
  if (source.settings?.dryRun) {
    throw conflict('dry_run', 'This was a dry run: it changed nothing, so there is nothing to undo. Run the import for real first if you want to apply it.');
  }
  if (!FINAL_STATUSES.includes(source.status)) {
    throw conflict('import_not_finished', `This import is still ${source.status}. Wait for it to end (or cancel it), then undo it.`);
  }
  await requireEveryChangeRecorded(source);
  const previous = source.undoneBy ? await findImportStatus(source.undoneBy) : null;
  if (source.undoneBy && previous && !['failed', 'cancelled'].includes(previous.status)) {
    const state = FINAL_STATUSES.includes(previous.status) ? 'has already been undone' : 'is being undone';
    throw conflict('already_undone', `This import ${state} (undo ${String(source.undoneBy)}); an import is undone once. Open that undo to see its results.`, { undoneBy: String(source.undoneBy) });
  }

  const undoId = new Types.ObjectId();
  if (!(await claimUndo(source._id, source.undoneBy ?? null, undoId))) {
    throw conflict('already_undone', 'Another undo of this import was started a moment ago; an import is undone once. Reload the import to see it.');
  }
  const job = await createImport({
    _id: undoId,
    kind: 'undo',
    undoOf: source._id,
    ...storedUploadOf(source),
    // What the import ran with, as the undo's page shows it; the undo itself sends nothing.
    settings: { ...source.settings, sendInvitations: false, dryRun: false },
    requestedBy,
  });
  await enqueueUndo(String(undoId), String(source._id));
  return toImportView(job, new Date());
}

/**
 * Every user an import created or updated has one change record; records expire after
 * CHANGE_RETENTION_DAYS. An undo with some of them gone would put back only part of the import
 * without a word, so it is refused, saying how much is gone (runUndo.ts checks again at its start).
 */
export async function requireEveryChangeRecorded(source: Pick<ImportRecord, '_id' | 'counts'>): Promise<void> {
  const changed = (source.counts?.created ?? 0) + (source.counts?.updated ?? 0);
  if (changed === 0) return;
  const recorded = await countChangeRecords(source._id);
  if (recorded >= changed) return;
  const lost = recorded === 0
    ? 'What this import changed is no longer recorded (change records are kept for CHANGE_RETENTION_DAYS days, and imports run before this version recorded nothing)'
    : `${changed - recorded} of the ${changed} users this import changed are no longer recorded (change records are kept for CHANGE_RETENTION_DAYS days after they were written)`;
  throw conflict(
    'changes_expired',
    `${lost}, so it cannot be undone: an undo would put back only part of it. Upload a corrected file instead (export the users, fix them, upload).`,
    { changed, recorded },
  );
}
