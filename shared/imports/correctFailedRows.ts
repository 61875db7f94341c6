import { z } from 'zod';
import { AppError, conflict } from '../platform/appError';
import type { EnqueueImport } from '../queues/queues';
import { FINAL_STATUSES } from '../rules/importStatuses';
import { findImportHeaders, type ImportRecord } from '../data/importStore';
import type { Types } from 'mongoose';
import type { ImportView } from './importView';
import { importSettingsOf } from '../rules/importSettings';
import { importUpload, type UploadedFile } from './startImport';
import { getImport, refuseUndone } from './importActions';
import { requireStoredUpload } from './uploadRetention';
import { readFailedRows } from '../data/failedRows';
import { FailedRowMatcher, failedRowOf, type FailedRow } from '../rules/failedRowCorrections';
import { errorColumnIndex } from '../rules/userColumns';

/** A corrections upload may ask for a dry run; every other setting is the corrected import's. */
const correctionFields = z.object({ dryRun: z.enum(['true', 'false', 'on', 'off', '1', '0', '']).optional() }).strict();

/**
 * "Upload corrected rows" (support and admins): the failed rows file of an ended import, fixed,
 * runs as a retry of that import with its settings. It goes through the door check as any upload,
 * and the worker applies only rows that correct a failed row of that import
 * (rules/failedRowCorrections.ts); any other row fails with the reason. A refused upload is
 * deleted again, as a refused upload always is.
 */
export async function retryWithCorrections(
  id: string,
  upload: UploadedFile,
  fields: Record<string, unknown>,
  requestedBy: string,
  enqueueImport: EnqueueImport,
): Promise<ImportView> {
  return importUpload(upload, requestedBy, enqueueImport, async () => {
    const source = await correctableImport(id);
    const dryRun = parseDryRun(fields);
    return { settings: { ...importSettingsOf(source.settings), dryRun }, retryOf: source._id, correctsImport: source._id };
  });
}

async function correctableImport(id: string): Promise<ImportRecord> {
  const source = await getImport(id);
  if (source.kind === 'undo') {
    throw conflict('undo_not_correctable', "An undo's conflicts are not rows to import: fix them by hand, or undo the import again once they are resolved.");
  }
  if (source.settings?.dryRun) {
    throw conflict('dry_run_not_correctable', 'This was a dry run, which applied nothing: fix the file and upload it again, as a dry run or for real.');
  }
  refuseUndone(source);
  // Its failed rows, which the corrections are matched to, went with its upload.
  requireStoredUpload(source);
  if (!FINAL_STATUSES.includes(source.status)) throw conflict('import_not_finished', 'This import is still running. Wait for it to end, then download its failed rows.');
  if ((source.counts?.failed ?? 0) === 0) throw conflict('no_failed_rows', 'This import has no failed rows to correct.');
  return source;
}

function parseDryRun(fields: Record<string, unknown>): boolean {
  const parsed = correctionFields.safeParse(fields ?? {});
  if (!parsed.success) {
    throw new AppError(
      'invalid_input',
      'invalid_settings',
      'Corrected rows run with the settings of the import they correct; the only field an upload of them may add is dryRun (true or false).',
    );
  }
  return ['true', 'on', '1'].includes(parsed.data.dryRun ?? '');
}

/** What the apply pass of a corrections file checks each row against. */
export interface RowCorrections {
  matcher: FailedRowMatcher;
  /** Where the corrections file's Error column is, if it kept one. */
  errorColumn: number | undefined;
}

/**
 * The failed rows of the corrected import, for one attempt at applying a corrections file: the
 * matcher remembers which rows are taken, so every attempt starts a new one from the first row.
 */
export async function rowCorrectionsFor(job: Pick<ImportRecord, 'headers'> & { correctsImport: Types.ObjectId }): Promise<RowCorrections> {
  const corrected = await findImportHeaders(job.correctsImport);
  const failedRows: FailedRow[] = [];
  // Gone (it cannot be, while its failed rows are kept): no row matches, so each fails saying so.
  if (corrected) for await (const failed of readFailedRows(job.correctsImport)) failedRows.push(failedRowOf(failed.row, corrected.headers, failed.cells, failed.causes));
  return { matcher: new FailedRowMatcher(failedRows), errorColumn: errorColumnIndex(job.headers) };
}
