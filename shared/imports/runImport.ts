import { Types } from 'mongoose';
import { logger } from '../platform/logger';
import { resolveColumns } from '../rules/userColumns';
import { columnsNoLongerMatch } from '../rules/columnsNoLongerMatch';
import { loadDirectorySnapshot, type DirectorySnapshot } from '../data/directorySnapshot';
import { applyPass } from './applyPass';
import { importFileOf } from './importFileRows';
import { FINAL_STATUSES } from '../rules/importStatuses';
import { failedRowNumbers } from '../data/failedRows';
import { rowCorrectionsFor } from './correctFailedRows';
import { findImportCounts, findImportJob, noteRetrying, setJobStatus, type ImportJobDocument } from '../data/importJobStore';
import { OutageClock } from './outageClock';
import { describeUnavailability, isDatabaseUnavailable } from '../data/databaseErrors';
import { createRowBinder } from '../rules/rowBinder';
import { validationPass, type Validation } from './validationPass';
import { runUndo } from './runUndo';

export interface RunImportOptions {
  chunkSize: number;
  /** How long the import's change records are kept (CHANGE_RETENTION_DAYS). */
  changeRetentionMs: number;
  /** Asked between chunks: true when the process is shutting down and should hand the job back. */
  shouldYield: () => boolean;
  /** Aborted when this worker lost its hold on the job (lock not renewed): stop at once. */
  signal?: AbortSignal;
  /** How long to keep waiting for the database (outage, step-down) before the import fails. */
  dbRetryMs: number;
  /**
   * Called with the users a chunk created when the upload asked for invitations, before the
   * chunk commits: a crash in between replays the chunk and calls it again with the same users,
   * so the callee must be idempotent (the invitation queue dedupes by user).
   */
  inviteUsers?: (importId: string, userIds: string[]) => Promise<void>;
}

/**
 * `yielded`: handed back for another worker (shutdown); `lost`: another runner has the job;
 * `not_found`: this deployment's database has no such import.
 */
export type RunImportResult = 'finished' | 'yielded' | 'lost' | 'not_found';

/** What an attempt learnt that the next attempt in this process need not learn again. */
interface AttemptMemo {
  validation?: Validation;
  checkpointRow: number;
  kind?: ImportJobDocument['kind'];
}

/**
 * The import use case. Validation pass: count the rows and find repeated usernames. Apply
 * pass: rows in chunks, each committed with its counts and checkpoint, so a job interrupted
 * anywhere resumes after its last committed chunk with exactly the counts of an unbroken run.
 * When the database goes away, the attempt stops uncommitted and the import resumes from its
 * checkpoint with back-off, for up to `dbRetryMs` of outage, before it fails.
 */
export async function runImport(importId: string, options: RunImportOptions): Promise<RunImportResult> {
  const log = logger.child({ importId });
  const memo: AttemptMemo = { checkpointRow: 0 };
  const outage = new OutageClock(options.dbRetryMs);
  for (;;) {
    try {
      const result = await runAttempt(importId, options, memo, () => outage.recovered());
      // The checkpoint moved under this run (a worker that stalled committed a chunk) while this
      // worker still holds the job: read the checkpoint again and go on from there.
      if (result === 'lost' && !options.signal?.aborted) continue;
      return result;
    } catch (error) {
      const id = new Types.ObjectId(importId);
      if (!isDatabaseUnavailable(error)) {
        log.error({ err: error }, 'import failed');
        await setJobStatus(id, 'failed', { finishedAt: new Date(), failureReason: describeFailure(error) });
        return 'finished';
      }
      const next = outage.nextWait();
      if (!next) {
        log.error({ err: error, outageMs: outage.outageMs() }, 'import failed: the database stayed unavailable');
        // If even this write fails, the queue job fails and recovery puts the import back later.
        await setJobStatus(id, 'failed', { finishedAt: new Date(), failureReason: describeOutage(error, outage.outageMs(), memo) });
        return 'finished';
      }
      const reason = describeUnavailability(error);
      log.warn({ err: error, attempt: next.attempt, waitMs: next.waitMs }, 'database unavailable: the import resumes from its checkpoint after a pause');
      await noteRetrying(id, memo.checkpointRow, { reason, attempt: next.attempt, nextAt: new Date(Date.now() + next.waitMs), since: next.since });
      const interrupted = await pause(next.waitMs, options);
      if (interrupted) return interrupted;
    }
  }
}

