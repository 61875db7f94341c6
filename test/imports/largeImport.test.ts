import mongoose from 'mongoose';
import type { CommandStartedEvent } from 'mongodb';
import { UserModel } from '../../shared/directory/userModel';
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

describe('a 20,000-row import', () => {
  test('When 20,000 rows are imported, then counts and users are exact and each 1,000-row chunk costs at most 4 MongoDB commands', async () => {
    const commands: CommandStartedEvent[] = [];
    const client = mongoose.connection.getClient();
    const listen = (event: CommandStartedEvent) => commands.push(event);

    const upload = await uploadCsv(service, csvOf(ROWS));
    expect(upload.status).toBe(202);
    client.on('commandStarted', listen);
    await waitInRedis(upload.body.id);
    client.off('commandStarted', listen);

    const job = (await service.asAdmin().get(`/api/imports/${upload.body.id}`)).body;
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

    const collectionOf = (command: CommandStartedEvent) => String(command.command[command.commandName]);
    const fileReads = commands.filter((command) => collectionOf(command).startsWith('uploads.'));
    // Per chunk: users by username, holders of external IDs, one bulk write, one commit.
    const chunkWork = commands.filter(
      (command) => ['users', 'importrowerrors'].includes(collectionOf(command)) || command.commandName === 'findAndModify',
    );
    const jobBookkeeping = commands.length - fileReads.length - chunkWork.length;
    expect(chunkWork.length / CHUNKS).toBeLessThanOrEqual(4);
    // Once per job: load it, read groups and custom fields, three status changes, final counts.
    expect(jobBookkeeping).toBeLessThanOrEqual(8);
    // Two streamed passes over a ~1.3 MB file in 255 KB GridFS chunks.
    expect(fileReads.length).toBeLessThan(30);
  });
});
