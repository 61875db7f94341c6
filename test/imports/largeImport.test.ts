import mongoose, { Types } from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { UserModel } from '../../shared/data/userModel';
import { ImportChangeModel } from '../../shared/data/importChangeModel';
import { createGroups, uploadCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ IMPORT_CHUNK_SIZE: '1000' }, { worker: true, monitorCommands: true });
  await createGroups(service, 'Marketing', 'Sales');
});
afterAll(() => service.stop());

const ROWS = 20_000;
const CHUNKS = ROWS / 1000;
const MIXED_ROWS = 10_000;

function csvOf(rows: number): string {
  const lines = ['Email,Username,First Name,Last Name,User groups,Roles,External ID'];
  for (let i = 0; i < rows; i++) {
    lines.push(`user${i}@example.com,user${i},First${i},Last${i},${i % 2 ? 'Marketing' : 'Marketing; Sales'},${i % 3 ? '' : 'Reviewer'},${i % 5 ? '' : `EXT-${i}`}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Waits on BullMQ (Redis) rather than the job API, so every MongoDB command seen is the worker's. */
async function waitInRedis(id: string) {
  for (;;) {
    const state = await (await service.runtime.importQueue.getJob(id))?.getState();
    if (state === 'completed' || state === 'failed') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface CommandCount {
  chunkWork: number;
  /** Of chunkWork, the commands that write change records. */
  changeRecords: number;
  jobBookkeeping: number;
  fileReads: number;
}

/** Imports a file and counts the MongoDB commands the worker sends for it, by purpose. */
async function importCountingCommands(csv: string): Promise<{ job: Record<string, any>; commands: CommandCount }> {
  const commands: CommandStartedEvent[] = [];
  const client = mongoose.connection.getClient();
  const listen = (event: CommandStartedEvent) => commands.push(event);
  const upload = await uploadCsv(service, csv);
  expect(upload.status).toBe(202);
  client.on('commandStarted', listen);
  await waitInRedis(upload.body.id);
  client.off('commandStarted', listen);
  const job = (await service.asAdmin().get(`/api/imports/${upload.body.id}`)).body;

  // A getMore names its cursor first and its collection in `collection`.
  const collectionOf = (command: CommandStartedEvent) => String(command.commandName === 'getMore' ? command.command.collection : command.command[command.commandName]);
  const fileReads = commands.filter((command) => collectionOf(command).startsWith('uploads.')).length;
  // Per chunk: one query for users and external-ID holders, the change records, inserts, updates, one commit.
  const chunkWork = commands.filter((command) => ['users', 'importrowerrors', 'importchanges'].includes(collectionOf(command)) || command.commandName === 'findAndModify').length;
  const changeRecords = commands.filter((command) => collectionOf(command) === 'importchanges').length;
  return { job, commands: { chunkWork, changeRecords, fileReads, jobBookkeeping: commands.length - fileReads - chunkWork } };
}

describe('a 20,000-row import', () => {
  test('When 20,000 rows are imported, then counts and users are exact and each 1,000-row chunk costs at most 5 MongoDB commands, its change records included', async () => {
    const { job, commands } = await importCountingCommands(csvOf(ROWS));
    expect(job.status).toBe('completed');
    expect(job.counts).toEqual({ total: ROWS, processed: ROWS, created: ROWS, updated: 0, unchanged: 0, failed: 0, invited: 0 });
    expect(await UserModel.countDocuments()).toBe(ROWS);
    for (const i of [0, 1, 4_999, 12_345, 19_999]) {
      const user = await UserModel.findOne({ usernameKey: `user${i}` }).lean();
      expect(user).toMatchObject({ email: `user${i}@example.com`, firstName: `First${i}`, lastName: `Last${i}` });
      expect(user?.groupIds).toHaveLength(i % 2 ? 1 : 2);
      expect(user?.roles).toEqual(expect.arrayContaining(['Learner', 'Prizing User', ...(i % 3 ? [] : ['Reviewer'])]));
      expect(user?.externalId ?? null).toBe(i % 5 ? null : `EXT-${i}`);
    }
    expect(commands.chunkWork / CHUNKS).toBeLessThanOrEqual(5);
    expect(commands.changeRecords).toBe(CHUNKS);
    expect(await ImportChangeModel.countDocuments({ importId: new Types.ObjectId(job.id) })).toBe(ROWS);
    // Once per job: load it, read groups and custom fields, three status changes, final counts.
    expect(commands.jobBookkeeping).toBeLessThanOrEqual(8);
    // Two streamed passes over a ~1.3 MB file in 255 KB GridFS chunks.
    expect(commands.fileReads).toBeLessThan(30);
  });

  test('When every chunk mixes new users, changed users and external IDs, then a chunk still costs at most 5 commands, its change records included', async () => {
    const lines = ['Email,Username,First Name,External ID'];
    for (let i = 0; i < MIXED_ROWS; i++) {
      // Even rows change an existing user's first name; odd rows create a user.
      const n = i % 2 ? ROWS + i : i;
      lines.push(`user${n}@example.com,user${n},Changed${n},${n % 5 ? '' : `EXT-${n}`}`);
    }
    const { job, commands } = await importCountingCommands(`${lines.join('\n')}\n`);
    expect(job.counts).toMatchObject({ total: MIXED_ROWS, created: MIXED_ROWS / 2, updated: MIXED_ROWS / 2, failed: 0 });
    expect((await UserModel.findOne({ usernameKey: 'user10' }).lean())?.firstName).toBe('Changed10');
    expect(commands.chunkWork / (MIXED_ROWS / 1000)).toBeLessThanOrEqual(5);
    expect(commands.changeRecords).toBe(MIXED_ROWS / 1000);
    expect(await ImportChangeModel.countDocuments({ importId: new Types.ObjectId(job.id) })).toBe(MIXED_ROWS);
  });

  test('When a file is imported again unchanged, then no change is recorded and no command is sent for change records', async () => {
    const lines = ['Email,Username'];
    for (let i = 0; i < 5_000; i++) lines.push(`user${i}@example.com,user${i}`);
    const { job, commands } = await importCountingCommands(`${lines.join('\n')}\n`);
    expect(job.counts).toMatchObject({ total: 5_000, created: 0, updated: 0, unchanged: 5_000, failed: 0 });
    expect(commands.changeRecords).toBe(0);
    // A query and a commit: nothing to write.
    expect(commands.chunkWork / 5).toBeLessThanOrEqual(2);
    expect(await ImportChangeModel.countDocuments({ importId: new Types.ObjectId(job.id) })).toBe(0);
  });
});
