import mongoose from 'mongoose';
import { logger } from '../platform/logger';
import { upgradeStoredData } from './storedDataUpgrades';
import './models';

/**
 * Opens the mongoose connection every model in shared/ is registered on. `dbName` overrides
 * the database of the URL; tests use it to give every test file a database of its own.
 */
export async function connectMongo(url: string, options: { dbName?: string; monitorCommands?: boolean } = {}): Promise<mongoose.Connection> {
  mongoose.set('strictQuery', true);
  await mongoose.connect(url, {
    dbName: options.dbName,
    monitorCommands: options.monitorCommands ?? false,
    serverSelectionTimeoutMS: 10_000,
    // A reply that never comes (a half-open connection behind a NAT or proxy) must become an
    // error the import can wait out and replay, not a chunk that hangs forever. Every operation
    // the product sends is chunk-sized, so two minutes is far beyond a healthy answer.
    socketTimeoutMS: 120_000,
    waitQueueTimeoutMS: 60_000,
    // Indexes are created explicitly at start-up (ensureIndexes) so that a unique index that
    // cannot be built fails loudly instead of in the background.
    autoIndex: false,
  });
  logger.debug({ db: mongoose.connection.name }, 'connected to MongoDB');
  return mongoose.connection;
}

/** Brings documents of earlier versions up to date, then builds every model's indexes. */
export async function ensureIndexes(): Promise<void> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('ensureIndexes needs an open MongoDB connection');
  await upgradeStoredData(db);
  for (const model of Object.values(mongoose.connection.models)) {
    await model.createIndexes();
  }
}

export async function disconnectMongo(): Promise<void> {
  await mongoose.disconnect();
}

export async function mongoIsReachable(): Promise<boolean> {
  const db = mongoose.connection.db;
  if (!db || mongoose.connection.readyState !== 1) return false;
  try {
    await db.admin().ping();
    return true;
  } catch {
    return false;
  }
}
