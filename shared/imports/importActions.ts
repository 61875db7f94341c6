import { Types } from 'mongoose';
import { AppError, conflict, invalidInput, notFound } from '../platform/appError';
import type { EnqueueImport, QueuedImportInspection } from '../queues/queues';
import { FINAL_STATUSES } from '../rules/importStatuses';
import {
  createImport,
  deleteImport,
  findImport,
  findImportWithUploadDeleted,
  keepFailureCauses,
  listImportsNewestFirst,
  requestCancellation,
  storedUploadOf,
  type ImportRecord,
} from '../data/importStore';
import { toImportView, type ImportView } from './importView';
import { requireStoredUpload } from './uploadRetention';
import { columnsNoLongerMatch } from '../rules/columnsNoLongerMatch';
import { resolveColumns } from '../rules/userColumns';
import { listCustomFields } from '../directory/customFieldDirectory';
import { summariseInvitations, type InvitationSummary } from '../data/invitationStore';
import { countFailureCauses } from '../data/failedRows';
import { workerLastSeen } from '../data/deploymentStore';
import { whyStillQueued, type QueuedWait } from '../rules/queuedImportWait';

export async function getImport(id: string): Promise<ImportRecord> {
  const job = Types.ObjectId.isValid(id) ? await findImport(id) : null;
  if (!job) throw notFound(`Import ${id}`);
  return job;
}

export type ImportReport = ImportView & { invitations?: InvitationSummary; waiting?: QueuedWait };

/** What a report of a queued import may ask of the queue: whether workers of other deployments handed it back. */
export interface QueueFacts {
  inspectQueuedImport: QueuedImportInspection;
  queuePrefix: string;
}

/**
 * One import as its page shows it: the import; while queued, why, when no worker of this deployment
 * is taking it; once ended, why its rows failed; and its invitations when the upload asked.
 */
export async function importReport(id: string, queue?: QueueFacts): Promise<ImportReport> {
  const job = await getImport(id);
  if (FINAL_STATUSES.includes(job.status) && (job.counts?.failed ?? 0) > 0 && !job.failureCauses) {
    // Counted once, then kept on the ended import: later polls of its page read them back.
    job.failureCauses = await countFailureCauses(job._id);
    await keepFailureCauses(job._id, job.failureCauses);
  }
  const now = new Date();
  const report: ImportReport = toImportView(job, now);
  if (job.status === 'queued' && queue) {
    const waiting = await queuedWait(job, now, queue);
    if (waiting) report.waiting = waiting;
  }
  if (job.settings?.sendInvitations) report.invitations = await summariseInvitations(job._id);
  return report;
}

async function queuedWait(job: ImportRecord, now: Date, queue: QueueFacts): Promise<QueuedWait | undefined> {
  const [lastSeen, handedBack] = await Promise.all([workerLastSeen('imports'), queue.inspectQueuedImport(String(job._id))]);
  return whyStillQueued({
    queuedForMs: now.getTime() - job.createdAt.getTime(),
    workerLastSeenAgoMs: lastSeen ? now.getTime() - lastSeen.getTime() : undefined,
    handedBack: handedBack ? { times: handedBack.times, lastAgoMs: now.getTime() - handedBack.lastAt } : undefined,
    queuePrefix: queue.queuePrefix,
  });
}

/** Newest first, paged by an opaque cursor (the last import's id: ids grow with creation time). */
export async function listImports(query: { limit?: unknown; cursor?: unknown }): Promise<{ items: ImportView[]; nextCursor: string | null }> {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidInput('invalid_limit', 'limit must be a whole number from 1 to 100.');
  let before: Types.ObjectId | undefined;
  if (query.cursor !== undefined) {
    if (typeof query.cursor !== 'string' || !Types.ObjectId.isValid(query.cursor)) {
      throw invalidInput('invalid_cursor', 'cursor must be the nextCursor of a previous page.');
    }
    before = new Types.ObjectId(query.cursor);
  }
  const jobs = await listImportsNewestFirst(before, limit + 1);
  const page = jobs.slice(0, limit);
  return { items: page.map((job) => toImportView(job, new Date())), nextCursor: jobs.length > limit ? String(page[page.length - 1]._id) : null };
}

/**
 * Asks an import to stop. A queued job is cancelled at once; a running one stops between chunks,
 * keeping what it applied.
 */
export async function cancelImport(id: string): Promise<ImportView> {
  const job = await getImport(id);
  if (FINAL_STATUSES.includes(job.status)) throw conflict('import_finished', `This import has already ended (${job.status}); there is nothing to cancel.`);
  await requestCancellation(job._id);
  return toImportView(await getImport(id), new Date());
}

