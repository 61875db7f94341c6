/**
 * The raw floor of an import, run by `npm run bench` in a process of its own: the same CSV file
 * read with papaparse (streamed from disk) and written with the driver's insertMany, 1,000
 * documents at a time, into a collection with the same two unique indexes as users, on the
 * same MongoDB. No validation, no progress, no checkpoints: what the import is compared with.
 *
 * Run: tsx bench/rawFloor.ts <mongo url> <csv file>; prints one JSON line {rows, seconds}.
 */
import { createReadStream } from 'node:fs';
import { MongoClient, type Document } from 'mongodb';
import Papa from 'papaparse';

async function main(): Promise<void> {
  const [uri, file] = process.argv.slice(2);
  const client = await MongoClient.connect(uri);
  const users = client.db().collection('floor_users');
  await users.createIndex({ usernameKey: 1 }, { unique: true });
  await users.createIndex({ externalId: 1 }, { unique: true, partialFilterExpression: { externalId: { $type: 'string' } } });
  const started = performance.now();
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    let batch: Document[] = [];
    const write = async (parser: Papa.Parser | undefined, docs: Document[]) => {
      parser?.pause();
      try {
        await users.insertMany(docs, { ordered: false });
        parser?.resume();
      } catch (error) {
        reject(error);
      }
    };
    Papa.parse<Record<string, string>>(createReadStream(file, 'utf8') as unknown as File, {
      header: true,
      skipEmptyLines: true,
      step: (result, parser) => {
        const row = result.data;
        const username = row.Username || row.Email;
        batch.push({
          email: row.Email,
          username,
          usernameKey: username.toLowerCase(),
          firstName: row['First Name'],
          lastName: row['Last Name'],
          roles: row.Roles ? row.Roles.split('; ') : [],
          ...(row['External ID'] ? { externalId: row['External ID'] } : {}),
        });
        rows += 1;
        if (batch.length === 1000) {
          const docs = batch;
          batch = [];
          void write(parser, docs);
        }
      },
      complete: () => {
        const last = batch;
        (last.length ? users.insertMany(last, { ordered: false }) : Promise.resolve()).then(() => resolve(), reject);
      },
      error: reject,
    });
  });
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ rows, seconds, documents: await users.countDocuments() }));
  // The import runs next on the same MongoDB: it should not find a heap (or a cache) holding
  // the floor's documents that the floor itself never had to carry.
  await client.db().dropDatabase();
  await client.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
