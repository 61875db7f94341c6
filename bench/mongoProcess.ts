/**
 * MongoDB for a bench, in a process of its own as mongod would be: resolved like everywhere
 * else (MONGO_URL → mongod from mongodb-memory-server → the in-memory stand-in), so that the
 * bench's own HTTP client never shares an event loop with the database it measures.
 * Run by bench scripts: prints {"uri": ...} once ready, stops on SIGTERM.
 */
import { resolveMongo } from '../scripts/embedded/embeddedMongo';

async function main(): Promise<void> {
  const mongo = await resolveMongo({ log: (line) => console.error(`# ${line}`) });
  console.log(JSON.stringify({ uri: mongo.uri, backend: mongo.backend }));
  process.once('SIGTERM', () => {
    void mongo.stop().finally(() => process.exit(0));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
