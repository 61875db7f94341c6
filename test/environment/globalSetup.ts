import { resolveMongo, type EmbeddedMongo } from '../../scripts/embedded/embeddedMongo';
import { resolveRedis, type EmbeddedRedis } from '../../scripts/embedded/embeddedRedis';

declare global {
  // Handed from globalSetup to globalTeardown, which jest runs in the same process.
  var embeddedTestServices: { mongo: EmbeddedMongo; redis: EmbeddedRedis } | undefined;
}

/**
 * Starts MongoDB and Redis once for the whole suite and hands their addresses to the test
 * workers through the environment (workers are forked after this runs and inherit it).
 */
export default async function globalSetup(): Promise<void> {
  const lines: string[] = [];
  const log = (message: string) => lines.push(message);
  const mongo = await resolveMongo({ log });
  const redis = await resolveRedis({ log });
  process.env.MONGO_URL = mongo.uri;
  process.env.REDIS_URL = redis.url;
  process.env.TEST_MONGO_BACKEND = mongo.backend;
  process.env.LOG_LEVEL ??= 'silent';
  globalThis.embeddedTestServices = { mongo, redis };
  process.stdout.write(`\n[test environment] MongoDB backend: ${mongo.backend}\n`);
  for (const line of lines) process.stdout.write(`[test environment] ${line}\n`);
}
