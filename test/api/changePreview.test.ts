import { Types } from 'mongoose';
import { ImportChangeModel } from '../../shared/data/importChangeModel';
import { ImportModel } from '../../shared/data/importModel';
import { UserModel } from '../../shared/data/userModel';
import { createGroups, importCsv, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

const HEADER = 'Email,Username,First Name,Last Name,User groups,Roles,Password,External ID,Job title';
const BEFORE_HASH = '$2b$10$beforebeforebeforebeforebeforebeforebeforebeforebefor';
const AFTER_HASH = '$2b$10$afterafterafterafterafterafterafterafterafterafteraft';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({}, { worker: true });
  await createGroups(service, 'Sales', 'Ops');
  expect((await service.asAdmin().post('/api/custom-fields').send({ key: 'jobtitle', label: 'Job title' })).status).toBe(201);
  await importCsv(service, `${HEADER}\nann@example.com,ann,Ann,Lee,Sales,Learner,,,Engineer\nbob@example.com,bob,Bob,Stone,,Learner,,,\n`);
});
afterAll(() => service.stop());

/** An ended job no worker will pick up (never queued), to hold records written here directly. */
async function endedJob(settings: { dryRun: boolean }, fileName = 'people.csv', status: 'completed' | 'cancelled' | 'queued' = 'completed') {
  const job = await ImportModel.create({
    fileName, fileId: new Types.ObjectId(), fileSize: 100, encoding: 'utf8', delimiter: ',', headers: HEADER.split(','),
    settings: { ...settings, groupsMode: 'add', rolesMode: 'add', sendInvitations: false }, status,
  });
  return String(job._id);
}

async function record(importId: string, row: number, username: string, outcome: 'created' | 'updated', changes: Array<{ field: string; before: unknown; after: unknown }>, withHashes = false) {
  await ImportChangeModel.create({
    importId, row, userId: new Types.ObjectId(), username, outcome, changes, expiresAt: new Date(Date.now() + 86_400_000),
    ...(withHashes ? { passwordHashes: { before: BEFORE_HASH, after: AFTER_HASH } } : {}),
  });
}

/** Five rows: three updated, one created, one with a formula in its values. */
async function jobWithRecords(fileName = 'people.csv'): Promise<string> {
  const id = await endedJob({ dryRun: true }, fileName);
  await record(id, 1, 'ann', 'updated', [{ field: 'lastName', before: 'Lee', after: 'Smith' }, { field: 'roles', before: ['Learner'], after: ['Admin', 'Learner'] }]);
  await record(id, 2, 'bob', 'updated', [{ field: 'roles', before: ['Learner'], after: ['Learner', 'Reviewer'] }, { field: 'password', before: null, after: null }], true);
  await record(id, 4, 'cyd', 'created', [{ field: 'email', before: null, after: 'cyd@example.com' }, { field: 'roles', before: null, after: ['Learner'] }, { field: 'customFields.jobtitle', before: null, after: 'Chef' }]);
  await record(id, 6, 'dee', 'updated', [{ field: 'firstName', before: 'Dee', after: '=HYPERLINK("http://evil","x")' }]);
  await record(id, 9, 'eve', 'updated', [{ field: 'groups', before: ['Sales'], after: ['Ops', 'Sales'] }]);
  return id;
}

async function text(request: ReturnType<ReturnType<TestService['asAdmin']>['get']>) {
  return request.buffer(true).parse((res, done) => {
    const parts: Buffer[] = [];
    res.on('data', (part: Buffer) => parts.push(part));
    res.on('end', () => done(null, Buffer.concat(parts).toString('utf8')));
  });
}

