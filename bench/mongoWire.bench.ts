/**
 * Throughput of the in-memory wire server through the real driver:
 *   npx tsx bench/mongoWire.bench.ts
 * Prints the time for 100,000 single-document inserts (one insert command each) into an
 * indexed collection, then for 100 `$in` lookups of 1,000 keys each against it.
 *
 * The server runs in a worker thread, as it runs in jest's globalSetup process apart from the
 * test workers: sharing one event loop with the client would measure the driver twice over.
 */
import { Worker, isMainThread, parentPort } from 'node:worker_threads';
import { MongoClient } from 'mongodb';
import { startMongoWireServer } from '../scripts/embedded/mongoWire';

const DOCUMENTS = 100_000;
const LOOKUPS = 100;
const KEYS_PER_LOOKUP = 1_000;
/** Inserts in flight at once, as a server handling concurrent requests would issue them. */
const CONCURRENCY = 8;

const usernameKey = (i: number) => `user-${i.toString(36)}@example.test`;

async function timed(label: string, run: () => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label}: ${seconds.toFixed(2)} s`);
  return seconds;
}

async function serveFromThisThread(): Promise<void> {
  const server = await startMongoWireServer();
  parentPort!.postMessage(server.uri);
  parentPort!.once('message', () => void server.stop().then(() => process.exit(0)));
}

async function startServerThread(): Promise<{ uri: string; stop(): Promise<void> }> {
  // Worker threads do not inherit tsx's loader, so the worker registers it before loading this file.
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true });
  const uri = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    uri,
    stop: async () => {
      worker.postMessage('stop');
      await new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

async function main(): Promise<void> {
  const server = await startServerThread();
  const client = await MongoClient.connect(server.uri, { maxPoolSize: CONCURRENCY });
  try {
    const users = client.db('bench').collection('users');
    await users.createIndex({ usernameKey: 1 }, { unique: true });

    await timed(`${DOCUMENTS.toLocaleString('en')} single-document inserts (${CONCURRENCY} in flight)`, async () => {
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < DOCUMENTS; i = next++) {
          await users.insertOne({ usernameKey: usernameKey(i), name: `User ${i}`, createdAt: new Date(), tags: ['imported'] });
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    });

    let found = 0;
    await timed(`${LOOKUPS} $in lookups of ${KEYS_PER_LOOKUP.toLocaleString('en')} keys`, async () => {
      for (let lookup = 0; lookup < LOOKUPS; lookup++) {
        const keys = Array.from({ length: KEYS_PER_LOOKUP }, (_, k) => usernameKey((lookup * 7919 + k * 97) % DOCUMENTS));
        const docs = await users.find({ usernameKey: { $in: keys } }, { projection: { usernameKey: 1 } }).toArray();
        found += docs.length;
      }
    });
    if (found !== LOOKUPS * KEYS_PER_LOOKUP) throw new Error(`expected ${LOOKUPS * KEYS_PER_LOOKUP} documents, found ${found}`);
  } finally {
    await client.close();
    await server.stop();
  }
}

(isMainThread ? main() : serveFromThisThread()).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
