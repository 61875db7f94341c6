import { Binary, Decimal128, Long, ObjectId, type Collection, type Document } from 'mongodb';
import { openConformanceDatabase, rejectionOf, sortedStrings, type AnyDocument, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;
let counter = 0;
const fresh = (): Collection<AnyDocument> => mongo.db.collection<AnyDocument>(`crud_${++counter}`);

beforeAll(async () => {
  mongo = await openConformanceDatabase('crud');
});

afterAll(async () => {
  await mongo.close();
});

describe('insert and find', () => {
  test('insert generates an ObjectId _id and stores it as the first field', async () => {
    const users = fresh();
    const { insertedId } = await users.insertOne({ name: 'ada' });
    expect(insertedId).toBeInstanceOf(ObjectId);
    await users.insertOne({ name: 'bob', _id: 'b' });
    const stored = await users.find({}).toArray();
    expect(stored.map((doc) => Object.keys(doc)[0])).toEqual(['_id', '_id']);
    expect(stored[1]).toEqual({ _id: 'b', name: 'bob' });
  });

  test('BSON types survive storage: ObjectId, Date, int64, Binary, Decimal128', async () => {
    const things = fresh();
    const value = {
      _id: new ObjectId(),
      at: new Date('2024-01-02T03:04:05.678Z'),
      big: Long.fromString('9007199254740993'),
      small64: Long.fromNumber(5),
      int: 7,
      bytes: new Binary(Buffer.from([1, 2, 3, 250])),
      price: Decimal128.fromString('12.345'),
      nested: { list: [Long.fromNumber(1), 2] },
    };
    await things.insertOne(value);
    const raw = await things.findOne({ _id: value._id }, { promoteLongs: false, promoteValues: false });
    expect(raw!.big).toBeInstanceOf(Long);
    expect(raw!.big.toString()).toBe('9007199254740993');
    expect(raw!.small64).toBeInstanceOf(Long);
    expect(raw!.nested.list[0]).toBeInstanceOf(Long);
    const promoted = await things.findOne({ _id: value._id });
    expect(promoted!.at).toEqual(value.at);
    expect(promoted!.small64).toBe(5);
    expect(promoted!.int).toBe(7);
    expect(Buffer.from(promoted!.bytes.buffer)).toEqual(Buffer.from([1, 2, 3, 250]));
    expect(promoted!.price.toString()).toBe('12.345');
  });

  test('an int64 field matches numeric queries by value', async () => {
    const things = fresh();
    await things.insertMany([{ n: Long.fromNumber(10) }, { n: 3 }, { n: 20.5 }]);
    const hits = await things.find({ n: { $gt: 4 } }).sort({ n: 1 }).toArray();
    expect(hits.map((doc) => doc.n)).toEqual([10, 20.5]);
    await expect(things.countDocuments({ n: 10 })).resolves.toBe(1);
  });

  test('stored documents are copies: mutating the inserted object changes nothing', async () => {
    const things = fresh();
    const doc = { _id: 1, tags: ['a'] };
    await things.insertOne(doc);
    doc.tags.push('b');
    await expect(things.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, tags: ['a'] });
  });

  test('find applies filter, projection, sort, skip and limit', async () => {
    const people = fresh();
    await people.insertMany([
      { name: 'a', age: 30, city: 'x' },
      { name: 'b', age: 20, city: 'y' },
      { name: 'c', age: 40, city: 'x' },
      { name: 'd', age: 35, city: 'x' },
    ]);
    const found = await people.find({ city: 'x' }, { projection: { _id: 0, name: 1 } }).sort({ age: -1 }).skip(1).limit(2).toArray();
    expect(found).toEqual([{ name: 'd' }, { name: 'a' }]);
    const excluded = await people.findOne({ name: 'b' }, { projection: { city: 0, _id: 0 } });
    expect(excluded).toEqual({ name: 'b', age: 20 });
  });

  test('equality on an array field matches any element; $in uses index and non-index fields alike', async () => {
    const items = fresh();
    await items.createIndex({ sku: 1 });
    await items.insertMany([
      { sku: 'a', tags: ['red', 'blue'] },
      { sku: 'b', tags: ['green'] },
      { sku: 'c', tags: [] },
    ]);
    expect((await items.find({ tags: 'blue' }).toArray()).map((doc) => doc.sku)).toEqual(['a']);
    expect(sortedStrings((await items.find({ sku: { $in: ['a', 'c', 'zz'] } }).toArray()).map((doc) => doc.sku))).toEqual(['a', 'c']);
    expect(sortedStrings((await items.find({ sku: { $in: ['a', 'b'] }, tags: 'green' }).toArray()).map((doc) => doc.sku))).toEqual(['b']);
  });

  test('$or over indexed fields returns each matching document once, and unindexed branches still match', async () => {
    const users = fresh();
    await users.createIndex({ key: 1 });
    await users.createIndex({ ext: 1 }, { partialFilterExpression: { ext: { $type: 'string' } } });
    await users.insertMany([
      { key: 'ann', ext: 'E1' },
      { key: 'bob' },
      { key: 'cy', ext: 'E3', note: 'x' },
      { key: 'dee', ext: 'E4' },
    ]);
    const both = await users.find({ $or: [{ key: { $in: ['ann', 'bob'] } }, { ext: { $in: ['E1', 'E3'] } }] }).toArray();
    expect(sortedStrings(both.map((doc) => doc.key))).toEqual(['ann', 'bob', 'cy']);
    const mixed = await users.find({ $or: [{ key: 'dee' }, { note: 'x' }] }).toArray();
    expect(sortedStrings(mixed.map((doc) => doc.key))).toEqual(['cy', 'dee']);
    const narrowed = await users.find({ $or: [{ key: 'ann' }, { key: 'cy' }], ext: 'E3' }).toArray();
    expect(narrowed.map((doc) => doc.key)).toEqual(['cy']);
  });

  test('a null equality matches documents where the field is null or missing', async () => {
    const items = fresh();
    await items.createIndex({ owner: 1 });
    await items.insertMany([{ _id: 1, owner: null }, { _id: 2 }, { _id: 3, owner: 'x' }]);
    const ids = (await items.find({ owner: null }).toArray()).map((doc) => doc._id);
    expect(ids.sort()).toEqual([1, 2]);
  });
});