describe('GET /api/imports/:id/changes', () => {
  test('When the changes are paged, then each page follows the last row of the one before, and only the first page carries the counts per field', async () => {
    const id = await jobWithRecords();
    const first = await service.asSupport().get(`/api/imports/${id}/changes?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: { row: number }) => item.row)).toEqual([1, 2]);
    expect(first.body.nextCursor).toBe('2');
    expect(first.body.summary.map((line: { text: string }) => line.text)).toEqual([
      '3 users: Roles changed (1 of them new)',
      '1 new user: Email set',
      '1 user: First name changed',
      '1 user: Last name changed',
      '1 user: Groups changed',
      '1 user: Password changed',
      '1 new user: Job title set',
    ]);
    expect(first.body.summary[0]).toEqual({ field: 'roles', label: 'Roles', users: 3, created: 1, updated: 2, text: '3 users: Roles changed (1 of them new)' });
    expect(first.body.items[0]).toEqual({
      row: 1, userId: expect.any(String), username: 'ann', outcome: 'updated',
      changes: [{ field: 'lastName', label: 'Last Name', before: 'Lee', after: 'Smith' }, { field: 'roles', label: 'Roles', before: ['Learner'], after: ['Admin', 'Learner'] }],
    });

    const second = await service.asSupport().get(`/api/imports/${id}/changes?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { row: number }) => item.row)).toEqual([4, 6]);
    expect(second.body.summary).toBeNull();
    expect(second.body.items[0].changes[2]).toEqual({ field: 'customFields.jobtitle', label: 'Job title', before: null, after: 'Chef' });
    const last = await service.asSupport().get(`/api/imports/${id}/changes?limit=2&cursor=${second.body.nextCursor}`);
    expect(last.body.items.map((item: { row: number }) => item.row)).toEqual([9]);
    expect(last.body.nextCursor).toBeNull();
  });

  test('When no limit is sent, then up to 50 records come in one page', async () => {
    const id = await jobWithRecords();
    const page = await service.asAdmin().get(`/api/imports/${id}/changes`);
    expect(page.body.items).toHaveLength(5);
    expect(page.body.nextCursor).toBeNull();
  });

  test('When the import recorded no changes, then the page and the counts are empty', async () => {
    const id = await endedJob({ dryRun: true });
    expect((await service.asAdmin().get(`/api/imports/${id}/changes`)).body).toEqual({ summary: [], items: [], nextCursor: null });
  });

  test.each([['0'], ['501'], ['ten'], ['2.5'], ['-1']])('When limit is %s, then the answer is 400 saying to send 1 to 500', async (limit) => {
    const id = await endedJob({ dryRun: true });
    const response = await service.asAdmin().get(`/api/imports/${id}/changes`).query({ limit });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_limit');
    expect(response.body.error.message).toMatch(/1 to 500/);
  });

  test.each([['abc'], ['0'], ['-3'], ['1e3'], ['65a000000000000000000000']])('When cursor is %s, then the answer is 400 saying to send a nextCursor', async (cursor) => {
    const id = await endedJob({ dryRun: true });
    const response = await service.asAdmin().get(`/api/imports/${id}/changes`).query({ cursor });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_cursor');
    expect(response.body.error.message).toMatch(/nextCursor/);
  });

  test.each([['65a000000000000000000000'], ['not-an-id']])('When the import %s does not exist, then both the page and changes.csv answer 404 in JSON', async (id) => {
    for (const route of [`/api/imports/${id}/changes`, `/api/imports/${id}/changes.csv`]) {
      const response = await service.asSupport().get(route);
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    }
  });

  test('When no key is sent, then the page and changes.csv answer 401', async () => {
    const id = await endedJob({ dryRun: true });
    expect((await service.anonymous().get(`/api/imports/${id}/changes`)).status).toBe(401);
    expect((await service.anonymous().get(`/api/imports/${id}/changes.csv`)).status).toBe(401);
  });
});

