import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ApiConfig, BaseConfig, WorkerConfig } from '../platform/config';
import { connectMongo, disconnectMongo, ensureIndexes } from '../data/mongoConnection';
import { connectRedis, createImportQueue, createInvitationQueue, type ImportQueuePayload, type InvitationJobPayload } from '../queues/queues';
import { setLogLevel } from '../platform/logger';
import { deploymentIdentity } from '../data/deploymentStore';

/**
 * The connections both processes share, opened once at start and closed once at shutdown, with
 * the configuration the process was started with: its type says which process may read what, so
 * worker code cannot reach the API keys nor API code the invitation secret. Unparameterised it is
 * a worker's, as worker/ names it.
 */
export interface Runtime<C extends BaseConfig = WorkerConfig> {
  config: C;
  /**
   * This deployment's id, stored in its MongoDB at the first start: every queue job carries it,
   * so a worker of another deployment sharing the Redis hands the job back instead of running it.
   */
  deploymentId: string;
  redis: Redis;
  importQueue: Queue<ImportQueuePayload>;
  invitationQueue: Queue<InvitationJobPayload>;
  close(): Promise<void>;
}

export type ApiRuntime = Runtime<ApiConfig>;
export type WorkerRuntime = Runtime<WorkerConfig>;

export interface RuntimeOptions {
  /** Overrides the database named in MONGO_URL (tests: one database per test file). */
  dbName?: string;
  /** Emit the driver's command events (tests count the commands an import sends). */
  monitorCommands?: boolean;
}

export async function openRuntime<C extends BaseConfig>(config: C, options: RuntimeOptions = {}): Promise<Runtime<C>> {
  setLogLevel(config.logLevel);
  await connectMongo(config.mongoUrl, { dbName: options.dbName, monitorCommands: options.monitorCommands });
  await ensureIndexes();
  const deploymentId = await deploymentIdentity();
  const redis = connectRedis(config.redisUrl);
  const importQueue = createImportQueue(redis, config.queuePrefix);
  const invitationQueue = createInvitationQueue(redis, config.queuePrefix, config.invitations.retryBaseMs);
  return {
    config,
    deploymentId,
    redis,
    importQueue,
    invitationQueue,
    async close() {
      await importQueue.close();
      await invitationQueue.close();
      redis.disconnect();
      await disconnectMongo();
    },
  };
}