describe('update operators', () => {
  test('$inc creates missing fields and adds to existing ones', async () => {
    const counters = fresh();
    await counters.insertOne({ _id: 1, hits: 1 });
    await counters.updateOne({ _id: 1 }, { $inc: { hits: 2, misses: 1 } });
    await expect(counters.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, hits: 3, misses: 1 });
  });

  test('$inc on a string field fails with TypeMismatch (code 14) and changes nothing', async () => {
    const counters = fresh();
    await counters.insertOne({ _id: 1, hits: 'many' });
    const error = await rejectionOf(counters.updateOne({ _id: 1 }, { $inc: { hits: 1 } }));
    expect(error.code).toBe(14);
    await expect(counters.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, hits: 'many' });
  });

  test('$unset removes the field', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, name: 'a', temp: true });
    await users.updateOne({ _id: 1 }, { $unset: { temp: '' } });
    await expect(users.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, name: 'a' });
  });

  test('$addToSet with $each appends only values not already present', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, roles: ['reader'] });
    const result = await users.updateOne({ _id: 1 }, { $addToSet: { roles: { $each: ['reader', 'writer', 'admin', 'writer'] } } });
    expect(result.modifiedCount).toBe(1);
    await expect(users.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, roles: ['reader', 'writer', 'admin'] });
    const again = await users.updateOne({ _id: 1 }, { $addToSet: { roles: { $each: ['reader'] } } });
    expect(again).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  test('$pull removes every element matching a value or a condition', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, roles: ['a', 'b', 'a'], scores: [1, 5, 9, 3] });
    await users.updateOne({ _id: 1 }, { $pull: { roles: 'a', scores: { $gte: 5 } } } as Document);
    await expect(users.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, roles: ['b'], scores: [1, 3] });
  });

  test('$push, the positional $ operator and arrayFilters update array elements', async () => {
    const orders = fresh();
    await orders.insertOne({ _id: 1, items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }], grades: [50, 70, 90] });
    await orders.updateOne({ _id: 1, 'items.sku': 'b' }, { $set: { 'items.$.qty': 5 }, $push: { log: 'changed' } } as Document);
    await orders.updateOne({ _id: 1 }, { $set: { 'grades.$[g]': 100 } }, { arrayFilters: [{ g: { $gte: 70 } }] });
    await expect(orders.findOne({ _id: 1 })).resolves.toEqual({
      _id: 1,
      items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }],
      grades: [50, 100, 100],
      log: ['changed'],
    });
  });

  test('matchedCount counts matches but modifiedCount only documents that actually changed', async () => {
    const users = fresh();
    await users.insertMany([{ team: 'x', active: true }, { team: 'x', active: false }, { team: 'y', active: true }]);
    const result = await users.updateMany({ team: 'x' }, { $set: { active: true } });
    expect(result).toMatchObject({ matchedCount: 2, modifiedCount: 1, upsertedCount: 0 });
  });

  test('a replacement keeps _id, drops absent fields, and reports no modification when identical', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, name: 'a', extra: 1 });
    await users.replaceOne({ _id: 1 }, { name: 'b' });
    await expect(users.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, name: 'b' });
    await expect(users.replaceOne({ _id: 1 }, { name: 'b' })).resolves.toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  });

  test('changing _id through an update fails with ImmutableField (code 66)', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, name: 'a' });
    const error = await rejectionOf(users.updateOne({ _id: 1 }, { $set: { _id: 2 } }));
    expect(error.code).toBe(66);
  });

  test('an upsert inserts the filter equality fields plus $set and $setOnInsert', async () => {
    const users = fresh();
    const result = await users.updateOne(
      { email: 'a@x', age: { $gt: 10 } },
      { $set: { name: 'A' }, $setOnInsert: { createdBy: 'import' } },
      { upsert: true },
    );
    expect(result).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1 });
    expect(result.upsertedId).toBeInstanceOf(ObjectId);
    const stored = await users.findOne({ _id: result.upsertedId! }, { projection: { _id: 0 } });
    expect(stored).toEqual({ email: 'a@x', name: 'A', createdBy: 'import' });
  });

  test('$setOnInsert is not applied when the upsert matches an existing document', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, email: 'a@x', createdBy: 'signup' });
    const result = await users.updateOne({ email: 'a@x' }, { $set: { name: 'A' }, $setOnInsert: { createdBy: 'import' } }, { upsert: true });
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0, upsertedId: null });
    await expect(users.findOne({ _id: 1 })).resolves.toEqual({ _id: 1, email: 'a@x', createdBy: 'signup', name: 'A' });
  });

  test('an upsert whose filter names _id inserts with that _id', async () => {
    const users = fresh();
    const result = await users.updateOne({ _id: 'fixed' }, { $set: { n: 1 } }, { upsert: true });
    expect(result.upsertedId).toBe('fixed');
  });

  test('the raw update command reports n, nModified and upserted entries with their statement index', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, n: 0 });
    const reply = await mongo.db.command({
      update: users.collectionName,
      updates: [
        { q: { _id: 1 }, u: { $inc: { n: 1 } } },
        { q: { _id: 2 }, u: { $set: { n: 5 } }, upsert: true },
        { q: { _id: 3 }, u: { $set: { n: 5 } } },
      ],
    });
    expect(reply).toMatchObject({ ok: 1, n: 2, nModified: 1, upserted: [{ index: 1, _id: 2 }] });
  });
});