describe('GET /api/imports/:id/changes.csv', () => {
  test('When changes.csv is downloaded, then it has the BOM, the six columns, a line per changed field in row order, and a value starting with = is neutralised', async () => {
    const id = await jobWithRecords('Spring intake.csv');
    const response = await text(service.asSupport().get(`/api/imports/${id}/changes.csv`));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="?Spring_intake-changes\.csv"?$/);
    const body = response.body as string;
    expect(body.startsWith('\uFEFF')).toBe(true);
    expect(body.slice(1).split('\r\n')).toEqual([
      'Row,Username,Outcome,Field,Before,After',
      '1,ann,Updated,Last Name,Lee,Smith',
      '1,ann,Updated,Roles,Learner,Admin; Learner',
      '2,bob,Updated,Roles,Learner,Learner; Reviewer',
      '2,bob,Updated,Password,,changed (not shown)',
      '4,cyd,Created,Email,,cyd@example.com',
      '4,cyd,Created,Roles,,Learner',
      '4,cyd,Created,Job title,,Chef',
      `6,dee,Updated,First Name,Dee,"'=HYPERLINK(""http://evil"",""x"")"`,
      '9,eve,Updated,Groups,Sales,Ops; Sales',
      '',
    ]);
  });

  test('When an import recorded more changes than a cursor batch, then changes.csv has every one of them, once, in row order', async () => {
    const id = await endedJob({ dryRun: false }, 'big.csv');
    const expiresAt = new Date(Date.now() + 86_400_000);
    await ImportChangeModel.insertMany(Array.from({ length: 2_345 }, (_, index) => ({
      importId: id, row: index + 1, userId: new Types.ObjectId(), username: `user${index + 1}`, outcome: 'updated', expiresAt,
      changes: [{ field: 'lastName', before: 'Old', after: `New ${index + 1}` }],
    })));
    const lines = ((await text(service.asSupport().get(`/api/imports/${id}/changes.csv`))).body as string).slice(1).split('\r\n');
    expect(lines).toHaveLength(1 + 2_345 + 1);
    expect(lines.slice(1, -1)).toEqual(Array.from({ length: 2_345 }, (_, index) => `${index + 1},user${index + 1},Updated,Last Name,Old,New ${index + 1}`));
    const page = await service.asSupport().get(`/api/imports/${id}/changes?limit=500&cursor=2000`);
    expect(page.body.items.map((item: { row: number }) => item.row)).toEqual(Array.from({ length: 345 }, (_, index) => 2_001 + index));
    expect(page.body.nextCursor).toBeNull();
    expect((await service.asSupport().get(`/api/imports/${id}/changes?limit=500`)).body.summary).toEqual([
      { field: 'lastName', label: 'Last Name', users: 2_345, created: 0, updated: 2_345, text: '2,345 users: Last name changed' },
    ]);
  });

  test('When a record kept the password hashes, then neither the page nor changes.csv ever shows them', async () => {
    const id = await jobWithRecords();
    const page = await service.asAdmin().get(`/api/imports/${id}/changes?limit=500`);
    const csv = (await text(service.asAdmin().get(`/api/imports/${id}/changes.csv`))).body as string;
    for (const served of [JSON.stringify(page.body), csv]) {
      expect(served).not.toContain('passwordHashes');
      expect(served).not.toContain(BEFORE_HASH);
      expect(served).not.toContain(AFTER_HASH);
      expect(served).not.toContain('$2b$');
    }
    // The hashes are there all the same, for undo.
    expect((await ImportChangeModel.findOne({ importId: id, row: 2 }).select('+passwordHashes').lean())?.passwordHashes?.before).toBe(BEFORE_HASH);
  });
});

