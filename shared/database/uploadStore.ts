import { GridFSBucket, type ObjectId } from 'mongodb';
import mongoose from 'mongoose';
import type { Readable } from 'node:stream';

const BUCKET = 'uploads';

/**
 * Uploaded CSV files live in GridFS, so every worker on every machine can read them and a
 * retry reads exactly the bytes that were checked at upload.
 */
function bucket(): GridFSBucket {
  const db = mongoose.connection.db;
  if (!db) throw new Error('MongoDB is not connected');
  return new GridFSBucket(db, { bucketName: BUCKET, chunkSizeBytes: 255 * 1024 });
}

export function openUploadWriteStream(fileName: string, contentType: string) {
  return bucket().openUploadStream(fileName, { metadata: { contentType } });
}

export function openUploadReadStream(fileId: ObjectId): Readable {
  return bucket().openDownloadStream(fileId);
}

export async function deleteUpload(fileId: ObjectId): Promise<void> {
  try {
    await bucket().delete(fileId);
  } catch (error) {
    // Already gone (e.g. a half-written upload the driver cleaned up): nothing to do.
    if (!/File not found/i.test((error as Error).message)) throw error;
  }
}
