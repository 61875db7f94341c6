import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startMongoWireServer } from './mongoWire';

export type MongoBackend = 'MONGO_URL' | 'mongod (mongodb-memory-server)' | 'in-memory wire server (test double)';

export interface EmbeddedMongo {
  uri: string;
  backend: MongoBackend;
  /** True when data lives only in this process and is lost on exit. */
  ephemeral: boolean;
  stop(): Promise<void>;
}

interface Options {
  log: (message: string) => void;
}

/**
 * Resolves MongoDB for `npm run dev` and the test suite, in the documented order:
 * MONGO_URL → a real mongod from mongodb-memory-server-core → the in-memory wire server in
 * ./mongoWire. Production entry points never call this: they require MONGO_URL, and a
 * production install (`npm ci --omit=dev`) has none of the packages the stand-ins use.
 */
export async function resolveMongo({ log }: Options): Promise<EmbeddedMongo> {
  const url = process.env.MONGO_URL;
  if (url) {
    log(`MongoDB: using MONGO_URL (${redactCredentials(url)})`);
    return { uri: url, backend: 'MONGO_URL', ephemeral: false, stop: async () => {} };
  }

  const mongod = await tryMemoryServer(log);
  if (mongod) return mongod;

  const server = await startMongoWireServer({ host: '127.0.0.1', port: 0 });
  log(`MongoDB: in-memory wire-compatible test server at ${server.uri} (no mongod could be had)`);
  return {
    uri: server.uri,
    backend: 'in-memory wire server (test double)',
    ephemeral: true,
    stop: () => server.stop(),
  };
}

async function tryMemoryServer(log: Options['log']): Promise<EmbeddedMongo | undefined> {
  // One download attempt, not three with back-off: where the download host is unreachable we
  // want to fall through in about a second, not half a minute.
  process.env.MONGOMS_MAX_RETRIES ??= '0';
  // Our own data directory, removed whatever happens: the library leaves its own behind when
  // the download fails.
  const dbPath = await mkdtemp(path.join(os.tmpdir(), 'user-import-mongod-'));
  const removeDbPath = () => rm(dbPath, { recursive: true, force: true });
  try {
    const { MongoBinary, MongoMemoryServer } = await import('mongodb-memory-server-core');
    // Finding (or downloading) the binary first fails quietly; create() would print a stack.
    await MongoBinary.getPath();
    const server = await MongoMemoryServer.create({ instance: { dbPath } });
    const uri = server.getUri();
    log(`MongoDB: real mongod via mongodb-memory-server at ${uri}`);
    return {
      uri,
      backend: 'mongod (mongodb-memory-server)',
      ephemeral: true,
      stop: async () => {
        await server.stop({ doCleanup: true, force: true });
        await removeDbPath();
      },
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    log(`MongoDB: mongodb-memory-server unavailable (${reason})`);
    await removeDbPath();
    return undefined;
  }
}

function redactCredentials(url: string): string {
  return url.replace(/\/\/([^@/]+)@/, '//***@');
}