describe('POST /api/imports/:id/run (run a dry run for real)', () => {
  const changes = `${HEADER}\nann@example.com,ann,Ann,Smith,Ops,Admin,,,Engineer\nnew@example.com,newbie,New,Person,,,,,\n`;

  test('When a finished dry run is run for real, then a new import of the same stored file with the same settings, dry run off, applies it', async () => {
    const settings = { groupsMode: 'replace', rolesMode: 'replace', sendInvitations: false, dryRun: true } as const;
    const upload = await uploadCsv(service, changes, settings, 'roster.csv');
    const dryRun = await waitForImport(service, upload.body.id);
    expect(dryRun.counts).toMatchObject({ created: 1, updated: 1, failed: 0 });
    expect(await UserModel.exists({ usernameKey: 'newbie' })).toBeNull();

    const response = await service.asAdmin().post(`/api/imports/${dryRun.id}/run`);
    expect(response.status).toBe(202);
    expect(response.headers.location).toBe(`/api/imports/${response.body.id}`);
    expect(response.body).toMatchObject({ fileName: 'roster.csv', retryOf: dryRun.id, onlyFailedRows: false, requestedBy: 'admin' });
    expect(response.body.settings).toEqual({ ...dryRun.settings, dryRun: false });
    const [source, real] = await Promise.all([ImportModel.findById(dryRun.id).lean(), ImportModel.findById(response.body.id).lean()]);
    expect(String(real?.fileId)).toBe(String(source?.fileId));
    expect(real?.headers).toEqual(source?.headers);

    const done = await waitForImport(service, response.body.id);
    expect(done.counts).toMatchObject({ created: 1, updated: 1, failed: 0 });
    expect(await UserModel.exists({ usernameKey: 'newbie' })).not.toBeNull();
    expect((await UserModel.findOne({ usernameKey: 'ann' }).lean())?.lastName).toBe('Smith');
  });

  test('When the import is not a dry run, then running it for real is refused with 409 and nothing is queued', async () => {
    const id = await endedJob({ dryRun: false });
    const before = await ImportModel.countDocuments();
    const response = await service.asAdmin().post(`/api/imports/${id}/run`);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('not_a_dry_run');
    expect(await ImportModel.countDocuments()).toBe(before);
  });

  test.each([['queued'], ['cancelled']] as const)('When the dry run is %s, then running it for real is refused with 409', async (status) => {
    const id = await endedJob({ dryRun: true }, 'people.csv', status);
    const response = await service.asAdmin().post(`/api/imports/${id}/run`);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('dry_run_not_finished');
    expect(response.body.error.message).toContain(status);
  });

  test('When the dry run\'s upload was deleted, then running it for real answers 410 and says to upload the file again', async () => {
    const id = await endedJob({ dryRun: true });
    await ImportModel.updateOne({ _id: id }, { $set: { fileDeletedAt: new Date(), finishedAt: new Date() } });
    const response = await service.asAdmin().post(`/api/imports/${id}/run`);
    expect(response.status).toBe(410);
    expect(response.body.error.code).toBe('upload_deleted');
  });

  test('When a support key or no key asks, then it is refused (403, 401), and an unknown import is 404', async () => {
    const id = await endedJob({ dryRun: true });
    const forbidden = await service.asSupport().post(`/api/imports/${id}/run`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('forbidden');
    expect((await service.anonymous().post(`/api/imports/${id}/run`)).status).toBe(401);
    expect((await service.asAdmin().post('/api/imports/65a000000000000000000000/run')).status).toBe(404);
  });

  test('When an undo job is run for real or re-run, then both are refused with 409: its file would be imported again', async () => {
    const importId = await endedJob({ dryRun: false });
    const undo = await ImportModel.create({
      kind: 'undo', undoOf: importId, fileName: 'people.csv', fileId: new Types.ObjectId(), fileSize: 100, encoding: 'utf8', delimiter: ',',
      headers: HEADER.split(','), settings: { dryRun: false }, status: 'failed',
    });
    const before = await ImportModel.countDocuments();
    expect((await service.asAdmin().post(`/api/imports/${undo._id}/run`)).body.error.code).toBe('not_a_dry_run');
    const rerun = await service.asAdmin().post(`/api/imports/${undo._id}/retry`);
    expect(rerun.status).toBe(409);
    expect(rerun.body.error.code).toBe('undo_not_rerunnable');
    expect(await ImportModel.countDocuments()).toBe(before);
  });

  test('When the OpenAPI document is read, then it describes the changes, changes.csv and run routes', async () => {
    const paths = Object.keys((await service.asSupport().get('/api/openapi.json')).body.paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/imports/{id}/changes', '/api/imports/{id}/changes.csv', '/api/imports/{id}/run']));
  });
});

describe('a dry run through the worker', () => {
  test('When a dry run goes through the worker, then its changes.csv lists exactly the fields the real run then changes, with the same rows and values', async () => {
    await importCsv(service, `${HEADER}\nkim@example.com,kim,Kim,Park,Sales,Reviewer,,,Engineer\n`);
    const csv = `${HEADER}\nkim@example.com,kim,Kim,Park-Lee,Ops,Facilitator,,K-77,=Boss\nzed@example.com,zed,Zed,,,,,,\n`;
    const dryRun = await waitForImport(service, (await uploadCsv(service, csv, { dryRun: true, rolesMode: 'replace' })).body.id);
    const preview = (await text(service.asAdmin().get(`/api/imports/${dryRun.id}/changes.csv`))).body as string;
    expect(preview.slice(1).split('\r\n')).toEqual([
      'Row,Username,Outcome,Field,Before,After',
      '1,kim,Updated,Last Name,Park,Park-Lee',
      '1,kim,Updated,External ID,,K-77',
      '1,kim,Updated,Groups,Sales,Sales; Ops',
      '1,kim,Updated,Roles,Learner; Prizing User; Reviewer,Learner; Prizing User; Facilitator',
      "1,kim,Updated,Job title,Engineer,'=Boss",
      '2,zed,Created,Email,,zed@example.com',
      '2,zed,Created,First Name,,Zed',
      '2,zed,Created,Roles,,Learner; Prizing User',
      '',
    ]);
    const summary = (await service.asAdmin().get(`/api/imports/${dryRun.id}/changes`)).body.summary.map((line: { text: string }) => line.text);
    expect(summary).toEqual([
      '2 users: Roles changed (1 of them new)',
      '1 new user: Email set',
      '1 new user: First name set',
      '1 user: Last name changed',
      '1 user: Groups changed',
      '1 user: External ID changed',
      '1 user: Job title changed',
    ]);

    const real = await waitForImport(service, (await service.asAdmin().post(`/api/imports/${dryRun.id}/run`)).body.id);
    expect((await text(service.asAdmin().get(`/api/imports/${real.id}/changes.csv`))).body).toBe(preview);
  });
});