describe('delete', () => {
  test('deleteOne removes one match and deleteMany removes all matches', async () => {
    const items = fresh();
    await items.insertMany([{ k: 1 }, { k: 1 }, { k: 1 }, { k: 2 }]);
    await expect(items.deleteOne({ k: 1 })).resolves.toMatchObject({ deletedCount: 1 });
    await expect(items.deleteMany({ k: 1 })).resolves.toMatchObject({ deletedCount: 2 });
    await expect(items.countDocuments()).resolves.toBe(1);
  });

  test('the delete command refuses a limit other than 0 or 1', async () => {
    const items = fresh();
    await items.insertOne({ k: 1 });
    const error = await rejectionOf(mongo.db.command({ delete: items.collectionName, deletes: [{ q: {}, limit: 2 }] }));
    expect(error.code).toBe(9);
  });
});

describe('findAndModify', () => {
  test('findOneAndUpdate returns the document before by default and after when asked', async () => {
    const users = fresh();
    await users.insertOne({ _id: 1, n: 1 });
    await expect(users.findOneAndUpdate({ _id: 1 }, { $inc: { n: 1 } })).resolves.toEqual({ _id: 1, n: 1 });
    await expect(users.findOneAndUpdate({ _id: 1 }, { $inc: { n: 1 } }, { returnDocument: 'after' })).resolves.toEqual({ _id: 1, n: 3 });
  });

  test('findOneAndUpdate picks the first document in sort order and applies the projection', async () => {
    const jobs = fresh();
    await jobs.insertMany([{ p: 2, name: 'b' }, { p: 9, name: 'a' }, { p: 5, name: 'c' }]);
    const taken = await jobs.findOneAndUpdate({}, { $set: { taken: true } }, { sort: { p: -1 }, projection: { _id: 0, name: 1, taken: 1 }, returnDocument: 'after' });
    expect(taken).toEqual({ name: 'a', taken: true });
  });

  test('findOneAndUpdate with upsert reports the upsert in lastErrorObject', async () => {
    const users = fresh();
    const result = await users.findOneAndUpdate({ email: 'z' }, { $setOnInsert: { n: 1 } }, { upsert: true, returnDocument: 'after', includeResultMetadata: true });
    expect(result.lastErrorObject).toMatchObject({ n: 1, updatedExisting: false });
    expect(result.value).toMatchObject({ email: 'z', n: 1 });
    const none = await users.findOneAndUpdate({ email: 'nobody' }, { $set: { n: 2 } }, { includeResultMetadata: true });
    expect(none.value).toBeNull();
    expect(none.lastErrorObject).toMatchObject({ n: 0, updatedExisting: false });
  });

  test('findOneAndDelete and findOneAndReplace return the matched document', async () => {
    const users = fresh();
    await users.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
    await expect(users.findOneAndDelete({ _id: 1 })).resolves.toEqual({ _id: 1, n: 1 });
    await expect(users.findOneAndReplace({ _id: 2 }, { m: 3 }, { returnDocument: 'after' })).resolves.toEqual({ _id: 2, m: 3 });
    await expect(users.countDocuments()).resolves.toBe(1);
  });
});

