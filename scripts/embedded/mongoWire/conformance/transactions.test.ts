import { MongoServerError, type Document } from 'mongodb';
import { openConformanceDatabase, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;
/** Transactions exist only on replica set members and mongos; a standalone refuses them. */
let supportsTransactions = false;

beforeAll(async () => {
  mongo = await openConformanceDatabase('transactions');
  const hello = await mongo.db.admin().command({ hello: 1 });
  supportsTransactions = hello.setName !== undefined || hello.msg === 'isdbgrid';
  await mongo.db.createCollection('ledger');
});

afterAll(async () => {
  await mongo.close();
});

/** The server's own error: the driver rewraps code 20 on writes, keeping it as originalError. */
function serverCode(error: Document): number | undefined {
  return error.originalError?.code ?? error.code;
}

describe('transactions', () => {
  test('a transaction on a standalone fails with IllegalOperation (code 20); a replica set commits it', async () => {
    const session = mongo.client.startSession();
    const ledger = mongo.db.collection('ledger');
    try {
      session.startTransaction();
      const outcome = await ledger
        .insertOne({ entry: 1 }, { session })
        .then(() => session.commitTransaction())
        .then(() => undefined, (error: Document) => error);
      if (supportsTransactions) {
        expect(outcome).toBeUndefined();
        await expect(ledger.countDocuments({ entry: 1 })).resolves.toBe(1);
      } else {
        expect(outcome).toBeInstanceOf(MongoServerError);
        expect(serverCode(outcome!)).toBe(20);
        expect(outcome!.originalError?.errmsg ?? outcome!.errmsg).toBe('Transaction numbers are only allowed on a replica set member or mongos');
        await expect(ledger.countDocuments({ entry: 1 })).resolves.toBe(0);
      }
    } finally {
      if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
      await session.endSession();
    }
  });

  test('a read inside a transaction on a standalone fails with code 20 too', async () => {
    if (supportsTransactions) return;
    const session = mongo.client.startSession();
    try {
      session.startTransaction();
      const error = await mongo.db
        .collection('ledger')
        .findOne({}, { session })
        .then(() => undefined, (failure: Document) => failure);
      expect(error?.code).toBe(20);
      expect(error?.codeName).toBe('IllegalOperation');
    } finally {
      await session.abortTransaction().catch(() => undefined);
      await session.endSession();
    }
  });
});
