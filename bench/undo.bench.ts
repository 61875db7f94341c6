/**
 * The time to undo a large import, with MongoDB, API and worker as separate processes as in
 * production (bench/benchProcesses.ts). The import is written straight into MongoDB as a real
 * one leaves it (its users, its change records, its finished job), so the figure is the undo's
 * alone: half the rows updated users (last name, groups, roles to put back), half created users
 * (to remove). The import's own time is bench/importExport.bench.ts's figure.
 * Run: npm run bench:undo -- [rows]
 * Figures only, no assertions: this machine is shared and noisy.
 */
import { MongoClient, ObjectId, type Document } from 'mongodb';
import { startBenchStack, waitForImport } from './benchProcesses';

const ROWS = Number(process.argv[2] ?? 100_000);
const BATCH = 1000;
const DEFAULT_ROLES = ['Learner', 'Prizing User'];

async function main() {
  const stack = await startBenchStack();
  const client = await MongoClient.connect(stack.env.MONGO_URL as string);
  // Started first, so that it is waiting on the queue by the time the undo is asked for.
  stack.startWorker();
  try {
    const db = client.db();
    const seeded = await timed(() => writeFinishedImport(db));
    console.log(`seed: an import of ${ROWS} rows (${ROWS / 2} updated users, ${ROWS / 2} created) written to MongoDB in ${seeded.seconds.toFixed(1)} s`);

    const undone = await timed(async () => {
      const response = await stack.call(`/api/imports/${seeded.value}/undo`, { method: 'POST' });
      if (response.status !== 202) throw new Error(`undo answered ${response.status}: ${await response.text()}`);
      return waitForImport(stack.call, ((await response.json()) as { id: string }).id, () => undefined, 100);
    });
    console.log(`undo: ${ROWS} change records in ${undone.seconds.toFixed(1)} s (${Math.round(ROWS / undone.seconds)} rows/s; from the POST to the poll that saw it end), ${undone.value.status}, counts ${JSON.stringify(undone.value.counts)}`);
    const left = await db.collection('users').countDocuments({});
    const restored = await db.collection('users').countDocuments({ lastName: /^Before / });
    console.log(`after the undo: ${left} users, ${restored} with their last name before the import`);
  } finally {
    await client.close();
    await stack.stop();
  }
}

/** An import as a real run leaves it: its users after it, its change records, its job; returns its id. */
async function writeFinishedImport(db: ReturnType<MongoClient['db']>): Promise<string> {
  const [marketing, sales] = [new ObjectId(), new ObjectId()];
  await db.collection('groups').insertMany([{ _id: marketing, name: 'Marketing' }, { _id: sales, name: 'Sales' }]);
  const importId = new ObjectId();
  const now = new Date();
  const expiresAt = new Date(now.getTime() + 30 * 86_400_000);
  for (let from = 0; from < ROWS; from += BATCH) {
    const users: Document[] = [];
    const records: Document[] = [];
    for (let i = from; i < Math.min(ROWS, from + BATCH); i++) {
      const userId = new ObjectId();
      const username = `u${i}`;
      const created = i % 2 === 1;
      const roles = created ? DEFAULT_ROLES : [...DEFAULT_ROLES, 'Reviewer'];
      users.push({ _id: userId, username, usernameKey: username, email: `${username}@example.com`, firstName: `First ${i}`, lastName: `After ${i}`, groupIds: [sales], roles, customFields: {}, lastImport: { importId, row: i + 1, outcome: created ? 'created' : 'updated' }, createdAt: now, updatedAt: now });
      const changes = created
        ? [
            { field: 'email', before: null, after: `${username}@example.com` },
            { field: 'firstName', before: null, after: `First ${i}` },
            { field: 'lastName', before: null, after: `After ${i}` },
            { field: 'groups', before: null, after: ['Sales'] },
            { field: 'roles', before: null, after: roles },
          ]
        : [
            { field: 'lastName', before: `Before ${i}`, after: `After ${i}` },
            { field: 'groups', before: ['Marketing'], after: ['Sales'] },
            { field: 'roles', before: DEFAULT_ROLES, after: roles },
          ];
      records.push({ importId, row: i + 1, userId, username, outcome: created ? 'created' : 'updated', changes, expiresAt });
    }
    await db.collection('users').insertMany(users, { ordered: false });
    await db.collection('importchanges').insertMany(records, { ordered: false });
  }
  await db.collection('importjobs').insertOne({
    _id: importId,
    kind: 'import',
    status: 'completed',
    fileName: 'bench.csv',
    fileId: new ObjectId(),
    fileSize: 0,
    encoding: 'utf8',
    delimiter: ',',
    headers: ['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles'],
    settings: { sendInvitations: false, groupsMode: 'replace', rolesMode: 'add', dryRun: false },
    counts: { total: ROWS, processed: ROWS, created: ROWS / 2, updated: ROWS / 2, unchanged: 0, failed: 0, invited: 0 },
    checkpointRow: ROWS,
    undoneBy: null,
    startedAt: now,
    finishedAt: now,
    createdAt: now,
    updatedAt: now,
  });
  return String(importId);
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = Date.now();
  const value = await work();
  return { value, seconds: (Date.now() - started) / 1000 };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