describe('counting and distinct', () => {
  test('countDocuments honours filter, skip and limit; estimatedDocumentCount counts everything', async () => {
    const items = fresh();
    await items.insertMany(Array.from({ length: 25 }, (_, i) => ({ i, even: i % 2 === 0 })));
    await expect(items.countDocuments({ even: true })).resolves.toBe(13);
    await expect(items.countDocuments({}, { skip: 20 })).resolves.toBe(5);
    await expect(items.countDocuments({}, { limit: 7 })).resolves.toBe(7);
    await expect(items.estimatedDocumentCount()).resolves.toBe(25);
    await expect(mongo.db.collection('never_written').countDocuments()).resolves.toBe(0);
  });

  test('the count command answers n for a query', async () => {
    const items = fresh();
    await items.insertMany([{ a: 1 }, { a: 2 }, { a: 2 }]);
    await expect(mongo.db.command({ count: items.collectionName, query: { a: 2 } })).resolves.toMatchObject({ n: 2, ok: 1 });
  });

  test('distinct returns each value once, flattening arrays and skipping missing fields', async () => {
    const items = fresh();
    await items.insertMany([{ tags: ['a', 'b'], k: 1 }, { tags: ['b', 'c'], k: 1 }, { tags: 'd', k: 2 }, { k: 1 }]);
    expect(sortedStrings(await items.distinct('tags'))).toEqual(['a', 'b', 'c', 'd']);
    expect(sortedStrings(await items.distinct('tags', { k: 1 }))).toEqual(['a', 'b', 'c']);
  });
});

describe('sort by _id and exclusion projections', () => {
  test('sort {_id: 1} and {_id: -1} order ObjectIds by their bytes, whatever the insertion order', async () => {
    const items = fresh();
    const ids = ['650000000000000000000003', '0a0000000000000000000001', 'ff0000000000000000000002', '650000000000000000000002'].map((hex) => new ObjectId(hex));
    await items.insertMany(ids.map((_id, i) => ({ _id, i })));
    const ascending = ids.map(String).sort();
    expect((await items.find({}).sort({ _id: 1 }).toArray()).map((doc) => String(doc._id))).toEqual(ascending);
    expect((await items.find({ i: { $gte: 1 } }).sort({ _id: -1 }).toArray()).map((doc) => String(doc._id))).toEqual(ascending.filter((id) => id !== String(ids[0])).reverse());
    expect((await items.find({}).sort({ _id: 1 }).skip(1).limit(2).toArray()).map((doc) => String(doc._id))).toEqual(ascending.slice(1, 3));
  });

  test('sort {_id: 1} over mixed _id types follows BSON type order: numbers, strings, ObjectIds', async () => {
    const items = fresh();
    const objectId = new ObjectId('650000000000000000000001');
    await items.insertMany([{ _id: objectId }, { _id: 'b' }, { _id: 2 }, { _id: 'a' }, { _id: 1 }] as AnyDocument[]);
    expect((await items.find({}).sort({ _id: 1 }).toArray()).map((doc) => doc._id)).toEqual([1, 2, 'a', 'b', objectId]);
  });

  test('an exclusion projection drops the named fields and keeps the others in stored order', async () => {
    const items = fresh();
    await items.insertOne({ _id: 1, a: 1, secret: 's', b: { c: 2 }, other: 'x' } as AnyDocument);
    expect(Object.entries((await items.find({}, { projection: { secret: 0, other: false } }).toArray())[0])).toEqual([['_id', 1], ['a', 1], ['b', { c: 2 }]]);
    expect((await items.find({}, { projection: { _id: 0, 'b.c': 0 } }).toArray())[0]).toEqual({ a: 1, secret: 's', b: {}, other: 'x' });
  });
});
