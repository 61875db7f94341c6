import { MongoBulkWriteError, type Collection, type Document } from 'mongodb';
import { openConformanceDatabase, rejectionOf, type AnyDocument, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;
let counter = 0;

/** A collection with a unique index on `email`, as most duplicate-key tests need. */
async function usersWithUniqueEmail(): Promise<Collection<AnyDocument>> {
  const users = mongo.db.collection<AnyDocument>(`users_${++counter}`);
  await users.createIndex({ email: 1 }, { unique: true });
  return users;
}

beforeAll(async () => {
  mongo = await openConformanceDatabase('write_errors');
});

afterAll(async () => {
  await mongo.close();
});

describe('duplicate key errors', () => {
  test('a duplicate insertOne fails with code 11000, the mongod message, keyPattern and keyValue', async () => {
    const users = await usersWithUniqueEmail();
    await users.insertOne({ email: 'a@x' });
    const error = await rejectionOf(users.insertOne({ email: 'a@x' }));
    expect(error.code).toBe(11000);
    expect(error.message).toBe(`E11000 duplicate key error collection: ${mongo.dbName}.${users.collectionName} index: email_1 dup key: { email: "a@x" }`);
    expect(error.keyPattern).toEqual({ email: 1 });
    expect(error.keyValue).toEqual({ email: 'a@x' });
  });

  test('the implicit _id_ index refuses a second document with the same _id', async () => {
    const users = mongo.db.collection<AnyDocument>(`ids_${++counter}`);
    await users.insertOne({ _id: 7 });
    const error = await rejectionOf(users.insertOne({ _id: 7 }));
    expect(error.code).toBe(11000);
    expect(error.message).toContain('index: _id_ dup key: { _id: 7 }');
    expect(error.keyValue).toEqual({ _id: 7 });
  });

  test('an ordered insertMany stops at the first duplicate and reports its batch index', async () => {
    const users = await usersWithUniqueEmail();
    const error = await rejectionOf(users.insertMany([{ email: 'a' }, { email: 'b' }, { email: 'a' }, { email: 'c' }]));
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.insertedCount).toBe(2);
    expect(error.writeErrors.map((writeError: Document) => [writeError.index, writeError.code])).toEqual([[2, 11000]]);
    await expect(users.countDocuments({ email: 'c' })).resolves.toBe(0);
  });

  test('an unordered insertMany reports every duplicate with its batch index and inserts the rest', async () => {
    const users = await usersWithUniqueEmail();
    await users.insertOne({ email: 'taken' });
    const batch = [{ email: 'a' }, { email: 'taken' }, { email: 'b' }, { email: 'a' }, { email: 'c' }];
    const error = await rejectionOf(users.insertMany(batch, { ordered: false }));
    expect(error.insertedCount).toBe(3);
    expect(error.writeErrors.map((writeError: Document) => writeError.index)).toEqual([1, 3]);
    expect(error.writeErrors.every((writeError: Document) => writeError.code === 11000)).toBe(true);
    await expect(users.countDocuments()).resolves.toBe(4);
  });

  test('the raw insert command lists writeErrors with index, code, errmsg, keyPattern and keyValue', async () => {
    const users = await usersWithUniqueEmail();
    const reply = await mongo.db.command({
      insert: users.collectionName,
      documents: [{ email: 'a' }, { email: 'a' }, { email: 'b' }, { email: 'b' }],
      ordered: false,
    });
    expect(reply.ok).toBe(1);
    expect(reply.n).toBe(2);
    expect(reply.writeErrors).toEqual([
      expect.objectContaining({ index: 1, code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a' }, errmsg: expect.stringContaining('E11000 duplicate key error') }),
      expect.objectContaining({ index: 3, code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'b' } }),
    ]);
  });

  test('an ordered bulkWrite stops at the failing operation; counts cover only what ran', async () => {
    const users = await usersWithUniqueEmail();
    await users.insertOne({ email: 'x', n: 0 });
    const error = await rejectionOf(
      users.bulkWrite([
        { insertOne: { document: { email: 'a' } } },
        { updateOne: { filter: { email: 'x' }, update: { $inc: { n: 1 } } } },
        { insertOne: { document: { email: 'a' } } },
        { insertOne: { document: { email: 'never' } } },
      ]),
    );
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect(error.insertedCount).toBe(1);
    expect(error.matchedCount).toBe(1);
    expect(error.modifiedCount).toBe(1);
    expect(error.writeErrors.map((writeError: Document) => [writeError.index, writeError.code])).toEqual([[2, 11000]]);
    await expect(users.countDocuments({ email: 'never' })).resolves.toBe(0);
  });

  test('an unordered bulkWrite runs every operation and reports failures by original index', async () => {
    const users = await usersWithUniqueEmail();
    await users.insertMany([{ email: 'x' }, { email: 'y' }]);
    const error = await rejectionOf(
      users.bulkWrite(
        [
          { insertOne: { document: { email: 'x' } } },
          { updateOne: { filter: { email: 'y' }, update: { $set: { email: 'x' } } } },
          { insertOne: { document: { email: 'z' } } },
          { deleteOne: { filter: { email: 'x' } } },
        ],
        { ordered: false },
      ),
    );
    expect(error.writeErrors.map((writeError: Document) => writeError.index).sort()).toEqual([0, 1]);
    expect(error.insertedCount).toBe(1);
    expect(error.deletedCount).toBe(1);
    expect((await users.find({}, { projection: { _id: 0 } }).toArray()).map((doc) => doc.email).sort()).toEqual(['y', 'z']);
  });

  test('an update that would duplicate a unique key fails with 11000 and leaves the document unchanged', async () => {
    const users = await usersWithUniqueEmail();
    await users.insertMany([{ _id: 1, email: 'a' }, { _id: 2, email: 'b' }]);
    const error = await rejectionOf(users.updateOne({ _id: 2 }, { $set: { email: 'a', touched: true } }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ email: 'a' });
    await expect(users.findOne({ _id: 2 })).resolves.toEqual({ _id: 2, email: 'b' });
  });

  test('findOneAndUpdate surfacing a duplicate fails the command with DuplicateKey', async () => {
    const users = await usersWithUniqueEmail();
    await users.insertMany([{ email: 'a' }, { email: 'b' }]);
    const error = await rejectionOf(users.findOneAndUpdate({ email: 'b' }, { $set: { email: 'a' } }));
    expect(error.code).toBe(11000);
    expect(error.codeName).toBe('DuplicateKey');
    expect(error.keyValue).toEqual({ email: 'a' });
  });

  test('an upsert that would insert a duplicate fails with 11000 and inserts nothing', async () => {
    const users = await usersWithUniqueEmail();
    await users.insertOne({ email: 'a', team: 1 });
    const error = await rejectionOf(users.updateOne({ team: 2 }, { $set: { email: 'a' } }, { upsert: true }));
    expect(error.code).toBe(11000);
    await expect(users.countDocuments()).resolves.toBe(1);
  });

  test('a compound unique index refuses only the repeated combination', async () => {
    const members = mongo.db.collection(`members_${++counter}`);
    await members.createIndex({ org: 1, email: 1 }, { unique: true });
    await members.insertMany([{ org: 1, email: 'a' }, { org: 2, email: 'a' }]);
    const error = await rejectionOf(members.insertOne({ org: 1, email: 'a' }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ org: 1, email: 1 });
    expect(error.keyValue).toEqual({ org: 1, email: 'a' });
    expect(error.message).toContain('index: org_1_email_1 dup key: { org: 1, email: "a" }');
  });
});
