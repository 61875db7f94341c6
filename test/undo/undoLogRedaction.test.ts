/**
 * What an undo logs when its write fails: the error of a bulk write carries each refused
 * operation, password hashes included, and none of it may reach the logs.
 */
import { Writable } from 'node:stream';
import { MongoBulkWriteError } from 'mongodb';
import { UserModel } from '../../shared/data/userModel';
import { addLogDestination, logger, setLogLevel } from '../../shared/platform/logger';
import { startTestService, type TestService } from '../support/testService';

const lines: string[] = [];
addLogDestination(new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } }));
let service: TestService;
beforeAll(async () => {
  service = await startTestService();
}, 60_000);
afterAll(async () => {
  await service.stop();
});

const HASH = '$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0LXNhbHQ$secret-hash-of-the-test';

test('When a bulk write that carries a password hash fails and the error is logged as an undo logs it, then the hash appears nowhere in the log line', async () => {
  const { insertedId: _id } = await UserModel.collection.insertOne({ username: 'lg1', usernameKey: 'lg1', email: 'lg1@example.com', updatedAt: new Date() });
  // A refused write whatever the indexes: the _id is taken.
  const error = await UserModel.collection
    .bulkWrite([{ insertOne: { document: { _id, username: 'lg1', usernameKey: 'lg1', passwordHash: HASH } } }], { ordered: false })
    .then(() => undefined, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(MongoBulkWriteError);
  expect(JSON.stringify((error as MongoBulkWriteError).writeErrors)).toContain(HASH);

  lines.length = 0;
  const level = logger.level;
  setLogLevel('error');
  try {
    logger.child({ importId: 'undo-1' }).error({ err: error }, 'import failed');
  } finally {
    setLogLevel(level);
  }
  const logged = lines.join('');
  expect(logged).toContain('import failed');
  expect(logged).not.toContain(HASH);
  expect(logged).not.toContain('secret-hash');
}, 60_000);
