import type { ObjectId } from 'mongodb';
import { listCustomFields } from '../directory/customFieldDirectory';
import type { EnqueueImport } from '../queues/queues';
import { checkImportFile } from './importFileCheck';
import { checkWorkbookFile, refuseCompoundFile } from './workbookFileCheck';
import { containerOf } from '../csv/fileSniffing';
import { deleteUpload, uploadByteRanges } from '../data/uploadStore';
import { createImport, type ImportRecord } from '../data/importStore';
import { parseImportSettings } from '../rules/importSettings';
import { toImportView, type ImportView } from './importView';

export interface UploadedFile {
  fileId: ObjectId;
  fileName: string;
  size: number;
  head: Buffer;
  headIsWholeFile: boolean;
}

/**
 * Upload use case: check the stored file at the door, record the job, queue it. A refused
 * file is deleted again, so nothing of a refused upload stays behind.
 */
export async function startImport(
  upload: UploadedFile,
  fields: Record<string, unknown>,
  requestedBy: string,
  enqueueImport: EnqueueImport,
): Promise<ImportView> {
  return importUpload(upload, requestedBy, enqueueImport, async () => ({ settings: parseImportSettings(fields) }));
}

/** What an import of an upload runs with, besides the file: its settings, and for a retry whose. */
export type UploadRun = Pick<ImportRecord, 'settings'> & Partial<Pick<ImportRecord, 'retryOf' | 'correctsImport'>>;

/**
 * Every upload's way in (a new file, corrected failed rows): `prepare` decides what the import
 * runs with (or refuses), the door check reads the file, the import is recorded and queued.
 * Whatever is refused, the stored upload is deleted again.
 */
export async function importUpload(upload: UploadedFile, requestedBy: string, enqueueImport: EnqueueImport, prepare: () => Promise<UploadRun>): Promise<ImportView> {
  let job: ImportRecord;
  try {
    const run = await prepare();
    const checked = await checkUpload(upload, await listCustomFields());
    job = await createImport({ fileName: upload.fileName, fileId: upload.fileId, fileSize: upload.size, ...checked, ...run, requestedBy });
  } catch (error) {
    await deleteUpload(upload.fileId);
    throw error;
  }
  await enqueueImport(String(job._id));
  return toImportView(job, new Date());
}

/** The door check for what the upload is: a workbook is read from the store, a CSV judged on its head. */
async function checkUpload(upload: UploadedFile, customFields: { key: string; label: string }[]) {
  switch (containerOf(upload.head)) {
    case 'zip': {
      const workbook = await checkWorkbookFile(await uploadByteRanges(upload.fileId), customFields);
      return { fileFormat: 'xlsx' as const, ...workbook };
    }
    case 'compound_file':
      return refuseCompoundFile(await uploadByteRanges(upload.fileId));
    default:
      return { fileFormat: 'csv' as const, ...checkImportFile(upload.head, { complete: upload.headIsWholeFile, customFields }) };
  }
}
