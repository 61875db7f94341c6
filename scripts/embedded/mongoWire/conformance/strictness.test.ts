import { DBRef, ObjectId, type Collection } from 'mongodb';
import { openConformanceDatabase, rejectionOf, serverIdentity, type AnyDocument, type ConformanceDatabase, type ServerIdentity } from './support';

/**
 * mongod parses every command strictly: a field it does not know fails the whole command before
 * any of it runs. What a server silently ignores, a test can pass on for the wrong reason, so
 * these pin down the refusals. The last block is about the in-memory stand-in itself: what mongod
 * honours and the stand-in does not implement, it refuses loudly instead of ignoring.
 */

let mongo: ConformanceDatabase;
let server: ServerIdentity;
let counter = 0;
const fresh = (): Collection<AnyDocument> => mongo.db.collection<AnyDocument>(`strict_${++counter}`);

beforeAll(async () => {
  mongo = await openConformanceDatabase('strictness');
  server = await serverIdentity(mongo.db);
});

afterAll(async () => {
  await mongo.close();
});

describe('unknown command fields', () => {
  test('a find with an option mongod does not know fails with 40415 naming the field', async () => {
    const things = fresh();
    await things.insertOne({ _id: 1 });
    const error = await rejectionOf(mongo.db.command({ find: things.collectionName, filter: {}, notAFindOption: true }));
    expect(error.code).toBe(40415);
    expect(error.codeName).toBe('Location40415');
    expect(error.errmsg).toBe("BSON field 'find.notAFindOption' is an unknown field.");
  });

  test('an insert with an unknown field fails as a whole: no document is written', async () => {
    const things = fresh();
    const error = await rejectionOf(mongo.db.command({ insert: things.collectionName, documents: [{ _id: 1 }, { _id: 2 }], upsert: true }));
    expect(error.code).toBe(40415);
    expect(error.errmsg).toBe("BSON field 'insert.upsert' is an unknown field.");
    await expect(things.countDocuments()).resolves.toBe(0);
  });

  test('the generic arguments the driver attaches (comment, maxTimeMS, readConcern) are accepted by every command', async () => {
    const things = fresh();
    await things.insertOne({ _id: 1, n: 1 }, { comment: 'why' });
    await expect(things.find({}, { comment: 'why', maxTimeMS: 5000, readConcern: { level: 'local' } }).toArray()).resolves.toEqual([{ _id: 1, n: 1 }]);
    await expect(things.updateOne({ _id: 1 }, { $inc: { n: 1 } }, { comment: { tag: 'x' } })).resolves.toMatchObject({ modifiedCount: 1 });
    await expect(things.countDocuments({}, { comment: 'why', maxTimeMS: 5000 })).resolves.toBe(1);
  });
});