async function runAttempt(importId: string, options: RunImportOptions, memo: AttemptMemo, onProgress: () => void): Promise<RunImportResult> {
  const job = await findImportJob(importId);
  if (!job) return 'not_found';
  if (FINAL_STATUSES.includes(job.status)) return 'finished';
  memo.checkpointRow = job.checkpointRow ?? 0;
  memo.kind = job.kind;
  if (job.cancelRequested) {
    await setJobStatus(job._id, 'cancelled', { finishedAt: new Date() });
    return 'finished';
  }
  if (job.kind === 'undo') {
    // An undo walks the change records of the import it takes back, not a file.
    return runUndo(job, {
      chunkSize: options.chunkSize,
      interruption: () => interruption(options),
      onCommitted: (checkpointRow) => {
        memo.checkpointRow = checkpointRow;
        onProgress();
      },
    });
  }
  const log = logger.child({ importId });
  const directory = await loadDirectorySnapshot();
  const binder = createRowBinder(job.headers, resolveColumnsOrExplain(job.headers, directory));
  const onlyRows = job.onlyFailedRows && job.retryOf ? await failedRowNumbers(job.retryOf) : undefined;
  const corrections = job.correctsImport ? await rowCorrectionsFor({ headers: job.headers, correctsImport: job.correctsImport }) : undefined;

  if (job.status === 'queued') await setJobStatus(job._id, 'validating', { startedAt: job.startedAt ?? new Date() });
  if (!memo.validation) {
    const validation = await validationPass(job._id, importFileOf(job), binder, { onlyRows, interruption: () => interruption(options) });
    if (typeof validation === 'string') return validation;
    memo.validation = validation;
  }
  const { total, repeatedHashes, file } = memo.validation;
  if (!(await setJobStatus(job._id, 'running', { 'counts.total': total }))) return 'finished';
  log.info({ total, resumeAfterRow: job.checkpointRow }, 'import running');

  const result = await applyPass(job, file, binder, directory, {
    ...options,
    onlyRows,
    corrections,
    repeatedHashes,
    interruption: () => interruption(options),
    onCommitted: (checkpointRow) => {
      memo.checkpointRow = checkpointRow;
      onProgress();
    },
  });
  if (result !== 'completed') return result === 'cancelled' ? 'finished' : result;
  const counts = await findImportCounts(job._id);
  const status = (counts?.failed ?? 0) > 0 ? 'completed_with_errors' : 'completed';
  await setJobStatus(job._id, status, { finishedAt: new Date() });
  log.info({ status, counts }, 'import finished');
  return 'finished';
}

/** Why a pass must stop before the next row: shutting down, or the job is no longer ours. */
function interruption(options: RunImportOptions): 'yielded' | 'lost' | undefined {
  if (options.signal?.aborted) return 'lost';
  return options.shouldYield() ? 'yielded' : undefined;
}

async function pause(ms: number, options: RunImportOptions): Promise<'yielded' | 'lost' | undefined> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const interrupted = interruption(options);
    if (interrupted) return interrupted;
    await new Promise((resolve) => setTimeout(resolve, Math.min(250, until - Date.now())));
  }
  return interruption(options);
}

function resolveColumnsOrExplain(headers: string[], directory: DirectorySnapshot) {
  const resolved = resolveColumns(headers, directory.customFields);
  if (!resolved.ok) {
    // Accepted at upload, refused now: a custom field was deleted in between.
    throw new Error(columnsNoLongerMatch(resolved.problems));
  }
  return resolved.columns;
}

function describeOutage(error: unknown, outageMs: number, { checkpointRow, kind }: AttemptMemo): string {
  const minutes = Math.max(1, Math.round(outageMs / 60_000));
  const stopped = `${describeUnavailability(error)}, and it stayed unavailable for about ${minutes} minute${minutes === 1 ? '' : 's'}, so this ${kind === 'undo' ? 'undo' : 'import'} stopped waiting.`;
  if (kind === 'undo') {
    // A new undo of the same import finds what this one put back already back.
    return `${stopped} What it put back stays put back. Undo the import again once the database is back: it goes on where this one stopped.`;
  }
  const applied = checkpointRow > 0
    ? `The rows up to row ${checkpointRow} are applied and stay applied; the next ones may be partly applied.`
    : 'No chunk was completed; rows of the first one may be partly applied.';
  return `${stopped} ${applied} Retry the import once the database is back: rows already applied come out unchanged.`;
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/FileNotFound|File not found/i.test(message)) return 'The uploaded file is no longer stored. Upload it again.';
  return message.slice(0, 500);
}
