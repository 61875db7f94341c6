import mongoose from 'mongoose';
import { Types } from 'mongoose';
import { ensureIndexes } from '../../shared/data/mongoConnection';
import { startTestService, type TestService } from '../support/testService';

/**
 * A deployment upgraded from the version that stored the import's id as `jobId` keeps its row
 * errors (errors.csv, "retry failed rows") and its replay marks (lastImport) working.
 */
let service: TestService;

beforeAll(async () => {
  service = await startTestService();
});

afterAll(async () => {
  await service.stop();
});

const db = () => mongoose.connection.db!;

async function restoreEarlierVersion(): Promise<{ earlierImport: Types.ObjectId; otherImport: Types.ObjectId; userId: Types.ObjectId }> {
  const rowErrors = db().collection('importrowerrors');
  await db().collection('storedDataUpgrades').deleteMany({});
  await rowErrors.dropIndex('import_row_unique');
  await rowErrors.createIndex({ jobId: 1, row: 1 }, { unique: true, name: 'job_row_unique' });
  const earlierImport = new Types.ObjectId();
  const otherImport = new Types.ObjectId();
  await rowErrors.insertMany([
    { jobId: earlierImport, row: 1, cells: ['a@example.com'], messages: ['Email is missing.'] },
    { jobId: otherImport, row: 1, cells: ['b@example.com'], messages: ['Email is missing.'] },
  ]);
  const userId = new Types.ObjectId();
  await db().collection('users').insertOne({
    _id: userId,
    username: 'ada',
    usernameKey: 'ada',
    email: 'ada@example.com',
    groupIds: [],
    roles: ['learner'],
    customFields: {},
    lastImport: { jobId: earlierImport, row: 7, outcome: 'created' },
  });
  return { earlierImport, otherImport, userId };
}

describe('starting on data stored by an earlier version', () => {
  test('When row errors and users carry the old jobId, then start-up renames it to importId and swaps the unique index', async () => {
    const { earlierImport, otherImport, userId } = await restoreEarlierVersion();

    await ensureIndexes();

    const rowErrors = db().collection('importrowerrors');
    const indexNames = (await rowErrors.listIndexes().toArray()).map((index) => index.name);
    expect(indexNames).toContain('import_row_unique');
    expect(indexNames).not.toContain('job_row_unique');
    expect(await rowErrors.countDocuments({ jobId: { $exists: true } })).toBe(0);
    expect(await rowErrors.countDocuments({ importId: earlierImport, row: 1 })).toBe(1);
    expect(await rowErrors.countDocuments({ importId: otherImport, row: 1 })).toBe(1);
    const user = await db().collection('users').findOne({ _id: userId });
    expect(user?.lastImport).toEqual({ importId: earlierImport, row: 7, outcome: 'created' });
    // A third import failing on row 1 too: the old index would have refused it (null, 1).
    await rowErrors.insertOne({ importId: new Types.ObjectId(), row: 1, cells: [], messages: ['x'] });
    await expect(rowErrors.insertOne({ importId: earlierImport, row: 1, cells: [], messages: ['again'] })).rejects.toMatchObject({ code: 11000 });
  });

  test('When the upgrade has run once, then a later start does not look at the collections again', async () => {
    await ensureIndexes();
    const upgrades = await db().collection('storedDataUpgrades').find().toArray();
    expect(upgrades.map((upgrade) => upgrade._id)).toEqual(['2026-12-import-id']);
    // Written after the upgrade was recorded: only a scan would touch it.
    await db().collection('importrowerrors').insertOne({ jobId: new Types.ObjectId(), row: 99, cells: [], messages: ['untouched'] });

    await ensureIndexes();

    expect(await db().collection('importrowerrors').countDocuments({ jobId: { $exists: true } })).toBe(1);
  });
});
