/**
 * Issue 12, item 1: an import records, for every user it creates or updates, each changed field
 * before and after, in the chunk's write path. Through HTTP, with imports run by worker
 * processes (one of them SIGKILLed mid-import).
 */
import { Types } from 'mongoose';
import type { Document } from 'mongodb';
import { ImportChangeModel } from '../../shared/data/importChangeModel';
import { writeChangeRecords } from '../../shared/data/importChangeStore';
import { loadDirectorySnapshot } from '../../shared/data/directorySnapshot';
import { groupNamesById, type ChangedField } from '../../shared/rules/changeRecords';
import { importSettingsOf } from '../../shared/rules/importSettings';
import type { ChunkRow } from '../../shared/rules/chunkPlan';
import { prepareChunk, writeChunk, type ChunkImport } from '../../shared/imports/applyChunk';
import { UserModel } from '../../shared/data/userModel';
import type { FieldChange, FieldValue } from '../../shared/rules/changeRecords';
import { createGroups, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { exited, startWorkerProcess, stopServiceProcesses, type ServiceProcess } from '../support/workerProcess';

const RETENTION_DAYS = 3;
const DAY_MS = 24 * 3600 * 1000;

let service: TestService;
let worker: ServiceProcess;
let groupNames: Map<string, string>;
beforeAll(async () => {
  // Imports run in worker processes, which a test can kill; this process serves HTTP.
  service = await startTestService({ IMPORT_CHUNK_SIZE: '100', WORKER_LOCK_SECONDS: '2', WORKER_QUEUES: 'invitations' }, { worker: true });
  worker = startImportWorker();
  const ids = await createGroups(service, 'Marketing', 'Sales', 'Support');
  groupNames = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  for (const [key, label] of [['jobtitle', 'Job title'], ['site', 'Site']]) {
    await service.asAdmin().post('/api/custom-fields').send({ key, label }).expect(201);
  }
}, 60_000);
afterAll(async () => {
  await stopServiceProcesses();
  await service.stop();
});

function startImportWorker(): ServiceProcess {
  return startWorkerProcess(service, { WORKER_QUEUES: 'imports', CHANGE_RETENTION_DAYS: String(RETENTION_DAYS) });
}

async function importFile(csv: string, settings: Parameters<typeof uploadCsv>[2] = {}) {
  const upload = await uploadCsv(service, csv, settings);
  expect(upload.status).toBe(202);
  return waitForImport(service, upload.body.id, 120_000);
}

const HEADER = 'Email,Username,First Name,Last Name,User groups,Roles,Password,External ID,Job title,Site';
const SEED = [
  HEADER,
  'ann@example.com,ann,Ann,Archer,Marketing,Reviewer,Seed-Password-1,,Engineer,',
  'bob@example.com,bob,Bob,Baker,Marketing; Sales,Reviewer,,,,',
  'cy@example.com,cy,Cy,Cole,Sales,,,,,',
  'dee@example.com,dee,Dee,Dunn,Marketing,,,EXT-DEE,,York',
].join('\n');
/** Groups added (Add mode), roles replaced (Replace mode). */
const MIXED_SETTINGS = { groupsMode: 'add', rolesMode: 'replace' } as const;
const MIXED = [
  HEADER,
  // 1: email, first name, a group added, roles replaced, password changed, a custom field set where none was.
  'ann@new.example.com,ann,Annie,Archer,Support,Facilitator,New-Password-2,,Engineer,Leeds',
  // 2: an external ID set.
  'bob@example.com,bob,Bob,Baker,,Reviewer,,EXT-BOB,,',
  // 3: a password for a user who had none.
  'cy@example.com,cy,Cy,Cole,,,Cy-Password-3,,,',
  // 4: unchanged.
  'dee@example.com,dee,Dee,Dunn,Marketing,,,EXT-DEE,,York',
  // 5: created with every field.
  'fay@example.com,fay,Fay,Fox,Sales; Support,Manager Analytics,Fay-Password-5,EXT-FAY,Chemist,Hull',
  // 6: fails (no such group).
  'gus@example.com,gus,Gus,,Nowhere,,,,,',
  // 7: created with an email alone.
  'hal@example.com,hal,,,,,,,,',
].join('\n');

type StoredUser = Document & { _id: Types.ObjectId };

/** A user's value of a recorded field, as a record writes it. */
function valueOf(user: StoredUser, field: string): FieldValue {
  if (field === 'groups') return ((user.groupIds ?? []) as Types.ObjectId[]).map((id) => groupNames.get(String(id))!).filter(Boolean);
  if (field === 'roles') return user.roles ?? [];
  if (field.startsWith('customFields.')) return user.customFields?.[field.slice('customFields.'.length)] ?? null;
  return user[field] ?? null;
}

const RECORDED_FIELDS = ['email', 'firstName', 'lastName', 'externalId', 'groups', 'roles', 'customFields.jobtitle', 'customFields.site'];

async function usersById(): Promise<Map<string, StoredUser>> {
  const users = (await UserModel.collection.find({}).toArray()) as StoredUser[];
  return new Map(users.map((user) => [String(user._id), user]));
}

async function recordsOf(importId: string, withHashes = false) {
  const query = ImportChangeModel.find({ importId: new Types.ObjectId(importId) }).sort({ row: 1 });
  if (withHashes) query.select('+passwordHashes');
  return query.lean();
}

describe('change records of a dry run and of the real run', () => {
  let dryRun: Record<string, any>;
  let realRun: Record<string, any>;
  let before: Map<string, StoredUser>;
  let after: Map<string, StoredUser>;
  beforeAll(async () => {
    expect((await importFile(SEED)).counts).toMatchObject({ created: 4, failed: 0 });
    const seeded = await usersById();
    dryRun = await importFile(MIXED, { ...MIXED_SETTINGS, dryRun: true });
    before = await usersById();
    expect(before).toEqual(seeded);
    realRun = await importFile(MIXED, MIXED_SETTINGS);
    after = await usersById();
  }, 120_000);

  test('When a dry run and then the real run apply the same file, then both record the same rows with the same before and after', async () => {
    expect(dryRun.counts).toMatchObject({ created: 2, updated: 3, unchanged: 1, failed: 1 });
    expect(realRun.counts).toMatchObject({ created: 2, updated: 3, unchanged: 1, failed: 1 });
    const shape = (record: Record<string, any>) => ({ row: record.row, username: record.username, outcome: record.outcome, changes: record.changes });
    const dryRecords = await recordsOf(dryRun.id);
    const realRecords = await recordsOf(realRun.id);
    expect(realRecords.map(shape)).toEqual(dryRecords.map(shape));
    expect(realRecords.map((record) => record.row)).toEqual([1, 2, 3, 5, 7]);
    // An updated user is the same user in both; a created one exists only after the real run.
    for (const [index, record] of realRecords.entries()) {
      if (record.outcome === 'updated') expect(String(dryRecords[index].userId)).toBe(String(record.userId));
      else expect(before.has(String(dryRecords[index].userId))).toBe(false);
    }
  });

  test('When the real run has applied, then each record holds exactly the fields that changed, with the user before and after', async () => {
    const records = await recordsOf(realRun.id, true);
    expect(records).toHaveLength(realRun.counts.created + realRun.counts.updated);
    for (const record of records) {
      const userBefore = before.get(String(record.userId));
      const userAfter = after.get(String(record.userId))!;
      expect(userAfter.username).toBe(record.username);
      expect(userBefore === undefined).toBe(record.outcome === 'created');
      const changes = record.changes as FieldChange[];
      const changed = new Set(changes.map((change) => change.field));
      for (const field of RECORDED_FIELDS) {
        const change = changes.find((candidate) => candidate.field === field);
        const was = userBefore ? valueOf(userBefore, field) : null;
        const is = valueOf(userAfter, field);
        if (change) {
          expect({ field, before: change.before, after: change.after }).toEqual({ field, before: was, after: is });
        } else if (userBefore) {
          expect({ field, unchanged: is }).toEqual({ field, unchanged: was });
        } else {
          // A created user's record lists every field it was given.
          expect({ field, given: is === null || (Array.isArray(is) && is.length === 0) ? null : is }).toEqual({ field, given: null });
        }
      }
      const passwordChanged = userAfter.passwordHash !== userBefore?.passwordHash;
      expect({ row: record.row, password: changed.has('password') }).toEqual({ row: record.row, password: passwordChanged });
      if (passwordChanged) {
        expect(changes.find((change) => change.field === 'password')).toEqual({ field: 'password', before: null, after: null });
        expect(record.passwordHashes).toEqual({ before: userBefore?.passwordHash ?? null, after: userAfter.passwordHash });
      } else {
        expect(record.passwordHashes).toBeUndefined();
      }
    }
  });

  test('When users are created, then their records list every field they were given, each with before null', async () => {
    const records = await recordsOf(realRun.id);
    const fay = records.find((record) => record.username === 'fay')!;
    expect(fay).toMatchObject({ row: 5, outcome: 'created' });
    expect(fay.changes).toEqual([
      { field: 'email', before: null, after: 'fay@example.com' },
      { field: 'firstName', before: null, after: 'Fay' },
      { field: 'lastName', before: null, after: 'Fox' },
      { field: 'externalId', before: null, after: 'EXT-FAY' },
      { field: 'groups', before: null, after: ['Sales', 'Support'] },
      { field: 'roles', before: null, after: ['Manager Analytics', 'Learner', 'Prizing User'] },
      { field: 'password', before: null, after: null },
      { field: 'customFields.jobtitle', before: null, after: 'Chemist' },
      { field: 'customFields.site', before: null, after: 'Hull' },
    ]);
    expect(records.find((record) => record.username === 'hal')?.changes).toEqual([
      { field: 'email', before: null, after: 'hal@example.com' },
      { field: 'roles', before: null, after: ['Learner', 'Prizing User'] },
    ]);
  });

  test('When a row is unchanged or fails, then it records nothing', async () => {
    for (const run of [dryRun, realRun]) {
      const rows = (await recordsOf(run.id)).map((record) => record.row);
      expect(rows).not.toContain(4);
      expect(rows).not.toContain(6);
    }
  });

  test('When records are written, then they expire CHANGE_RETENTION_DAYS later, through a TTL index', async () => {
    const records = await recordsOf(realRun.id);
    const from = new Date(realRun.startedAt).getTime() + RETENTION_DAYS * DAY_MS;
    const to = new Date(realRun.finishedAt).getTime() + RETENTION_DAYS * DAY_MS;
    for (const record of records) {
      expect(record.expiresAt.getTime()).toBeGreaterThanOrEqual(from);
      expect(record.expiresAt.getTime()).toBeLessThanOrEqual(to);
    }
    const indexes = await ImportChangeModel.collection.indexes();
    expect(indexes).toContainEqual(expect.objectContaining({ key: { expiresAt: 1 }, expireAfterSeconds: 0 }));
  });

  test('When records are read as usual, then the password hashes are never among what is read', async () => {
    const importId = new Types.ObjectId(realRun.id);
    const document = await ImportChangeModel.findOne({ importId, row: 1 });
    expect(document?.toObject()).not.toHaveProperty('passwordHashes');
    expect(await ImportChangeModel.findOne({ importId, row: 1 }).lean()).not.toHaveProperty('passwordHashes');
    expect(JSON.stringify(await ImportChangeModel.find({ importId }).lean())).not.toMatch(/argon2/);
    // Only asked for by name (undo's read) do they come back.
    expect((await ImportChangeModel.findOne({ importId, row: 1 }).select('+passwordHashes').lean())?.passwordHashes).toEqual({
      before: before.get(String(document?.userId))?.passwordHash,
      after: after.get(String(document?.userId))?.passwordHash,
    });
    // A dry run stores no password, nor any hash.
    expect((await ImportChangeModel.findOne({ importId: new Types.ObjectId(dryRun.id), row: 1 }).select('+passwordHashes').lean())?.passwordHashes).toBeUndefined();
  });
});

describe('a worker killed mid-import', () => {
  const UPDATED = 1000;
  const CREATED = 2000;

  async function processedAtLeast(id: string, rows: number) {
    for (;;) {
      const job = (await service.asAdmin().get(`/api/imports/${id}`)).body;
      if (job.counts.processed >= rows) return;
      if (!['queued', 'validating', 'running'].includes(job.status)) throw new Error(`the import ended (${job.status}) before the worker could be killed`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  test('When the worker is SIGKILLed mid-import and another resumes it, then each created or updated row has exactly one record, with the values before the import', async () => {
    const seed = ['Email,Username,First Name,User groups'];
    for (let i = 0; i < UPDATED; i++) seed.push(`k${i}@example.com,k${i},Old${i},Marketing`);
    expect((await importFile(`${seed.join('\n')}\n`)).counts).toMatchObject({ created: UPDATED });

    const lines = ['Email,Username,First Name,User groups'];
    for (let i = 0; i < UPDATED + CREATED; i++) lines.push(`k${i}@example.com,k${i},New${i},Sales`);
    const upload = await uploadCsv(service, `${lines.join('\n')}\n`);
    await processedAtLeast(upload.body.id, 800);
    worker.kill('SIGKILL');
    await exited(worker);
    worker = startImportWorker();

    const job = await waitForImport(service, upload.body.id, 180_000);
    expect(job.counts).toMatchObject({ total: UPDATED + CREATED, created: CREATED, updated: UPDATED, unchanged: 0, failed: 0 });
    const records = await recordsOf(job.id);
    expect(records).toHaveLength(job.counts.created + job.counts.updated);
    expect(new Set(records.map((record) => record.row)).size).toBe(records.length);
    for (const record of records) {
      const i = record.row - 1;
      const expected =
        i < UPDATED
          ? {
              outcome: 'updated',
              changes: [
                { field: 'firstName', before: `Old${i}`, after: `New${i}` },
                { field: 'groups', before: ['Marketing'], after: ['Marketing', 'Sales'] },
              ],
            }
          : {
              outcome: 'created',
              changes: [
                { field: 'email', before: null, after: `k${i}@example.com` },
                { field: 'firstName', before: null, after: `New${i}` },
                { field: 'groups', before: null, after: ['Sales'] },
                { field: 'roles', before: null, after: ['Learner', 'Prizing User'] },
              ],
            };
      expect({ row: record.row, username: record.username, outcome: record.outcome, changes: record.changes }).toEqual({ row: record.row, username: `k${i}`, ...expected });
    }
  }, 300_000);
});

describe('a chunk replayed after its records were written but not its users', () => {
  const chunkRow = (row: number, username: string, firstName: string): ChunkRow => ({
    row,
    record: [],
    cells: { email: `${username}@example.com`, username, firstName, custom: {} },
    usernameKey: username,
    problems: [],
  });

  test('When the replay decides a row again, then its record is replaced by the new decision, or removed when the row no longer changes anything', async () => {
    const seed = await importFile('Email,Username,First Name\nrp1@example.com,rp1,Before1\nrp2@example.com,rp2,Before2\n');
    expect(seed.counts).toMatchObject({ created: 2 });
    const importId = new Types.ObjectId();
    const directory = await loadDirectorySnapshot();
    const chunkImport = (recordedThroughRow: number): ChunkImport => ({
      importId,
      settings: importSettingsOf({}),
      groupNamesById: groupNamesById(directory.groupIdsByName),
      changeRetentionMs: RETENTION_DAYS * DAY_MS,
      recordedThroughRow,
    });
    const rows = [chunkRow(1, 'rp1', 'After1'), chunkRow(2, 'rp2', 'After2'), chunkRow(3, 'rp3', 'New3')];

    // The interrupted attempt: its records landed, none of its user writes.
    const interrupted = await prepareChunk(rows, chunkImport(0), directory);
    await writeChangeRecords(interrupted.planned.records, new Date(Date.now() + DAY_MS));
    expect(await ImportChangeModel.countDocuments({ importId })).toBe(3);
    // Meanwhile rp1 is given the row's value by hand, rp2 another value.
    await UserModel.updateOne({ usernameKey: 'rp1' }, { $set: { firstName: 'After1' } });
    await UserModel.updateOne({ usernameKey: 'rp2' }, { $set: { firstName: 'ByHand2' } });

    const outcome = await writeChunk(await prepareChunk(rows, chunkImport(3), directory));
    expect(outcome).toMatchObject({ created: 1, updated: 1, unchanged: 1, failed: 0 });
    const records = await recordsOf(String(importId));
    const fields = (record: (typeof records)[number], field: ChangedField) => (record.changes as FieldChange[]).find((change) => change.field === field);
    expect(records.map((record) => [record.row, record.outcome])).toEqual([
      [2, 'updated'],
      [3, 'created'],
    ]);
    expect(fields(records[0], 'firstName')).toEqual({ field: 'firstName', before: 'ByHand2', after: 'After2' });
    // The user the interrupted attempt would have created has the id the replay drew, as the record says.
    expect(String(records[1].userId)).toBe(String((await UserModel.findOne({ usernameKey: 'rp3' }).lean())?._id));
  });
});
