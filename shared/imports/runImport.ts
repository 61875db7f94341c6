import { Types } from 'mongoose';
import { logger } from '../observability/logger';
import { importRowsProcessed } from '../observability/metrics';
import { resolveColumns } from '../csv/userColumns';
import { applyChunk, type ChunkRow } from './applyChunk';
import { DuplicateUsernameTracker, UsernameHashCollector } from './duplicateUsernames';
import { loadDirectorySnapshot, type DirectorySnapshot } from './importDirectory';
import { readDataRows, type ImportFile } from './importFileRows';
import { FINAL_STATUSES, ImportJobModel, jobSettings, type ImportJobDocument } from './importJobModel';
import { ImportRowErrorModel } from './importRowErrorModel';
import { commitChunk, countsOf, recordFailures, setJobStatus } from './importProgress';
import { bindRow, type RowBinder } from './rowBinding';

export interface RunImportOptions {
  chunkSize: number;
  /** Asked between chunks: true when the process is shutting down and should hand the job back. */
  shouldYield: () => boolean;
  /**
   * Called with the users a chunk created when the upload asked for invitations, before the
   * chunk commits: a crash in between replays the chunk and calls it again with the same users,
   * so the callee must be idempotent (the invitation queue dedupes by user).
   */
  inviteUsers?: (importId: string, userIds: string[]) => Promise<void>;
}

export type RunImportResult = 'finished' | 'yielded';

/**
 * The import use case. Validation pass: count the rows and find repeated usernames. Apply
 * pass: rows in chunks, each committed with its counts and checkpoint, so a job interrupted
 * anywhere resumes after its last committed chunk with exactly the counts of an unbroken run.
 */
export async function runImport(importId: string, options: RunImportOptions): Promise<RunImportResult> {
  const job = await ImportJobModel.findById(importId).lean<ImportJobDocument>();
  if (!job || FINAL_STATUSES.includes(job.status)) return 'finished';
  if (job.cancelRequested) {
    await setJobStatus(job._id, 'cancelled', { finishedAt: new Date() });
    return 'finished';
  }
  const log = logger.child({ importId });
  try {
    const directory = await loadDirectorySnapshot();
    const binder = bindRow(job.headers, resolveColumnsOrExplain(job.headers, directory));
    const file: ImportFile = { fileId: job.fileId, encoding: job.encoding, delimiter: job.delimiter };
    const onlyRows = job.onlyFailedRows && job.retryOf ? await failedRowsOf(job.retryOf) : undefined;

    if (job.status === 'queued') await setJobStatus(job._id, 'validating', { startedAt: job.startedAt ?? new Date() });
    const { total, repeatedHashes } = await validationPass(file, binder, onlyRows);
    if (!(await setJobStatus(job._id, 'running', { 'counts.total': total }))) return 'finished';
    log.info({ total, resumeAfterRow: job.checkpointRow }, 'import running');

    const result = await applyPass(job, file, binder, directory, { ...options, onlyRows, repeatedHashes });
    if (result !== 'completed') return result === 'yielded' ? 'yielded' : 'finished';
    const finished = await ImportJobModel.findById(job._id, { counts: 1 }).lean();
    const status = (finished?.counts?.failed ?? 0) > 0 ? 'completed_with_errors' : 'completed';
    await setJobStatus(job._id, status, { finishedAt: new Date() });
    log.info({ status, counts: finished?.counts }, 'import finished');
    return 'finished';
  } catch (error) {
    log.error({ err: error }, 'import failed');
    await setJobStatus(job._id, 'failed', { finishedAt: new Date(), failureReason: describeFailure(error) });
    return 'finished';
  }
}

async function validationPass(file: ImportFile, binder: RowBinder, onlyRows: Set<number> | undefined) {
  const collector = new UsernameHashCollector();
  let total = 0;
  for await (const { row, record } of readDataRows(file)) {
    // Repeats are found across the whole file, so retrying one row of a pair still fails it.
    collector.add(binder(record).usernameKey);
    if (!onlyRows || onlyRows.has(row)) total += 1;
  }
  return { total, repeatedHashes: collector.repeatedHashes() };
}

interface ApplyPassOptions extends RunImportOptions {
  onlyRows: Set<number> | undefined;
  repeatedHashes: Set<number>;
}

async function applyPass(job: ImportJobDocument, file: ImportFile, binder: RowBinder, directory: DirectorySnapshot, options: ApplyPassOptions) {
  const duplicates = new DuplicateUsernameTracker(options.repeatedHashes);
  const passwordColumn = binder.passwordColumn;
  const settings = jobSettings(job);
  const chunkJob = { jobId: job._id, settings, dryRunExternalIds: settings.dryRun ? new Map<string, number>() : undefined };
  const inviting = settings.sendInvitations && !settings.dryRun;
  let checkpoint = job.checkpointRow ?? 0;
  let chunk: ChunkRow[] = [];
  let lastRowRead = checkpoint;

  const flush = async (): Promise<'continue' | 'cancel' | 'lost'> => {
    const outcome = await applyChunk(chunk, chunkJob, directory);
    await recordFailures(job._id, outcome.failures, passwordColumn);
    if (inviting && outcome.createdUserIds.length > 0) await options.inviteUsers?.(String(job._id), outcome.createdUserIds);
    const verdict = await commitChunk(job._id, checkpoint, lastRowRead, countsOf(outcome, chunk.length));
    if (verdict !== 'lost') {
      checkpoint = lastRowRead;
      for (const kind of ['created', 'updated', 'unchanged', 'failed'] as const) importRowsProcessed.inc({ outcome: kind }, outcome[kind]);
    }
    chunk = [];
    return verdict;
  };

  for await (const { row, record } of readDataRows(file)) {
    const bound = binder(record);
    const duplicateOfRow = duplicates.see(bound.usernameKey, row);
    if (row <= checkpoint || (options.onlyRows && !options.onlyRows.has(row))) continue;
    chunk.push({ row, record, ...bound, duplicateOfRow });
    lastRowRead = row;
    if (chunk.length < options.chunkSize) continue;
    const verdict = await flush();
    if (verdict === 'lost') return 'lost';
    if (verdict === 'cancel') return cancel(job);
    if (options.shouldYield()) return 'yielded';
  }
  if (chunk.length > 0) {
    const verdict = await flush();
    if (verdict === 'lost') return 'lost';
    if (verdict === 'cancel') return cancel(job);
  }
  return 'completed';
}

async function cancel(job: ImportJobDocument): Promise<'cancelled'> {
  await setJobStatus(job._id, 'cancelled', { finishedAt: new Date() });
  return 'cancelled';
}

async function failedRowsOf(jobId: Types.ObjectId): Promise<Set<number>> {
  const rows = await ImportRowErrorModel.distinct('row', { jobId });
  return new Set(rows as number[]);
}

function resolveColumnsOrExplain(headers: string[], directory: DirectorySnapshot) {
  const resolved = resolveColumns(headers, directory.customFields);
  if (!resolved.ok) {
    // Accepted at upload, refused now: a custom field was deleted in between.
    throw new Error(`The file's columns no longer match the directory: ${JSON.stringify(resolved.problems)}`);
  }
  return resolved.columns;
}

function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/FileNotFound|File not found/i.test(message)) return 'The uploaded file is no longer stored. Upload it again.';
  return message.slice(0, 500);
}
