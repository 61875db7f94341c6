import { logger } from '../platform/logger';
import { resolveColumns } from '../rules/userColumns';
import { columnsNoLongerMatch } from '../rules/columnsNoLongerMatch';
import { loadDirectorySnapshot, type DirectorySnapshot } from '../data/directorySnapshot';
import { applyPass } from './applyPass';
import { importFileOf } from './importFileRows';
import { FINAL_STATUSES } from '../rules/importStatuses';
import { failedRowNumbers } from '../data/failedRows';
import { rowCorrectionsFor } from './correctFailedRows';
import { findImportCounts, findImport, setImportStatus } from '../data/importStore';
import { interruption, outageStopped, runResumably, type AttemptProgress, type RunControl, type RunResult } from './resumableRun';
import { createRowBinder } from '../rules/rowBinder';
import { validationPass, type Validation } from './validationPass';

export interface RunImportOptions extends RunControl {
  chunkSize: number;
  /** How long the import's change records are kept (CHANGE_RETENTION_DAYS). */
  changeRetentionMs: number;
  /**
   * Called with the users a chunk created when the upload asked for invitations, before the
   * chunk commits: a crash in between replays the chunk and calls it again with the same users,
   * so the callee must be idempotent (the invitation queue dedupes by user).
   */
  inviteUsers?: (importId: string, userIds: string[]) => Promise<void>;
}

/**
 * `undo`: the record is an undo, queued under the job name `import` by a version before undo
 * had a job of its own; the worker runs it as an undo (shared/undo/runUndo.ts).
 */
export type RunImportResult = RunResult | 'undo';

/**
 * The import use case. Validation pass: count the rows and find repeated usernames. Apply
 * pass: rows in chunks, each committed with its counts and checkpoint, so a job interrupted
 * anywhere resumes after its last committed chunk with exactly the counts of an unbroken run.
 * MongoDB outages are waited out and resumed from the checkpoint (imports/resumableRun.ts).
 */
export async function runImport(importId: string, options: RunImportOptions): Promise<RunImportResult> {
  // The validation pass's findings, kept for the next attempt in this process.
  const memo: { validation?: Validation } = {};
  return runResumably(importId, options, {
    what: 'import',
    attempt: (progress) => runAttempt(importId, options, memo, progress),
    describeOutage,
  });
}

async function runAttempt(importId: string, options: RunImportOptions, memo: { validation?: Validation }, progress: AttemptProgress): Promise<RunImportResult> {
  const job = await findImport(importId);
  if (!job) return 'not_found';
  if (job.kind === 'undo') return 'undo';
  if (FINAL_STATUSES.includes(job.status)) return 'finished';
  progress.startsFrom(job.checkpointRow ?? 0);
  if (job.cancelRequested) {
    await setImportStatus(job._id, 'cancelled', { finishedAt: new Date() });
    return 'finished';
  }
  const log = logger.child({ importId });
  const directory = await loadDirectorySnapshot();
  const binder = createRowBinder(job.headers, resolveColumnsOrExplain(job.headers, directory));
  const onlyRows = job.onlyFailedRows && job.retryOf ? await failedRowNumbers(job.retryOf) : undefined;
  const corrections = job.correctsImport ? await rowCorrectionsFor({ headers: job.headers, correctsImport: job.correctsImport }) : undefined;

  if (job.status === 'queued') await setImportStatus(job._id, 'validating', { startedAt: job.startedAt ?? new Date() });
  if (!memo.validation) {
    const validation = await validationPass(job._id, importFileOf(job), binder, { onlyRows, interruption: () => interruption(options) });
    if (typeof validation === 'string') return validation;
    memo.validation = validation;
  }
  const { total, repeatedHashes, file } = memo.validation;
  if (!(await setImportStatus(job._id, 'running', { 'counts.total': total }))) return 'finished';
  log.info({ total, resumeAfterRow: job.checkpointRow }, 'import running');

  const result = await applyPass(job, file, binder, directory, {
    ...options,
    onlyRows,
    corrections,
    repeatedHashes,
    interruption: () => interruption(options),
    onCommitted: progress.committed,
  });
  if (result !== 'completed') return result === 'cancelled' ? 'finished' : result;
  const counts = await findImportCounts(job._id);
  const status = (counts?.failed ?? 0) > 0 ? 'completed_with_errors' : 'completed';
  await setImportStatus(job._id, status, { finishedAt: new Date() });
  log.info({ status, counts }, 'import finished');
  return 'finished';
}

function resolveColumnsOrExplain(headers: string[], directory: DirectorySnapshot) {
  const resolved = resolveColumns(headers, directory.customFields);
  if (!resolved.ok) {
    // Accepted at upload, refused now: a custom field was deleted in between.
    throw new Error(columnsNoLongerMatch(resolved.problems));
  }
  return resolved.columns;
}

function describeOutage(error: unknown, outageMs: number, checkpointRow: number): string {
  const applied = checkpointRow > 0
    ? `The rows up to row ${checkpointRow} are applied and stay applied; the next ones may be partly applied.`
    : 'No chunk was completed; rows of the first one may be partly applied.';
  return `${outageStopped(error, outageMs, 'import')} ${applied} Retry the import once the database is back: rows already applied come out unchanged.`;
}
