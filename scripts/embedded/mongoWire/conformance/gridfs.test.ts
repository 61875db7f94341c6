import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket } from 'mongodb';
import { openConformanceDatabase, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;

beforeAll(async () => {
  mongo = await openConformanceDatabase('gridfs');
});

afterAll(async () => {
  await mongo.close();
});

function collectInto(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
}

describe('GridFS through the driver', () => {
  test('a 5 MB file uploaded and downloaded through streams comes back byte-identical', async () => {
    const bucket = new GridFSBucket(mongo.db, { bucketName: 'uploads' });
    const content = randomBytes(5 * 1024 * 1024);
    const upload = bucket.openUploadStream('big.bin', { metadata: { kind: 'test' } });
    await pipeline(Readable.from([content.subarray(0, 1_000_000), content.subarray(1_000_000)]), upload);

    const [file] = await bucket.find({ _id: upload.id }).toArray();
    expect(file).toMatchObject({ length: content.length, filename: 'big.bin', metadata: { kind: 'test' } });
    const chunkCount = await mongo.db.collection('uploads.chunks').countDocuments({ files_id: upload.id });
    expect(chunkCount).toBe(Math.ceil(content.length / file.chunkSize));

    const received: Buffer[] = [];
    await pipeline(bucket.openDownloadStream(upload.id), collectInto(received));
    const downloaded = Buffer.concat(received);
    expect(downloaded.length).toBe(content.length);
    expect(createHash('sha256').update(downloaded).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    expect(downloaded.equals(content)).toBe(true);
  });

  test('the bucket creates its files and chunks indexes, chunks keyed uniquely by files_id and n', async () => {
    const bucket = new GridFSBucket(mongo.db, { bucketName: 'indexed' });
    await pipeline(Readable.from([Buffer.from('hello')]), bucket.openUploadStream('small.txt'));
    const chunkIndexes = await mongo.db.collection('indexed.chunks').listIndexes().toArray();
    expect(chunkIndexes).toContainEqual(expect.objectContaining({ key: { files_id: 1, n: 1 }, unique: true }));
    const fileIndexes = await mongo.db.collection('indexed.files').listIndexes().toArray();
    expect(fileIndexes).toContainEqual(expect.objectContaining({ key: { filename: 1, uploadDate: 1 } }));
  });

  test('downloading by name and deleting a file removes its chunks', async () => {
    const bucket = new GridFSBucket(mongo.db, { bucketName: 'named' });
    const upload = bucket.openUploadStream('note.txt', { chunkSizeBytes: 4 });
    await pipeline(Readable.from([Buffer.from('0123456789')]), upload);
    const received: Buffer[] = [];
    await pipeline(bucket.openDownloadStreamByName('note.txt'), collectInto(received));
    expect(Buffer.concat(received).toString()).toBe('0123456789');
    await bucket.delete(upload.id);
    await expect(mongo.db.collection('named.chunks').countDocuments()).resolves.toBe(0);
    await expect(mongo.db.collection('named.files').countDocuments()).resolves.toBe(0);
  });
});
