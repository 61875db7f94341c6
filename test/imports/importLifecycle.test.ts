import { Writable } from 'node:stream';
import { UserModel } from '../../shared/data/userModel';
import { ImportModel } from '../../shared/data/importModel';
import { addLogDestination, setLogLevel } from '../../shared/platform/logger';
import { createGroups, errorsCsv, exportCsv, importCsv, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ IMPORT_CHUNK_SIZE: '25' }, { worker: true });
  await createGroups(service, 'Marketing');
});
afterAll(() => service.stop());

const HEADER = 'Email,Username,First Name,User groups,Roles,Password';
const rows = (count: number, prefix: string, extra = ',,') =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com,${prefix}${i},Name ${i}${extra}`).join('\n');

describe('the life of an import job', () => {
  test('When a dry run is followed by the real run, then both report the same counts and only the real run writes', async () => {
    // Rows 1 and 40 give out the same external ID in different chunks (25 rows each).
    const csv = `Email,Username,First Name,User groups,Roles,Password,External ID\n${rows(60, 'dry', ',,,,')}\n`
      .replace('dry0@example.com,dry0,Name 0,,,,', 'dry0@example.com,dry0,Name 0,,,,EXT-SHARED')
      .replace('dry39@example.com,dry39,Name 39,,,,', 'dry39@example.com,dry39,Name 39,,,,EXT-SHARED') +
      'bad@example.com,bad,Bad,Nowhere,,,\ndry3@example.com,DRY3,Again,,,,\n';
    const dry = await importCsv(service, csv, { dryRun: true });
    expect(dry.counts).toMatchObject({ total: 62, processed: 62, created: 59, failed: 3 });
    expect(await UserModel.countDocuments({ usernameKey: /^dry/ })).toBe(0);

    const real = await importCsv(service, csv);
    expect({ ...real.counts }).toEqual({ ...dry.counts });
    expect(await UserModel.countDocuments({ usernameKey: /^dry/ })).toBe(59);
  });

  test('When failed rows are retried after the missing group is created, then only they run and they succeed', async () => {
    const csv = `${HEADER}\nok@example.com,ok,Ok,Marketing,,\nfix@example.com,fix,Fix,Support Team,,\n`;
    const first = await importCsv(service, csv);
    expect(first.counts).toMatchObject({ created: 1, failed: 1 });
    expect(await errorsCsv(service, first.id)).toContain('Support Team');

    await createGroups(service, 'Support Team');
    const retry = await service.asSupport().post(`/api/imports/${first.id}/retry`).send({ only: 'failed' });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ retryOf: first.id, onlyFailedRows: true });
    const done = await waitForImport(service, retry.body.id);
    expect(done.counts).toMatchObject({ total: 1, processed: 1, created: 1, failed: 0 });
    expect(await UserModel.exists({ usernameKey: 'fix' })).toBeTruthy();
  });

  test('When a whole import is re-run, then every row comes out unchanged', async () => {
    const first = await importCsv(service, `${HEADER}\n${rows(30, 'again', ',Marketing,Reviewer')}\n`);
    const retry = await service.asAdmin().post(`/api/imports/${first.id}/retry`);
    const again = await waitForImport(service, retry.body.id);
    expect(again.counts).toMatchObject({ total: 30, unchanged: 30, created: 0, updated: 0, failed: 0 });
  });

  test('When users are exported and the file is uploaded unchanged, then every row is unchanged', async () => {
    await service.asAdmin().post('/api/custom-fields').send({ key: 'dept', label: 'Department' });
    await importCsv(service, 'Email,Username,First Name,Last Name,User groups,Roles,External ID,Department\n' +
      'rt1@example.com,rt1,=Formula,+Plus,Marketing,Admin; Reviewer,-77,@home\n' +
      'rt2@example.com,rt2,Zoë,"Smith, Jr.",,,,"two\nlines"\n');
    const exported = await exportCsv(service);
    expect(exported.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = exported.toString('utf8');
    expect(text).toContain("'=Formula");
    expect(text.split('\r\n')[0]).toBe('\uFEFFEmail,Username,First Name,Last Name,User groups,Roles,Password,External ID,Department');

    const total = await UserModel.countDocuments();
    const job = await importCsv(service, exported, { groupsMode: 'replace', rolesMode: 'replace' });
    expect(job.counts).toMatchObject({ total, unchanged: total, created: 0, updated: 0, failed: 0 });
  });

  test('When a running import is cancelled, then it stops between chunks and reports what it applied', async () => {
    const upload = await uploadCsv(service, `${HEADER}\n${rows(3000, 'cancel')}\n`);
    let job;
    do {
      job = (await service.asAdmin().get(`/api/imports/${upload.body.id}`)).body;
    } while (job.status !== 'running' || job.counts.processed === 0);
    const cancel = await service.asSupport().post(`/api/imports/${upload.body.id}/cancel`);
    expect(cancel.status).toBe(200);
    const final = await waitForImport(service, upload.body.id);
    expect(final.status).toBe('cancelled');
    expect(final.counts.processed).toBeLessThan(3000);
    expect(final.counts.processed % 25).toBe(0);
    expect(await UserModel.countDocuments({ usernameKey: /^cancel/ })).toBe(final.counts.created);
    const again = await service.asAdmin().post(`/api/imports/${upload.body.id}/cancel`);
    expect(again.status).toBe(409);
  });

  test('When a password is imported, then it appears in no response, report, export, job record or log line', async () => {
    const secret = 'Never-Shown-Secret-42';
    const lines: string[] = [];
    addLogDestination(new Writable({ write(chunk, _encoding, callback) { lines.push(String(chunk)); callback(); } }));
    setLogLevel('trace');
    try {
      const csv = `${HEADER}\npw@example.com,pw,Pw,,,${secret}\npw2@example.com,pw2,Pw,Nowhere,,${secret}\n`;
      const upload = await uploadCsv(service, csv);
      const job = await waitForImport(service, upload.body.id);
      expect(job.counts).toMatchObject({ created: 1, failed: 1 });
      const seen = [
        JSON.stringify(upload.body),
        JSON.stringify(job),
        JSON.stringify((await service.asAdmin().get('/api/imports')).body),
        await errorsCsv(service, job.id),
        (await exportCsv(service)).toString('utf8'),
        JSON.stringify(await ImportModel.findById(job.id).lean()),
        lines.join(''),
      ];
      expect(lines.length).toBeGreaterThan(0);
      for (const text of seen) expect(text).not.toContain(secret);
    } finally {
      setLogLevel('silent');
    }
  });

  test('When jobs are listed, then they come newest first in pages with a cursor', async () => {
    const first = await service.asSupport().get('/api/imports?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await service.asSupport().get(`/api/imports?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].id).not.toBe(first.body.items[1].id);
    expect(new Date(second.body.items[0].createdAt).getTime()).toBeLessThanOrEqual(new Date(first.body.items[1].createdAt).getTime());
    expect((await service.asSupport().get('/api/imports?limit=1000')).status).toBe(400);
  });
});
