import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import mongoose from 'mongoose';
import type { ObjectId } from 'mongodb';
import { openUploadReadStream, openUploadWriteStream, uploadByteRanges } from '../../shared/data/uploadStore';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { monitorCommands: true });
});
afterAll(() => service.stop());

const CHUNK = 255 * 1024;
const chunks = () => mongoose.connection.db!.collection('uploads.chunks');

async function store(bytes: Buffer): Promise<ObjectId> {
  const upload = openUploadWriteStream('stored.csv', 'text/csv');
  await pipeline(Readable.from([bytes]), upload);
  return upload.id as ObjectId;
}

async function readAll(fileId: ObjectId): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of openUploadReadStream(fileId)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('reading a stored upload', () => {
  test('When an upload spans many chunks, then it reads back byte for byte', async () => {
    for (const size of [0, 1, CHUNK, CHUNK + 1, 9 * CHUNK + 77]) {
      const bytes = randomBytes(size);
      expect((await readAll(await store(bytes))).equals(bytes)).toBe(true);
    }
  });

  test('When a middle chunk is lost, then reading fails saying so instead of returning a shorter file', async () => {
    const fileId = await store(randomBytes(6 * CHUNK));
    await chunks().deleteOne({ files_id: fileId, n: 3 });
    await expect(readAll(fileId)).rejects.toThrow(/ChunkIsMissing: .* chunk 4 where chunk 3 should be/);
  });

  test('When the last chunk is lost or a chunk is cut short, then reading fails', async () => {
    const lastLost = await store(randomBytes(3 * CHUNK + 10));
    await chunks().deleteOne({ files_id: lastLost, n: 3 });
    await expect(readAll(lastLost)).rejects.toThrow(/ChunkIsMissing: .* ends after chunk 2 of 4/);
    const cut = await store(randomBytes(3 * CHUNK));
    await chunks().updateOne({ files_id: cut, n: 1 }, { $set: { data: randomBytes(10) } });
    await expect(readAll(cut)).rejects.toThrow(/ChunkIsWrongSize: chunk 1 .* has 10 bytes, not 261120/);
  });

  test('When the upload is gone, then reading fails with FileNotFound, which an import reports as "upload it again"', async () => {
    await expect(readAll(new mongoose.Types.ObjectId() as unknown as ObjectId)).rejects.toThrow(/FileNotFound/);
  });

  test('When many small ranges of one chunk are read in turn (a workbook of small parts), then the chunk is fetched once, and every range reads right', async () => {
    const bytes = randomBytes(2 * CHUNK + 500);
    const ranges = await uploadByteRanges(await store(bytes));
    const finds: string[] = [];
    const client = mongoose.connection.getClient();
    const onStart = (event: { commandName: string; command: { find?: string } }) => {
      if (event.commandName === 'find' && event.command.find === 'uploads.chunks') finds.push(event.commandName);
    };
    client.on('commandStarted', onStart);
    try {
      const read = async (start: number, end: number) => {
        const parts: Buffer[] = [];
        for await (const part of ranges.openRange(start, end)) parts.push(part as Buffer);
        return Buffer.concat(parts);
      };
      for (let start = 0; start < 1000 * 100; start += 100) expect((await read(start, start + 100)).equals(bytes.subarray(start, start + 100))).toBe(true);
      // A range across the chunk boundary, then ranges in the next chunks: fetched, and read right too.
      expect((await read(CHUNK - 10, CHUNK + 10)).equals(bytes.subarray(CHUNK - 10, CHUNK + 10))).toBe(true);
      expect((await read(2 * CHUNK, 2 * CHUNK + 500)).equals(bytes.subarray(2 * CHUNK))).toBe(true);
      expect((await read(50, 60)).equals(bytes.subarray(50, 60))).toBe(true);
    } finally {
      client.off('commandStarted', onStart);
    }
    // One for the first chunk's thousand ranges, one across the boundary, one for the last chunk, one back to the first.
    expect(finds).toHaveLength(4);
  });
});
