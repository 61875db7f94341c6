import type { Collection, Db } from 'mongodb';
import { logger } from '../platform/logger';

/**
 * Documents written by an earlier version, brought to this version's shape at start-up, before
 * the indexes are built. Every step is idempotent, so the API and the workers may all run them
 * at once; each is recorded when done, so a later start costs one read, not a scan of users.
 */
interface Upgrade {
  id: string;
  apply(db: Db): Promise<void>;
}

const UPGRADES: Upgrade[] = [
  {
    // The import's id was stored as `jobId`, BullMQ's word, in row errors and in lastImport.
    id: '2026-12-import-id',
    async apply(db) {
      const rowErrors = db.collection('importrowerrors');
      // First: renamed rows would all hold a null jobId and collide in the old unique index.
      await dropIndexIfPresent(rowErrors, 'job_row_unique');
      await rowErrors.updateMany({ jobId: { $exists: true } }, { $rename: { jobId: 'importId' } });
      // A replayed chunk finds its own earlier write by lastImport.importId.
      await db.collection('users').updateMany({ 'lastImport.jobId': { $exists: true } }, { $rename: { 'lastImport.jobId': 'lastImport.importId' } });
    },
  },
];

const UPGRADES_COLLECTION = 'storedDataUpgrades';

export async function upgradeStoredData(db: Db): Promise<void> {
  const record = db.collection<{ _id: string; appliedAt: Date }>(UPGRADES_COLLECTION);
  const applied = new Set((await record.find({}, { projection: { _id: 1 } }).toArray()).map((done) => done._id));
  for (const upgrade of UPGRADES.filter((candidate) => !applied.has(candidate.id))) {
    logger.info({ upgrade: upgrade.id }, 'upgrading stored data');
    await upgrade.apply(db);
    await record.updateOne({ _id: upgrade.id }, { $setOnInsert: { appliedAt: new Date() } }, { upsert: true });
  }
}

async function dropIndexIfPresent(collection: Collection, name: string): Promise<void> {
  try {
    await collection.dropIndex(name);
  } catch (error) {
    // 26 NamespaceNotFound (no collection yet), 27 IndexNotFound: nothing to drop.
    const code = (error as { code?: number }).code;
    if (code !== 26 && code !== 27) throw error;
  }
}
