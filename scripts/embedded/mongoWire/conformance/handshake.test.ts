import { MongoClient } from 'mongodb';
import { openConformanceDatabase, rejectionOf, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;

beforeAll(async () => {
  mongo = await openConformanceDatabase('handshake');
});

afterAll(async () => {
  await mongo.close();
});

describe('server handshake and diagnostics', () => {
  test('hello reports a writable primary with wire version and size limits the driver needs', async () => {
    const hello = await mongo.db.admin().command({ hello: 1 });
    expect(hello.ok).toBe(1);
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.minWireVersion).toBeGreaterThanOrEqual(0);
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
    expect(hello.maxBsonObjectSize).toBe(16 * 1024 * 1024);
    expect(hello.maxMessageSizeBytes).toBe(48_000_000);
    expect(hello.maxWriteBatchSize).toBe(100_000);
    expect(hello.localTime).toBeInstanceOf(Date);
    expect(typeof hello.connectionId).toBe('number');
    expect(typeof hello.logicalSessionTimeoutMinutes).toBe('number');
  });

  test('the legacy isMaster and ismaster spellings answer ismaster: true', async () => {
    for (const spelling of ['isMaster', 'ismaster']) {
      const reply = await mongo.db.admin().command({ [spelling]: 1 });
      expect(reply.ismaster).toBe(true);
      expect(reply.ok).toBe(1);
    }
  });

  test('ping answers ok: 1', async () => {
    await expect(mongo.db.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
  });

  test('buildInfo reports a version string and its numeric parts', async () => {
    const info = await mongo.db.admin().command({ buildInfo: 1 });
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.versionArray.slice(0, 3)).toEqual(info.version.split(/[.-]/).slice(0, 3).map(Number));
  });

  test('getParameter returns the featureCompatibilityVersion', async () => {
    const reply = await mongo.db.admin().command({ getParameter: 1, featureCompatibilityVersion: 1 });
    expect(reply.featureCompatibilityVersion.version).toMatch(/^\d+\.\d+$/);
  });

  test('connectionStatus, hostInfo and getCmdLineOpts answer ok: 1 with their documented fields', async () => {
    await expect(mongo.db.admin().command({ connectionStatus: 1 })).resolves.toMatchObject({ ok: 1, authInfo: expect.any(Object) });
    await expect(mongo.db.admin().command({ hostInfo: 1 })).resolves.toMatchObject({ ok: 1, system: expect.any(Object), os: expect.any(Object) });
    await expect(mongo.db.admin().command({ getCmdLineOpts: 1 })).resolves.toMatchObject({ ok: 1, argv: expect.any(Array), parsed: expect.any(Object) });
  });

  test('endSessions sent as an acknowledged command answers ok: 1', async () => {
    const session = mongo.client.startSession();
    await mongo.db.command({ ping: 1 }, { session });
    await expect(mongo.db.admin().command({ endSessions: [session.id] })).resolves.toMatchObject({ ok: 1 });
    await session.endSession();
  });

  test('an unknown command fails with CommandNotFound (code 59) naming the command', async () => {
    const error = await rejectionOf(mongo.db.command({ noSuchThingAtAll: 1 }));
    expect(error.code).toBe(59);
    expect(error.codeName).toBe('CommandNotFound');
    expect(error.errmsg).toBe("no such command: 'noSuchThingAtAll'");
  });

  test('sessions can be started, used and ended (endSessions expects no reply)', async () => {
    const session = mongo.client.startSession();
    await mongo.db.collection('sessions').insertOne({ at: 1 }, { session });
    await expect(mongo.db.collection('sessions').countDocuments({}, { session })).resolves.toBe(1);
    await session.endSession();
    // endSessions is sent when the client closes; a second client proves the server kept serving.
    const other = await MongoClient.connect(mongo.uri);
    await other.db(mongo.dbName).command({ ping: 1 });
    await other.close();
    await expect(mongo.db.command({ ping: 1 })).resolves.toMatchObject({ ok: 1 });
  });
});
