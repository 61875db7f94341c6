import type { Request } from 'express';
import type { StorageEngine } from 'multer';
import type { ObjectId } from 'mongodb';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deleteUpload, openUploadWriteStream } from '../../shared/data/uploadStore';

export const HEAD_BYTES = 64 * 1024;

/** What multer hands the route for a file streamed into GridFS. */
export interface StoredUpload {
  fileId: ObjectId;
  size: number;
  /** The first HEAD_BYTES of the file, kept for the door check; the rest is never in memory. */
  head: Buffer;
}

/** Keeps the first bytes of a stream as they pass through, and counts them all. */
class HeadCapture extends Transform {
  private readonly parts: Buffer[] = [];
  private captured = 0;
  size = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.captured < HEAD_BYTES) {
      const part = chunk.subarray(0, HEAD_BYTES - this.captured);
      this.parts.push(Buffer.from(part));
      this.captured += part.length;
    }
    callback(null, chunk);
  }

  get head(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** A multer storage engine that streams the upload straight into GridFS. */
export function gridfsUploadStorage(): StorageEngine {
  return {
    _handleFile(_req: Request, file, callback) {
      const capture = new HeadCapture();
      const upload = openUploadWriteStream(file.originalname, file.mimetype);
      pipeline(file.stream, capture, upload)
        .then(() => {
          const stored: StoredUpload = { fileId: upload.id, size: capture.size, head: capture.head };
          callback(null, stored as unknown as Partial<Express.Multer.File>);
        })
        .catch(async (error) => {
          await deleteUpload(upload.id).catch(() => undefined);
          callback(error);
        });
    },
    _removeFile(_req: Request, file, callback) {
      const { fileId } = file as unknown as StoredUpload;
      deleteUpload(fileId).then(() => callback(null), callback);
    },
  };
}
