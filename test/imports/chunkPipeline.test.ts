import { UserModel } from '../../shared/data/userModel';
import { errorsCsv, importCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

// Chunks of two rows: every case below crosses a chunk boundary, where the next chunk's query
// may run while the previous chunk is still being written.
let service: TestService;
beforeAll(async () => {
  service = await startTestService({ IMPORT_CHUNK_SIZE: '2' }, { worker: true });
});
afterAll(() => service.stop());

const HEADER = 'Email,Username,First Name,External ID';
const user = (username: string) => UserModel.findOne({ usernameKey: username }).lean();

describe('chunks applied while the previous one is written', () => {
  test('When an external ID leaves one user in a chunk and goes to a new user in the next, then both rows apply', async () => {
    await importCsv(service, `${HEADER}\ncarl@example.com,carl,Carl,MOVE-1\n`);
    const job = await importCsv(service, `${HEADER}\ncarl@example.com,carl,Carl,MOVE-2\nfill@example.com,fill1,Fill,\ndora@example.com,dora,Dora,MOVE-1\n`);
    expect(job.counts).toMatchObject({ processed: 3, created: 2, updated: 1, failed: 0 });
    expect((await user('carl'))?.externalId).toBe('MOVE-2');
    expect((await user('dora'))?.externalId).toBe('MOVE-1');
  });

  test('When a chunk gives an external ID that the next chunk gives to another user, then the later row fails naming the holder', async () => {
    const job = await importCsv(service, `${HEADER}\nevan@example.com,evan,Evan,TWICE-1\nfill@example.com,fill2,Fill,\nfay@example.com,fay,Fay,TWICE-1\n`);
    expect(job.counts).toMatchObject({ processed: 3, created: 2, failed: 1 });
    expect(await errorsCsv(service, job.id)).toContain('Row 3: External ID ""TWICE-1"" already belongs to user ""evan""');
    expect(await user('fay')).toBeNull();
  });

  test('When a username repeats in the next chunk, then the repeat fails as a duplicate and the first row applies', async () => {
    const job = await importCsv(service, `${HEADER}\nfill@example.com,fill3,Fill,\ngus@example.com,gus,Gus,\ngus2@example.com,GUS,Gus,\n`);
    expect(job.counts).toMatchObject({ processed: 3, created: 2, failed: 1 });
    expect(await errorsCsv(service, job.id)).toContain('duplicate of row 2');
    expect((await user('gus'))?.email).toBe('gus@example.com');
  });

  test('When many independent chunks follow each other, then every row is applied once and counted once', async () => {
    const rows = Array.from({ length: 301 }, (_, i) => `bulk${i}@example.com,bulk${i},Bulk,${i % 2 ? '' : `BULK-${i}`}`);
    const job = await importCsv(service, `${HEADER}\n${rows.join('\n')}\n`);
    expect(job.counts).toMatchObject({ total: 301, processed: 301, created: 301, failed: 0 });
    expect(await UserModel.countDocuments({ usernameKey: /^bulk/ })).toBe(301);
    const again = await importCsv(service, `${HEADER}\n${rows.join('\n')}\n`);
    expect(again.counts).toMatchObject({ processed: 301, unchanged: 301, created: 0, updated: 0, failed: 0 });
  });
});
