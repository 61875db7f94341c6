import { GridFSBucket, ObjectId, type Binary, type Collection, type Db } from 'mongodb';
import mongoose from 'mongoose';
import { Readable } from 'node:stream';
import { isDatabaseUnavailable, isDuplicateKey } from './databaseErrors';

const BUCKET = 'uploads';
/** One document remembering how far the sweep for abandoned uploads has looked. */
const SWEEP_MARKS = 'uploadsweeps';

function database(): Db {
  const db = mongoose.connection.db;
  if (!db) throw new Error('MongoDB is not connected');
  return db;
}

/**
 * Uploaded CSV files live in GridFS, so every worker on every machine can read them and a
 * retry reads exactly the bytes that were checked at upload.
 */
function bucket(): GridFSBucket {
  return new GridFSBucket(database(), { bucketName: BUCKET, chunkSizeBytes: 255 * 1024 });
}

const filesCollection = (): Collection => database().collection(`${BUCKET}.files`);
const chunksCollection = (): Collection => database().collection(`${BUCKET}.chunks`);

export function openUploadWriteStream(fileName: string, contentType: string) {
  return bucket().openUploadStream(fileName, { metadata: { contentType } });
}

/** Chunks per cursor batch when reading an upload: about 1 MB in memory at a time. */
const CHUNKS_PER_BATCH = 4;

/**
 * The upload's bytes, in order. Not GridFS's own download stream: its cursor takes up to 16 MB
 * of chunks per reply, every chunk's bytes are a view into that reply, and the reply lives
 * until the last of them is collected; a worker reading a 67 MB upload held 73 MB of buffers.
 * Here a batch is a few chunks and each chunk is copied out, so the reply can go at once.
 */
export function openUploadReadStream(fileId: ObjectId): Readable {
  return Readable.from(chunkBytes(readUploadChunks(fileId)), { objectMode: false });
}

async function* chunkBytes(chunks: AsyncIterable<StoredChunk>): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) yield chunk.bytes;
}

/** A stored upload read by byte ranges: a workbook is a zip, whose directory is at its end. */
export interface UploadByteRanges {
  size: number;
  /** The bytes from `start` up to, not including, `end`. */
  openRange(start: number, end: number): Readable;
  /** MongoDB gone away mid-read: an outage to wait out, not damaged bytes. */
  isPassingFailure(error: unknown): boolean;
}

export async function uploadByteRanges(fileId: ObjectId): Promise<UploadByteRanges> {
  const file = await findUploadFile(fileId);
  // A workbook's parts are read one by one, most far smaller than a chunk: the last chunk read
  // is kept, so a workbook of a thousand small sheets costs a few queries, not a thousand.
  const lastChunk: { chunk?: StoredChunk } = {};
  return {
    size: file.length,
    openRange: (start, end) => Readable.from(readUploadRange(fileId, file, start, end, lastChunk), { objectMode: false }),
    isPassingFailure: isDatabaseUnavailable,
  };
}

interface UploadFile {
  length: number;
  chunkSize: number;
}

async function findUploadFile(fileId: ObjectId): Promise<UploadFile> {
  const file = await filesCollection().findOne({ _id: fileId });
  if (!file) throw new Error(`FileNotFound: file ${String(fileId)} was not found`);
  return { length: file.length as number, chunkSize: file.chunkSize as number };
}

async function* readUploadRange(fileId: ObjectId, file: UploadFile, start: number, end: number, lastChunk: { chunk?: StoredChunk }): AsyncGenerator<Buffer> {
  if (end <= start) return;
  const first = Math.floor(start / file.chunkSize);
  const last = Math.floor((end - 1) / file.chunkSize);
  const part = (chunk: StoredChunk) => {
    const chunkStart = chunk.n * file.chunkSize;
    return chunk.bytes.subarray(Math.max(0, start - chunkStart), Math.min(chunk.bytes.length, end - chunkStart));
  };
  const kept = lastChunk.chunk;
  if (kept && kept.n === first && first === last) {
    yield part(kept);
    return;
  }
  for await (const chunk of readUploadChunks(fileId, file, { first, last })) {
    lastChunk.chunk = chunk;
    yield part(chunk);
  }
}

interface StoredChunk {
  n: number;
  bytes: Buffer;
}

