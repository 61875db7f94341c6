/**
 * The raw floor of an import, run by `npm run bench` in a process of its own: the same CSV file
 * read with papaparse (streamed from disk) and written with the driver's insertMany, 1,000
 * documents at a time, into a collection with the same two unique indexes as users, on the
 * same MongoDB. No validation, no progress, no checkpoints: what the import is compared with.
 * With `--change-records`, each batch also inserts one change record per row (the row's fields,
 * before null, as an import of new users records them) into a collection indexed as the
 * product's: the same documents written, the simplest way.
 *
 * Run: tsx bench/rawFloor.ts <mongo url> <csv file> [--change-records]; prints one JSON line {rows, seconds}.
 */
import { createReadStream } from 'node:fs';
import { MongoClient, ObjectId, type Document } from 'mongodb';
import Papa from 'papaparse';

async function main(): Promise<void> {
  const [uri, file, mode] = process.argv.slice(2);
  const withChangeRecords = mode === '--change-records';
  const client = await MongoClient.connect(uri);
  const users = client.db().collection('floor_users');
  const changes = client.db().collection('floor_changes');
  if (withChangeRecords) {
    await changes.createIndex({ importId: 1, row: 1 }, { unique: true });
    await changes.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  }
  const importId = new ObjectId();
  const expiresAt = new Date(Date.now() + 30 * 24 * 3600 * 1000);
  let records: Document[] = [];
  await users.createIndex({ usernameKey: 1 }, { unique: true });
  await users.createIndex({ externalId: 1 }, { unique: true, partialFilterExpression: { externalId: { $type: 'string' } } });
  const started = performance.now();
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    let batch: Document[] = [];
    const write = async (parser: Papa.Parser | undefined, docs: Document[], changed: Document[]) => {
      parser?.pause();
      try {
        if (changed.length) await changes.insertMany(changed, { ordered: false });
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
        const user = {
          _id: new ObjectId(),
          email: row.Email,
          username,
          usernameKey: username.toLowerCase(),
          firstName: row['First Name'],
          lastName: row['Last Name'],
          roles: row.Roles ? row.Roles.split('; ') : [],
          ...(row['External ID'] ? { externalId: row['External ID'] } : {}),
        };
        batch.push(user);
        rows += 1;
        if (withChangeRecords) {
          const fields = Object.entries(user).filter(([field, value]) => field !== '_id' && field !== 'usernameKey' && value !== undefined && value !== '');
          records.push({ importId, row: rows, userId: user._id, username, outcome: 'created', changes: fields.map(([field, after]) => ({ field, before: null, after })), expiresAt });
        }
        if (batch.length === 1000) {
          const docs = batch;
          const changed = records;
          batch = [];
          records = [];
          void write(parser, docs, changed);
        }
      },
      complete: () => {
        const last = batch;
        const changed = records;
        (last.length ? write(undefined, last, changed) : Promise.resolve()).then(() => resolve(), reject);
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