describe('unknown statement fields', () => {
  test('sort inside an update statement: refused with 40415 before MongoDB 8.0, which introduced it', async () => {
    const things = fresh();
    await things.insertMany([{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
    const command = {
      update: things.collectionName,
      updates: [
        { q: { _id: 1 }, u: { $set: { first: true } } },
        { q: {}, u: { $set: { picked: true } }, sort: { n: -1 } },
      ],
    };
    if (server.major >= 8) {
      await expect(mongo.db.command(command)).resolves.toMatchObject({ ok: 1, n: 2 });
      await expect(things.findOne({ picked: true })).resolves.toMatchObject({ _id: 2 });
      return;
    }
    const error = await rejectionOf(mongo.db.command(command));
    expect(error.code).toBe(40415);
    expect(error.codeName).toBe('Location40415');
    expect(error.errmsg).toBe("BSON field 'update.updates.sort' is an unknown field.");
    // The whole command was refused at parse time: not even the first, valid statement ran.
    await expect(things.find({}).sort({ _id: 1 }).toArray()).resolves.toEqual([{ _id: 1, n: 1 }, { _id: 2, n: 2 }]);
  });

  test('an unknown field in a delete statement fails the whole delete with 40415', async () => {
    const things = fresh();
    await things.insertMany([{ _id: 1 }, { _id: 2 }]);
    const error = await rejectionOf(
      mongo.db.command({ delete: things.collectionName, deletes: [{ q: { _id: 1 }, limit: 1 }, { q: {}, limit: 0, justOne: true }] }),
    );
    expect(error.code).toBe(40415);
    expect(error.errmsg).toBe("BSON field 'delete.deletes.justOne' is an unknown field.");
    await expect(things.countDocuments()).resolves.toBe(2);
  });
});

describe("'$'-prefixed field names inside _id", () => {
  test('insertOne refuses an _id holding a $-prefixed field: DollarPrefixedFieldName (52)', async () => {
    const things = fresh();
    const error = await rejectionOf(things.insertOne({ _id: { $bad: 1 } as never, x: 1 }));
    expect(error.code).toBe(52);
    expect(error.message).toBe("_id fields may not contain '$'-prefixed fields: $bad is not valid for storage.");
    await expect(things.countDocuments()).resolves.toBe(0);
  });

  test('each such document is a write error of its own; an unordered insert stores the others', async () => {
    const things = fresh();
    const reply = await mongo.db.command({
      insert: things.collectionName,
      documents: [{ _id: 1 }, { _id: { $bad: 1 } }, { _id: { a: { $nested: 1 } } }, { _id: { a: [{ $inArray: 1 }] } }, { _id: 2 }],
      ordered: false,
    });
    expect(reply.ok).toBe(1);
    expect(reply.n).toBe(2);
    expect(reply.writeErrors).toEqual([
      expect.objectContaining({ index: 1, code: 52, errmsg: "_id fields may not contain '$'-prefixed fields: $bad is not valid for storage." }),
      expect.objectContaining({ index: 2, code: 52, errmsg: "_id fields may not contain '$'-prefixed fields: $nested is not valid for storage." }),
      expect.objectContaining({ index: 3, code: 52, errmsg: "_id fields may not contain '$'-prefixed fields: $inArray is not valid for storage." }),
    ]);
    expect((await things.find({}).toArray()).map((doc) => doc._id)).toEqual([1, 2]);
  });

  test('a DBRef inside _id is not a $-prefixed field name: it is stored', async () => {
    const things = mongo.db.collection<{ _id: { owner: DBRef } }>(`strict_${++counter}`);
    const owner = new ObjectId();
    await things.insertOne({ _id: { owner: new DBRef('people', owner) } });
    const stored = await things.findOne({});
    expect(stored!._id.owner).toBeInstanceOf(DBRef);
    expect(stored!._id.owner.collection).toBe('people');
    expect(stored!._id.owner.oid).toEqual(owner);
  });
});

describe('options mongod honours and the in-memory stand-in does not implement', () => {
  /** mongod runs it; the stand-in refuses it with CommandNotSupported (115), naming the field and the way out. */
  async function honouredOrRefused(operation: Promise<unknown>, field: string): Promise<void> {
    if (!server.standIn) {
      await expect(operation).resolves.toBeDefined();
      return;
    }
    const error = await rejectionOf(operation);
    expect(error.code).toBe(115);
    expect(error.codeName).toBe('CommandNotSupported');
    expect(error.errmsg).toBe(`the in-memory stand-in does not implement '${field}'; run against a real mongod (MONGO_URL)`);
  }

  test('find with a hint', async () => {
    const things = fresh();
    await things.insertOne({ _id: 1 });
    await honouredOrRefused(things.find({}, { hint: { _id: 1 } }).toArray(), 'find.hint');
  });

  test('a hint inside an update statement', async () => {
    const things = fresh();
    await things.insertOne({ _id: 1 });
    await honouredOrRefused(things.updateOne({ _id: 1 }, { $set: { x: 1 } }, { hint: { _id: 1 } }), 'update.updates.hint');
  });

  test('create with collection options (a capped collection)', async () => {
    await honouredOrRefused(mongo.db.createCollection(`capped_${++counter}`, { capped: true, size: 4096 }), 'create.capped');
  });

  test('an unimplemented boolean option left at its default (false) asks for nothing and is accepted', async () => {
    const things = fresh();
    await things.insertOne({ _id: 1 });
    await expect(things.find({}, { noCursorTimeout: false, tailable: false }).toArray()).resolves.toEqual([{ _id: 1 }]);
  });
});