/** The chunks of an upload in order, all of them or those from `first` to `last`. */
async function* readUploadChunks(fileId: ObjectId, known?: UploadFile, range?: { first: number; last: number }): AsyncGenerator<StoredChunk> {
  const file = known ?? (await findUploadFile(fileId));
  const chunkCount = Math.ceil(file.length / file.chunkSize);
  const first = range?.first ?? 0;
  const last = Math.min(range?.last ?? chunkCount - 1, chunkCount - 1);
  const filter = range ? { files_id: fileId, n: { $gte: first, $lte: last } } : { files_id: fileId };
  const cursor = chunksCollection().find(filter, { sort: { n: 1 }, batchSize: CHUNKS_PER_BATCH });
  let expected = first;
  try {
    for await (const chunk of cursor) {
      const size = expected === chunkCount - 1 ? file.length - expected * file.chunkSize : file.chunkSize;
      const bytes = (chunk.data as Binary).buffer;
      // The same checks as GridFS's stream: a lost or damaged chunk must never read as a shorter file.
      if (chunk.n !== expected || expected > last) throw new Error(`ChunkIsMissing: upload ${String(fileId)} has chunk ${chunk.n} where chunk ${expected} should be`);
      if (bytes.length !== size) throw new Error(`ChunkIsWrongSize: chunk ${expected} of upload ${String(fileId)} has ${bytes.length} bytes, not ${size}`);
      expected += 1;
      yield { n: expected - 1, bytes: Buffer.from(bytes) };
    }
  } finally {
    await cursor.close();
  }
  if (expected !== last + 1) throw new Error(`ChunkIsMissing: upload ${String(fileId)} ends after chunk ${expected - 1} of ${chunkCount}`);
}

export async function deleteUpload(fileId: ObjectId): Promise<void> {
  try {
    await bucket().delete(fileId);
  } catch (error) {
    // Already gone (e.g. a half-written upload the driver cleaned up): nothing to do.
    if (!/File not found/i.test((error as Error).message)) throw error;
  }
}

/**
 * Deletes the chunks before the file document, the reverse of GridFS's own order: a process
 * stopped half-way leaves a file document that the next sweep finds and finishes, never
 * chunks nobody points to. True when this call removed the file document.
 */
export async function eraseUpload(fileId: ObjectId): Promise<boolean> {
  await chunksCollection().deleteMany({ files_id: fileId });
  const { deletedCount } = await filesCollection().deleteOne({ _id: fileId });
  return deletedCount === 1;
}

/** An id range of uploads: ids are made when an upload starts, so ranges are time ranges. */
export interface UploadIdRange {
  /** Inclusive lower bound. */
  from?: ObjectId;
  /** Exclusive lower bound, for paging on from the last id of a batch. */
  after?: ObjectId;
  before: ObjectId;
}

function idsIn(range: UploadIdRange): Record<string, ObjectId> {
  return { ...(range.from && { $gte: range.from }), ...(range.after && { $gt: range.after }), $lt: range.before };
}

/**
 * The distinct upload ids that have chunks in the range, ascending, at most `limit`. One
 * index seek per upload on GridFS's {files_id, n} index, however many chunks each has.
 */
export async function uploadIdsWithChunks(range: UploadIdRange, limit: number): Promise<ObjectId[]> {
  const ids: ObjectId[] = [];
  let after = range.after;
  while (ids.length < limit) {
    const chunk = await chunksCollection().findOne(
      { files_id: idsIn({ ...range, after }) },
      { sort: { files_id: 1, n: 1 }, projection: { _id: 0, files_id: 1 } },
    );
    if (!chunk) break;
    after = chunk.files_id as ObjectId;
    ids.push(after);
  }
  return ids;
}

/** Ids of finished uploads (those with a file document) in the range, ascending, at most `limit`. */
export async function storedUploadIds(range: UploadIdRange, limit: number): Promise<ObjectId[]> {
  const files = await filesCollection()
    .find({ _id: idsIn(range) }, { projection: { _id: 1 }, sort: { _id: 1 }, limit })
    .toArray();
  return files.map((file) => file._id as ObjectId);
}

/** Which of these uploads have a file document, i.e. finished storing. */
export async function finishedUploadIds(ids: ObjectId[]): Promise<Set<string>> {
  const files = await filesCollection().find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
  return new Set(files.map((file) => String(file._id)));
}

/** Deletes every chunk of these uploads (ones that never got a file document). */
export async function deleteChunksOf(ids: ObjectId[]): Promise<void> {
  await chunksCollection().deleteMany({ files_id: { $in: ids } });
}

/** Where the last sweep for abandoned uploads stopped: every upload id below it was looked at. */
export async function abandonedUploadsSweptBefore(): Promise<ObjectId | undefined> {
  const mark = await database().collection<{ _id: string; before: ObjectId }>(SWEEP_MARKS).findOne({ _id: 'abandoned' });
  return mark?.before;
}

export async function markAbandonedUploadsSweptBefore(before: ObjectId): Promise<void> {
  const marks = database().collection<{ _id: string; before: ObjectId }>(SWEEP_MARKS);
  try {
    // $max: a sweeper that started earlier never moves the mark back.
    await marks.updateOne({ _id: 'abandoned' }, { $max: { before } }, { upsert: true });
  } catch (error) {
    // Two first sweeps raced to create the mark: the other one's insert won, so update it.
    if (!isDuplicateKey(error)) throw error;
    await marks.updateOne({ _id: 'abandoned' }, { $max: { before } });
  }
}

/** The smallest upload id made in the second `time` falls in, so `$lt` it means "started before that second". */
export function uploadIdAt(time: Date): ObjectId {
  return ObjectId.createFromTime(Math.floor(time.getTime() / 1000));
}
