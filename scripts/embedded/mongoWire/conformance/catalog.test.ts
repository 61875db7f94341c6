import { MongoClient } from 'mongodb';
import { mongoUrl, openConformanceDatabase, rejectionOf, uniqueDbName, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;

beforeAll(async () => {
  mongo = await openConformanceDatabase('catalog');
});

afterAll(async () => {
  await mongo.close();
});

describe('collections and databases', () => {
  test('create makes an empty collection; repeating it with the same options succeeds (MongoDB 7.0+)', async () => {
    await mongo.db.createCollection('made');
    await expect(mongo.db.command({ create: 'made' })).resolves.toMatchObject({ ok: 1 });
    const names = (await mongo.db.listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name);
    expect(names).toContain('made');
  });

  test('create with different options for an existing collection fails with NamespaceExists (48)', async () => {
    await mongo.db.createCollection('capless');
    const error = await rejectionOf(mongo.db.command({ create: 'capless', capped: true, size: 4096 }));
    expect(error.code).toBe(48);
    expect(error.codeName).toBe('NamespaceExists');
  });

  test('listCollections applies its filter and returns full entries unless nameOnly', async () => {
    await mongo.db.collection('alpha').insertOne({ a: 1 });
    await mongo.db.collection('beta').insertOne({ b: 1 });
    const [alpha] = await mongo.db.listCollections({ name: 'alpha' }, { nameOnly: false }).toArray();
    expect(alpha).toMatchObject({ name: 'alpha', type: 'collection', options: {}, info: { readOnly: false } });
    expect((alpha as { idIndex?: unknown }).idIndex).toMatchObject({ key: { _id: 1 }, name: '_id_' });
    const nameOnly = await mongo.db.listCollections({ name: { $in: ['alpha', 'beta'] } }, { nameOnly: true }).toArray();
    expect(nameOnly.map((info) => info.name).sort()).toEqual(['alpha', 'beta']);
    expect(Object.keys(nameOnly[0]).sort()).toEqual(['name', 'type']);
  });

  test('drop removes the collection with its documents and indexes', async () => {
    const doomed = mongo.db.collection('doomed');
    await doomed.insertOne({ x: 1 });
    await doomed.createIndex({ x: 1 });
    await expect(doomed.drop()).resolves.toBe(true);
    expect(await mongo.db.listCollections({ name: 'doomed' }).toArray()).toEqual([]);
    await expect(doomed.countDocuments()).resolves.toBe(0);
  });

  test('renameCollection moves documents and indexes to the new name', async () => {
    const before = mongo.db.collection('old_name');
    await before.insertMany([{ k: 1 }, { k: 2 }]);
    await before.createIndex({ k: 1 }, { unique: true });
    await mongo.db.renameCollection('old_name', 'new_name');
    const after = mongo.db.collection('new_name');
    await expect(after.countDocuments()).resolves.toBe(2);
    expect((await after.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_', 'k_1']);
    expect(await mongo.db.listCollections({ name: 'old_name' }).toArray()).toEqual([]);
  });

  test('listDatabases includes a database once it holds data and omits it after dropDatabase', async () => {
    const client = await MongoClient.connect(mongoUrl());
    try {
      const name = uniqueDbName('catalog_dropped');
      const db = client.db(name);
      await db.collection('c').insertOne({ x: 1 });
      const listed = await client.db('admin').admin().listDatabases();
      expect(listed.databases.map((entry) => entry.name)).toContain(name);
      expect(listed.ok).toBe(1);
      expect(typeof listed.totalSize).toBe('number');
      const dropped = await db.command({ dropDatabase: 1 });
      expect(dropped.ok).toBe(1);
      const after = await client.db('admin').admin().listDatabases({ nameOnly: true });
      expect(after.databases.map((entry) => entry.name)).not.toContain(name);
      expect(await db.listCollections().toArray()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  test('listDatabases must run against admin: elsewhere it fails with Unauthorized (13)', async () => {
    const error = await rejectionOf(mongo.db.command({ listDatabases: 1 }));
    expect(error.code).toBe(13);
  });
});