/** Who asks for a run: the role decides what may be re-run, the name is recorded on the new import. */
export interface Requester {
  role: 'admin' | 'support';
  name: string;
}

/**
 * A new import on the same stored file and settings: only the rows that failed (support and
 * admins), or the whole file, which applies everything again as an upload would (admins only).
 */
export async function retryImport(id: string, body: unknown, requester: Requester, enqueueImport: EnqueueImport): Promise<ImportView> {
  const only = (body as { only?: unknown } | undefined)?.only;
  if (only !== undefined && only !== 'failed') throw invalidInput('invalid_retry', 'To re-run only the failed rows send {"only": "failed"}; send no body to re-run the whole file.');
  const source = await getImport(id);
  // A new import of the file would import it again, not take it back a second time.
  if (source.kind === 'undo') {
    throw conflict('undo_not_rerunnable', `An undo cannot be re-run: that would import its file again. To finish an undo that failed or was cancelled, undo the import again (POST /api/imports/${String(source.undoOf)}/undo).`);
  }
  refuseUndone(source);
  if (only !== 'failed' && requester.role !== 'admin') {
    throw new AppError(
      'forbidden',
      'rerun_needs_admin',
      'Re-running the whole file applies every row again, as uploading it would, so it needs an admin key. With a support key, retry the failed rows ({"only": "failed"}) or upload corrected rows.',
    );
  }
  requireStoredUpload(source);
  if (!FINAL_STATUSES.includes(source.status)) throw conflict('import_not_finished', 'This import is still running. Wait for it to end (or cancel it) before re-running it.');
  if (only === 'failed' && (source.counts?.failed ?? 0) === 0) throw conflict('no_failed_rows', 'This import has no failed rows to re-run.');
  return queueRunOf(source, { settings: source.settings, onlyFailedRows: only === 'failed' }, requester.name, enqueueImport);
}

/**
 * An undone import is never applied again by a re-run, a retry or corrections: an admin took its
 * changes back on purpose, and whoever wants them again uploads the file again.
 */
export function refuseUndone(source: ImportRecord): void {
  if (!source.undoneBy) return;
  throw conflict(
    'import_undone',
    `This import was undone (undo ${String(source.undoneBy)}), so it is not run again: that would apply the changes an admin took back. If they are wanted after all, an admin can upload the file again.`,
    { undoneBy: String(source.undoneBy) },
  );
}

/** Statuses after which a dry run has checked every row, so its preview is the whole file's. */
const DRY_RUN_DONE: readonly string[] = ['completed', 'completed_with_errors'];

/**
 * "Run this import for real": the file a finished dry run checked, with its settings, this time
 * applied. Its preview (changes.csv) is what this run will change, unless users change meanwhile.
 */
export async function runDryRunForReal(id: string, requestedBy: string, enqueueImport: EnqueueImport): Promise<ImportView> {
  const source = await getImport(id);
  if (!source.settings?.dryRun) throw conflict('not_a_dry_run', 'This import was not a dry run: its changes are already applied. Use retry to run its file again.');
  if (!DRY_RUN_DONE.includes(source.status)) {
    throw conflict('dry_run_not_finished', `Only a dry run that went through every row can be run for real; this one is ${source.status}. Wait for it to end, or upload the file again.`);
  }
  requireStoredUpload(source);
  return queueRunOf(source, { settings: { ...source.settings, dryRun: false }, onlyFailedRows: false }, requestedBy, enqueueImport);
}

async function queueRunOf(
  source: ImportRecord,
  run: { settings: ImportRecord['settings']; onlyFailedRows: boolean },
  requestedBy: string,
  enqueueImport: EnqueueImport,
): Promise<ImportView> {
  const columns = resolveColumns(source.headers, await listCustomFields());
  if (!columns.ok) throw invalidInput('invalid_columns', columnsNoLongerMatch(columns.problems), { problems: columns.problems });
  const job = await createImport({
    ...storedUploadOf(source),
    settings: run.settings,
    retryOf: source._id,
    onlyFailedRows: run.onlyFailedRows,
    // A run of a corrections file corrects the same import's failed rows as the file's first run.
    correctsImport: source.correctsImport ?? null,
    requestedBy,
  });
  // The upload sweep marks the imports of a file, then looks for imports it did not judge before
  // deleting it; looking for the mark after creating ours means one of us sees the other.
  const marked = await findImportWithUploadDeleted(source._id);
  if (marked) {
    await deleteImport(job._id);
    requireStoredUpload(marked);
  }
  await enqueueImport(String(job._id));
  return toImportView(job, new Date());
}
