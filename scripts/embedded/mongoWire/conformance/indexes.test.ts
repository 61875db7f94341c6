import mongoose from 'mongoose';
import type { Document } from 'mongodb';
import { mongoUrl, openConformanceDatabase, rejectionOf, uniqueDbName, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;
let counter = 0;
const fresh = () => mongo.db.collection(`idx_${++counter}`);
const indexNames = async (name: string) => (await mongo.db.collection(name).listIndexes().toArray()).map((index) => index.name).sort();

beforeAll(async () => {
  mongo = await openConformanceDatabase('indexes');
});

afterAll(async () => {
  await mongo.close();
});

describe('createIndexes, listIndexes and dropIndexes', () => {
  test('createIndexes reports index counts and creates the collection implicitly', async () => {
    const items = fresh();
    const reply = await mongo.db.command({ createIndexes: items.collectionName, indexes: [{ key: { a: 1 }, name: 'a_1' }] });
    expect(reply).toMatchObject({ ok: 1, numIndexesBefore: 1, numIndexesAfter: 2, createdCollectionAutomatically: true });
    const again = await mongo.db.command({ createIndexes: items.collectionName, indexes: [{ key: { a: 1 }, name: 'a_1' }] });
    expect(again).toMatchObject({ ok: 1, numIndexesBefore: 2, numIndexesAfter: 2, note: 'all indexes already exist' });
  });

  test('listIndexes shows _id_ and each index with its key, name and options', async () => {
    const items = fresh();
    await items.createIndex({ email: 1 }, { unique: true, name: 'email_unique' });
    await items.createIndex({ org: 1, createdAt: -1 });
    const indexes = await items.listIndexes().toArray();
    expect(indexes).toEqual([
      expect.objectContaining({ v: 2, key: { _id: 1 }, name: '_id_' }),
      expect.objectContaining({ v: 2, key: { email: 1 }, name: 'email_unique', unique: true }),
      expect.objectContaining({ v: 2, key: { org: 1, createdAt: -1 }, name: 'org_1_createdAt_-1' }),
    ]);
    expect(indexes[2].unique).toBeUndefined();
  });

  test('listIndexes on a missing collection fails with NamespaceNotFound (code 26)', async () => {
    const error = await rejectionOf(mongo.db.collection('does_not_exist').listIndexes().toArray());
    expect(error.code).toBe(26);
  });

  test('reusing an index name for another key fails with IndexKeySpecsConflict (code 86)', async () => {
    const items = fresh();
    await items.createIndex({ a: 1 }, { name: 'mine' });
    const error = await rejectionOf(items.createIndex({ b: 1 }, { name: 'mine' }));
    expect(error.code).toBe(86);
  });

  test('dropIndexes removes by name, by key pattern or all but _id_; never _id_', async () => {
    const items = fresh();
    await items.createIndexes([{ key: { a: 1 } }, { key: { b: 1 } }, { key: { c: 1 } }]);
    await items.dropIndex('a_1');
    await items.dropIndex({ b: 1 } as unknown as string);
    expect(await indexNames(items.collectionName)).toEqual(['_id_', 'c_1']);
    await expect(rejectionOf(items.dropIndex('nope'))).resolves.toMatchObject({ code: 27 });
    await expect(rejectionOf(items.dropIndex('_id_'))).resolves.toMatchObject({ code: 72 });
    await items.dropIndexes();
    expect(await indexNames(items.collectionName)).toEqual(['_id_']);
  });

  test('building a unique index over existing duplicates fails with 11000 and creates no index', async () => {
    const items = fresh();
    await items.insertMany([{ k: 1 }, { k: 1 }]);
    const error = await rejectionOf(items.createIndex({ k: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    expect(await indexNames(items.collectionName)).toEqual(['_id_']);
  });
});

describe('unique index variants', () => {
  test('a unique index treats a missing field as null: a second document without it is a duplicate', async () => {
    const items = fresh();
    await items.createIndex({ code: 1 }, { unique: true });
    await items.insertOne({ name: 'first' });
    const error = await rejectionOf(items.insertOne({ name: 'second' }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ code: null });
  });

  test('a partial unique index allows many documents without the field but refuses a duplicate value', async () => {
    const items = fresh();
    await items.createIndex({ email: 1 }, { unique: true, partialFilterExpression: { email: { $exists: true } } });
    await items.insertMany([{ name: 'a' }, { name: 'b' }, { email: 'x' }]);
    const error = await rejectionOf(items.insertOne({ email: 'x' }));
    expect(error.code).toBe(11000);
    await expect(items.countDocuments()).resolves.toBe(3);
    const [, partial] = await items.listIndexes().toArray();
    expect(partial.partialFilterExpression).toEqual({ email: { $exists: true } });
  });

  test('a partial unique index ignores documents outside its filter even with equal values', async () => {
    const items = fresh();
    await items.createIndex({ username: 1 }, { unique: true, partialFilterExpression: { active: true } });
    await items.insertMany([{ username: 'u', active: false }, { username: 'u', active: false }, { username: 'u', active: true }]);
    await expect(rejectionOf(items.insertOne({ username: 'u', active: true }))).resolves.toMatchObject({ code: 11000 });
    await expect(rejectionOf(items.updateOne({ active: false }, { $set: { active: true } }))).resolves.toMatchObject({ code: 11000 });
  });

  test('a sparse unique index skips documents missing the field but refuses duplicate values', async () => {
    const items = fresh();
    await items.createIndex({ nick: 1 }, { unique: true, sparse: true });
    await items.insertMany([{ n: 1 }, { n: 2 }, { nick: 'z' }]);
    await expect(rejectionOf(items.insertOne({ nick: 'z' }))).resolves.toMatchObject({ code: 11000 });
  });

  test('a unique index with collation strength 2 refuses values differing only in case', async () => {
    const items = fresh();
    await items.createIndex({ name: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } });
    await items.insertOne({ name: 'Alice' });
    await expect(rejectionOf(items.insertOne({ name: 'alice' }))).resolves.toMatchObject({ code: 11000 });
    await items.insertOne({ name: 'Bob' });
    const [, index] = await items.listIndexes().toArray();
    expect(index.collation).toMatchObject({ locale: 'en', strength: 2 });
  });

  test('a query with the index collation matches values differing only in case', async () => {
    const items = fresh();
    await items.createIndex({ username: 1 }, { unique: true, collation: { locale: 'en', strength: 2 } });
    await items.insertMany([{ username: 'MixedCase' }, { username: 'other' }]);
    const found = await items.find({ username: 'mixedcase' }, { collation: { locale: 'en', strength: 2 } }).toArray();
    expect(found.map((doc) => doc.username)).toEqual(['MixedCase']);
    await expect(items.countDocuments({ username: 'mixedcase' })).resolves.toBe(0);
  });

  test('a unique index on an array field keys each element', async () => {
    const items = fresh();
    await items.createIndex({ aliases: 1 }, { unique: true });
    await items.insertOne({ aliases: ['a', 'b'] });
    await expect(rejectionOf(items.insertOne({ aliases: ['c', 'b'] }))).resolves.toMatchObject({ code: 11000, keyValue: { aliases: 'b' } });
    await items.insertOne({ aliases: ['c'] });
  });
});

describe('mongoose indexes', () => {
  const dbName = uniqueDbName('indexes_mongoose');
  let connection: mongoose.Connection;

  beforeAll(async () => {
    connection = await mongoose.createConnection(mongoUrl(), { dbName }).asPromise();
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  test('a mongoose model with a unique index refuses a duplicate with code 11000', async () => {
    const schema = new mongoose.Schema({ usernameKey: { type: String, required: true, unique: true }, name: String });
    const Account = connection.model('Account', schema);
    await Account.init();
    await Account.create({ usernameKey: 'ada', name: 'Ada' });
    const error = await rejectionOf(Account.create({ usernameKey: 'ada', name: 'Other' }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ usernameKey: 'ada' });
    await expect(Account.countDocuments()).resolves.toBe(1);
  });

  test('syncIndexes creates the schema indexes and drops indexes the schema no longer declares', async () => {
    const schema = new mongoose.Schema({ email: String, org: String, createdAt: Date }, { autoIndex: false });
    schema.index({ email: 1 }, { unique: true });
    schema.index({ org: 1, createdAt: -1 });
    const Member = connection.model('Member', schema);
    await Member.createCollection();
    await Member.collection.createIndex({ legacy: 1 });
    const dropped = await Member.syncIndexes();
    expect(dropped).toEqual(['legacy_1']);
    const indexes = await Member.listIndexes();
    expect(indexes.map((index: Document) => index.name).sort()).toEqual(['_id_', 'email_1', 'org_1_createdAt_-1']);
    expect(indexes.find((index: Document) => index.name === 'email_1')).toMatchObject({ unique: true });
    await expect(Member.syncIndexes()).resolves.toEqual([]);
  });

  test('Model.createIndexes builds declared indexes, including partial ones, that then hold', async () => {
    const schema = new mongoose.Schema({ ssn: String }, { autoIndex: false });
    schema.index({ ssn: 1 }, { unique: true, partialFilterExpression: { ssn: { $type: 'string' } } });
    const Person = connection.model('Person', schema);
    await Person.createIndexes();
    await Person.create([{}, {}, { ssn: '1' }]);
    await expect(rejectionOf(Person.create({ ssn: '1' }))).resolves.toMatchObject({ code: 11000 });
  });
});
