import { Long, type Document } from 'mongodb';
import { openConformanceDatabase, rejectionOf, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;
const TOTAL = 5_000;
const NAME = 'numbers';
/** Cursor ids must go back to the server as int64, so raw commands keep them as Long. */
const raw = (command: Document) => mongo.db.command(command, { promoteLongs: false });

beforeAll(async () => {
  mongo = await openConformanceDatabase('cursors');
  await mongo.db.collection(NAME).insertMany(Array.from({ length: TOTAL }, (_, n) => ({ n, pad: 'x'.repeat(100) })));
});

afterAll(async () => {
  await mongo.close();
});

describe('cursors', () => {
  test('iterating 5,000 documents through getMore returns each exactly once, in order', async () => {
    const seen = await mongo.db.collection(NAME).find({}, { projection: { n: 1 } }).sort({ n: 1 }).batchSize(700).toArray();
    expect(seen).toHaveLength(TOTAL);
    expect(seen.every((doc, i) => doc.n === i)).toBe(true);
    const natural: number[] = [];
    for await (const doc of mongo.db.collection(NAME).find({})) natural.push(doc.n);
    expect(new Set(natural).size).toBe(TOTAL);
  });

  test('find without batchSize returns a first batch of 101 documents and an open cursor', async () => {
    const reply = await raw({ find: NAME, filter: {} });
    expect(reply.cursor.firstBatch).toHaveLength(101);
    expect(reply.cursor.id).toBeInstanceOf(Long);
    expect(reply.cursor.id.isZero()).toBe(false);
    expect(reply.cursor.ns).toBe(`${mongo.dbName}.${NAME}`);
    await raw({ killCursors: NAME, cursors: [reply.cursor.id] });
  });

  test('getMore returns batchSize documents in nextBatch and id 0 once exhausted', async () => {
    const first = await raw({ find: NAME, filter: { n: { $lt: 250 } }, sort: { n: 1 }, batchSize: 100 });
    expect(first.cursor.firstBatch).toHaveLength(100);
    const second = await raw({ getMore: first.cursor.id, collection: NAME, batchSize: 100 });
    expect(second.cursor.nextBatch.map((doc: Document) => doc.n)).toEqual(Array.from({ length: 100 }, (_, i) => 100 + i));
    expect(second.cursor.id.equals(first.cursor.id)).toBe(true);
    const third = await raw({ getMore: first.cursor.id, collection: NAME, batchSize: 100 });
    expect(third.cursor.nextBatch).toHaveLength(50);
    const exhausted = third.cursor.id.isZero()
      ? third
      : await raw({ getMore: first.cursor.id, collection: NAME, batchSize: 100 });
    expect(exhausted.cursor.id.isZero()).toBe(true);
  });

  test('batchSize 0 returns an empty first batch with an open cursor', async () => {
    const reply = await raw({ find: NAME, filter: {}, batchSize: 0 });
    expect(reply.cursor.firstBatch).toEqual([]);
    expect(reply.cursor.id.isZero()).toBe(false);
    await raw({ killCursors: NAME, cursors: [reply.cursor.id] });
  });

  test('limit and singleBatch close the cursor with the first batch', async () => {
    const limited = await raw({ find: NAME, filter: {}, limit: 5 });
    expect(limited.cursor.firstBatch).toHaveLength(5);
    expect(limited.cursor.id.isZero()).toBe(true);
    const single = await raw({ find: NAME, filter: {}, batchSize: 10, singleBatch: true });
    expect(single.cursor.firstBatch).toHaveLength(10);
    expect(single.cursor.id.isZero()).toBe(true);
  });

  test('killCursors reports the killed id, and a getMore on it then fails with CursorNotFound (43)', async () => {
    const reply = await raw({ find: NAME, filter: {}, batchSize: 2 });
    const id: Long = reply.cursor.id;
    const killed = await raw({ killCursors: NAME, cursors: [id] });
    expect(killed.ok).toBe(1);
    expect(killed.cursorsKilled.map(String)).toEqual([id.toString()]);
    expect(killed.cursorsNotFound).toEqual([]);
    const error = await rejectionOf(raw({ getMore: id, collection: NAME }));
    expect(error.code).toBe(43);
    expect(error.codeName).toBe('CursorNotFound');
  });

  test('a driver cursor closed early sends killCursors and the server stays consistent', async () => {
    const cursor = mongo.db.collection(NAME).find({}).batchSize(10);
    await cursor.next();
    await cursor.close();
    await expect(mongo.db.collection(NAME).countDocuments()).resolves.toBe(TOTAL);
  });
});
