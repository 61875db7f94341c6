import { Schema, model, type InferSchemaType, type Types } from 'mongoose';
import { IMPORT_STATUSES } from '../rules/importStatuses';
import type { FailureCauseCount } from '../rules/failureCauses';

export { FINAL_STATUSES, IMPORT_STATUSES, type ImportStatus } from '../rules/importStatuses';

const countsSchema = new Schema(
  {
    total: { type: Number, default: 0 },
    processed: { type: Number, default: 0 },
    created: { type: Number, default: 0 },
    updated: { type: Number, default: 0 },
    unchanged: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    invited: { type: Number, default: 0 },
    /** Undo jobs only, one per change record: put back, removed (a created user), left as they were. */
    restored: { type: Number, default: 0 },
    removed: { type: Number, default: 0 },
    conflicts: { type: Number, default: 0 },
  },
  { _id: false },
);

export const IMPORT_KINDS = ['import', 'undo'] as const;
export const IMPORT_FILE_FORMATS = ['csv', 'xlsx'] as const;

function isCsv(this: { fileFormat?: string }): boolean {
  return this.fileFormat !== 'xlsx';
}

const importSchema = new Schema(
  {
    /** An undo walks the change records of `undoOf` instead of a file (undo/runUndo.ts). */
    kind: { type: String, enum: IMPORT_KINDS, default: 'import' },
    undoOf: { type: Schema.Types.ObjectId, default: null },
    /**
     * On an import: the undo job taking it back. Set by the one conditional update that starts
     * an undo, so of two undo requests only one starts.
     */
    undoneBy: { type: Schema.Types.ObjectId, default: null },
    status: { type: String, enum: IMPORT_STATUSES, required: true, default: 'queued' },
    fileName: { type: String, required: true },
    /** The upload in GridFS; retries reuse it, so every worker on every machine can read it. */
    fileId: { type: Schema.Types.ObjectId, required: true },
    fileSize: { type: Number, required: true },
    /** A CSV file, or an .xlsx workbook whose `worksheet` holds the users. */
    fileFormat: { type: String, enum: IMPORT_FILE_FORMATS, default: 'csv' },
    /** Detected at upload, so the worker decodes exactly as the door check did (CSV only). */
    encoding: { type: String, enum: ['utf8', 'windows-1252'], required: isCsv },
    delimiter: { type: String, enum: [',', ';'], required: isCsv },
    /** The sheet the door check chose (workbooks only): its tab name, and its part in the zip. */
    worksheet: { type: new Schema({ name: { type: String, required: true }, part: { type: String, required: true } }, { _id: false }), default: undefined },
    headers: { type: [String], required: true },
    /** As parseImportSettings returned them; read back through importSettingsOf, which knows the defaults. */
    settings: {
      sendInvitations: Boolean,
      groupsMode: { type: String, enum: ['add', 'replace'] },
      rolesMode: { type: String, enum: ['add', 'replace'] },
      dryRun: Boolean,
    },
    counts: { type: countsSchema, default: () => ({}) },
    /**
     * Data rows (1-based, in file order) whose effects and counts are committed. Written in the
     * same update as the counts, so a resumed job never counts a row twice.
     */
    checkpointRow: { type: Number, default: 0 },
    retryOf: { type: Schema.Types.ObjectId, default: null },
    /** With `retryOf`: re-run only the rows that failed in that job. */
    onlyFailedRows: { type: Boolean, default: false },
    /**
     * The file is that import's failed rows file, corrected: each row is applied only as the
     * correction of one of its failed rows (rules/failedRowCorrections.ts).
     */
    correctsImport: { type: Schema.Types.ObjectId, default: null },
    cancelRequested: { type: Boolean, default: false },
    requestedBy: { type: String },
    failureReason: { type: String },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
    /**
     * Set while the worker waits to resume after a database error (outage, step-down), so the
     * admin sees why a running import stands still; cleared by the next committed chunk.
     */
    retrying: {
      type: new Schema({ reason: String, attempt: Number, nextAt: Date, since: Date }, { _id: false }),
      default: null,
    },
    /** Times BullMQ failed this import's queue job and a recovery round queued it again. */
    recoveries: { type: Number, default: 0 },
    /**
     * An ended import's failed rows counted per cause (data/failedRows.ts countFailureCauses), filled the
     * first time its report is read.
     */
    failureCauses: {
      type: new Schema(
        { shown: { type: [new Schema({ cause: String, rows: Number }, { _id: false })], default: [] }, more: { type: Number, default: 0 } },
        { _id: false },
      ),
      default: undefined,
    },
    /** The stored upload was deleted (UPLOAD_RETENTION_DAYS): retry and errors.csv are gone. */
    fileDeletedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
importSchema.index({ createdAt: -1, _id: -1 }, { name: 'newest_first' });
// Recovery looks for imports that have not ended; retention for the uploads of old ones.
importSchema.index({ status: 1 }, { name: 'status' });
importSchema.index({ fileId: 1 }, { name: 'file' });

export type ImportRecord = Omit<InferSchemaType<typeof importSchema>, 'failureCauses'> & {
  _id: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
  /** As lean() reads it back: plain arrays, not mongoose's document arrays. */
  failureCauses?: { shown: FailureCauseCount[]; more: number } | null;
};
export const ImportModel = model('Import', importSchema, 'importjobs');

/** The stored upload a job reads, as another job on the same file (a retry, a run for real, an undo) copies it. */
export function storedUploadOf(job: ImportRecord): Pick<ImportRecord, 'fileName' | 'fileId' | 'fileSize' | 'fileFormat' | 'encoding' | 'delimiter' | 'worksheet' | 'headers'> {
  const { fileName, fileId, fileSize, fileFormat, encoding, delimiter, worksheet, headers } = job;
  return { fileName, fileId, fileSize, fileFormat, encoding, delimiter, worksheet, headers };
}
