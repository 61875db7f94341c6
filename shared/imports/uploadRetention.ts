import type { ObjectId } from 'mongodb';
import {
  abandonedUploadsSweptBefore,
  deleteChunksOf,
  eraseUpload,
  finishedUploadIds,
  markAbandonedUploadsSweptBefore,
  storedUploadIds,
  uploadIdAt,
  uploadIdsWithChunks,
} from '../data/uploadStore';
import { AppError } from '../platform/appError';
import { FINAL_STATUSES } from '../rules/importStatuses';
import {
  findImportsOfUploads,
  markUploadDeleted,
  otherImportOfUpload,
  unmarkUploadDeleted,
  uploadIdsInUse,
  type ImportRecord,
  type ImportOfUpload,
} from '../data/importStore';
import { deleteRowErrorsOf } from '../data/failedRows';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Uploads looked at per query: memory and query size stay bounded whatever piled up. */
const BATCH = 100;

export interface SweepUploadsOptions {
  /** How long after its last import ended an upload is kept (UPLOAD_RETENTION_DAYS). */
  retentionMs: number;
  /**
   * Upload data this old that belongs to no import is abandoned. Must outlast the longest
   * upload plus the door check: the API's request timeout (5 minutes) ends any upload first.
   */
  orphanAgeMs?: number;
  /**
   * The sweep's clock (default: the real one). Tests move it forward to age imports; the
   * abandoned-upload mark moves with it, so it must never go back to the real clock afterwards
   * on the same database.
   */
  now?: Date;
}

export interface SweepUploadsResult {
  /** Stored files no import refers to (the API stopped between storing and recording the job). */
  orphanFiles: number;
  /** Uploads cut off mid-way: chunks without a file document. */
  orphanChunkFiles: number;
  /** Uploads deleted because every import using them ended more than the retention ago. */
  expiredFiles: number;
}

/**
 * Deletes stored upload data nobody may need any more: what interrupted uploads left behind,
 * and, since uploads hold plaintext passwords, each import's file once its retention has
 * passed. Idempotent and safe to run from several workers at once.
 */
export async function sweepUploads(options: SweepUploadsOptions): Promise<SweepUploadsResult> {
  const now = options.now ?? new Date();
  const orphanCutoff = new Date(now.getTime() - (options.orphanAgeMs ?? HOUR_MS));
  const result: SweepUploadsResult = { orphanFiles: 0, orphanChunkFiles: 0, expiredFiles: 0 };
  await sweepAbandonedUploads(orphanCutoff, result);
  await sweepExpiredUploads(new Date(now.getTime() - options.retentionMs), orphanCutoff, now, result);
  return result;
}

/**
 * Only uploads started since the last sweep's cut-off are looked at: one older than that had
 * either finished with its import recorded, or been swept, by then. So a sweep with nothing to
 * do is a few index seeks, not a pass over every stored file.
 */
async function sweepAbandonedUploads(cutoff: Date, result: SweepUploadsResult): Promise<void> {
  // Ids tell time to the second: take in the whole second of the cut-off and look at it again next time.
  const range = { from: await abandonedUploadsSweptBefore(), before: uploadIdAt(new Date(cutoff.getTime() + 1000)) };
  for (let after: ObjectId | undefined; ;) {
    const ids = await uploadIdsWithChunks({ ...range, after }, BATCH);
    const finished = ids.length > 0 ? await finishedUploadIds(ids) : new Set<string>();
    const cutOff = ids.filter((id) => !finished.has(String(id)));
    if (cutOff.length > 0) await deleteChunksOf(cutOff);
    result.orphanChunkFiles += cutOff.length;
    if (ids.length < BATCH) break;
    after = ids[ids.length - 1];
  }
  for (let after: ObjectId | undefined; ;) {
    const ids = await storedUploadIds({ ...range, after }, BATCH);
    const claimed = ids.length > 0 ? await uploadIdsInUse(ids) : new Set<string>();
    for (const id of ids) if (!claimed.has(String(id)) && (await eraseUpload(id))) result.orphanFiles += 1;
    if (ids.length < BATCH) break;
    after = ids[ids.length - 1];
  }
  // Moved only once everything below it is done: a sweep that dies half-way is simply redone.
  await markAbandonedUploadsSweptBefore(uploadIdAt(cutoff));
}

/**
 * A file is shared by an import and its retries, so it goes only when all of them have ended
 * and the last one ended before the cut-off. An upload starts before its imports end, so only
 * files with older ids can qualify: normally none besides those a recent retry still keeps.
 */
async function sweepExpiredUploads(cutoff: Date, orphanCutoff: Date, now: Date, result: SweepUploadsResult): Promise<void> {
  const before = uploadIdAt(new Date(cutoff.getTime() + 1000));
  for (let after: ObjectId | undefined; ;) {
    const ids = await storedUploadIds({ after, before }, BATCH);
    const jobs = ids.length > 0 ? await findImportsOfUploads(ids) : [];
    for (const id of ids) {
      const sharing = jobs.filter((job) => job.fileId.equals(id));
      if (sharing.length === 0) {
        // Below the abandoned-upload mark yet claimed by nobody: abandoned all the same.
        if (id.getTimestamp() < orphanCutoff && (await eraseUpload(id))) result.orphanFiles += 1;
      } else if (sharing.every((job) => endedBefore(job, cutoff)) && (await expireUpload(id, sharing, now))) {
        result.expiredFiles += 1;
      }
    }
    if (ids.length < BATCH) break;
    after = ids[ids.length - 1];
  }
}

function endedBefore(job: ImportOfUpload, cutoff: Date): boolean {
  return FINAL_STATUSES.includes(job.status) && (job.finishedAt ?? job.updatedAt) < cutoff;
}

/**
 * Marks the imports first, then looks for one it did not judge (a retry started meanwhile);
 * a retry does the opposite (creates its job, then looks for the mark), so one of the two
 * always sees the other and no retry is queued on a file being deleted. The file document
 * goes last, so a sweep stopped half-way is finished by the next one.
 */
async function expireUpload(fileId: ObjectId, judged: ImportOfUpload[], now: Date): Promise<boolean> {
  const importIds = judged.map((job) => job._id);
  await markUploadDeleted(fileId, now);
  if (await otherImportOfUpload(fileId, importIds)) {
    await unmarkUploadDeleted(fileId, now);
    return false;
  }
  // Failed rows are copies of the file's cells: the same personal data.
  await deleteRowErrorsOf(importIds);
  return eraseUpload(fileId);
}

/** What retry and errors.csv answer once the import's upload is gone. */
export function requireStoredUpload(job: Pick<ImportRecord, 'fileDeletedAt' | 'finishedAt' | 'createdAt'>): void {
  if (!job.fileDeletedAt) return;
  const days = Math.max(0, Math.round((job.fileDeletedAt.getTime() - (job.finishedAt ?? job.createdAt).getTime()) / DAY_MS));
  throw new AppError(
    'gone',
    'upload_deleted',
    `The uploaded file of this import was deleted ${days} ${days === 1 ? 'day' : 'days'} after it ended (UPLOAD_RETENTION_DAYS) because it holds passwords. Upload the file again.`,
    { fileDeletedAt: job.fileDeletedAt.toISOString() },
  );
}
