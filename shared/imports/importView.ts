import type { ImportRecord } from '../data/importStore';
import { importSettingsOf, type ImportSettings } from '../rules/importSettings';
import { FINAL_STATUSES } from '../rules/importStatuses';
import { summariseFailureCauses, type FailureCauseSummary } from '../rules/failureCauses';

/** An import as the API shows it (README, "HTTP API"). */
export interface ImportView {
  id: string;
  /** `undo`: an import taking back the import `undoOf`; its file, settings and total are that import's. */
  kind: 'import' | 'undo';
  undoOf: string | null;
  /** On an import: the undo that takes (or took) it back. */
  undoneBy: string | null;
  status: ImportRecord['status'];
  fileName: string;
  /** `xlsx`: the users came from `worksheet` of an Excel workbook; its failed rows are offered as errors.xlsx too. */
  fileFormat: 'csv' | 'xlsx';
  worksheet?: string;
  settings: ImportSettings;
  /** `restored`, `removed` and `conflicts` are an undo import's, one per change record it walked. */
  counts: { total: number; processed: number; created: number; updated: number; unchanged: number; failed: number; invited: number; restored?: number; removed?: number; conflicts?: number };
  progress: number;
  rowsPerSecond: number | null;
  etaSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  retryOf: string | null;
  onlyFailedRows: boolean;
  /** The file is this import's failed rows, corrected and uploaded back: only those rows were applied. */
  correctsImport: string | null;
  /** The role of the key that started it. */
  requestedBy: string | null;
  /** A cancel was asked for; a running job stops at its next chunk. */
  cancelRequested: boolean;
  /** When the stored upload was deleted (UPLOAD_RETENTION_DAYS): retry and errors.csv are gone since. */
  fileDeletedAt: string | null;
  failureReason?: string;
  /** The worker lost the database and resumes from the last checkpoint at `nextAt`. */
  retrying?: { reason: string; attempt: number; nextAt: string; since: string };
  /** An ended import's failed rows by cause, most rows first (rules/failureCauses.ts), in its report. */
  failureCauses?: FailureCauseSummary[];
  /** How many causes beyond those listed. */
  moreFailureCauses?: number;
}

export function toImportView(job: ImportRecord, now: Date): ImportView {
  const undo = job.kind === 'undo';
  const counts: ImportView['counts'] = {
    total: job.counts?.total ?? 0,
    processed: job.counts?.processed ?? 0,
    created: job.counts?.created ?? 0,
    updated: job.counts?.updated ?? 0,
    unchanged: job.counts?.unchanged ?? 0,
    failed: job.counts?.failed ?? 0,
    invited: job.counts?.invited ?? 0,
    ...(undo ? { restored: job.counts?.restored ?? 0, removed: job.counts?.removed ?? 0, conflicts: job.counts?.conflicts ?? 0 } : {}),
  };
  const finished = FINAL_STATUSES.includes(job.status);
  const progress = finished && job.status !== 'cancelled' && job.status !== 'failed'
    ? 100
    : counts.total > 0 ? Math.min(100, Math.floor((counts.processed / counts.total) * 1000) / 10) : 0;
  const elapsedSeconds = job.startedAt ? ((job.finishedAt ?? now).getTime() - job.startedAt.getTime()) / 1000 : 0;
  const rowsPerSecond = elapsedSeconds > 0 && counts.processed > 0 ? Math.round((counts.processed / elapsedSeconds) * 10) / 10 : null;
  const etaSeconds = finished ? 0 : rowsPerSecond ? Math.ceil((counts.total - counts.processed) / rowsPerSecond) : null;
  const view: ImportView = {
    id: String(job._id),
    kind: undo ? 'undo' : 'import',
    undoOf: job.undoOf ? String(job.undoOf) : null,
    undoneBy: job.undoneBy ? String(job.undoneBy) : null,
    status: job.status,
    fileName: job.fileName,
    fileFormat: job.fileFormat === 'xlsx' ? 'xlsx' : 'csv',
    ...(job.worksheet && { worksheet: job.worksheet.name }),
    settings: importSettingsOf(job.settings),
    counts,
    progress,
    rowsPerSecond,
    etaSeconds,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    retryOf: job.retryOf ? String(job.retryOf) : null,
    onlyFailedRows: job.onlyFailedRows ?? false,
    correctsImport: job.correctsImport ? String(job.correctsImport) : null,
    requestedBy: job.requestedBy ?? null,
    cancelRequested: job.cancelRequested ?? false,
    fileDeletedAt: job.fileDeletedAt?.toISOString() ?? null,
  };
  if (job.failureReason) view.failureReason = job.failureReason;
  if (job.failureCauses && finished) {
    view.failureCauses = summariseFailureCauses(job.failureCauses.shown);
    view.moreFailureCauses = job.failureCauses.more ?? 0;
  }
  if (job.retrying?.nextAt && !finished) {
    const { reason, attempt, nextAt, since } = job.retrying;
    view.retrying = { reason: reason ?? '', attempt: attempt ?? 1, nextAt: nextAt.toISOString(), since: (since ?? nextAt).toISOString() };
  }
  return view;
}
