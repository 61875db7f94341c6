import { CustomFieldModel } from '../../shared/data/customFieldModel';
import { UserModel } from '../../shared/data/userModel';
import { startWorkers } from '../../worker/workers';
import { exportCsv, importCsv, uploadCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

// No worker runs unless a test starts one, so an upload stays queued for the in-use case.
let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

async function withWorkers<T>(run: () => Promise<T>): Promise<T> {
  const workers = startWorkers(service.runtime);
  try {
    return await run();
  } finally {
    await workers.close();
  }
}

async function defineField(key: string, label: string) {
  const response = await service.asAdmin().post('/api/custom-fields').send({ key, label });
  expect(response.status).toBe(201);
}

const listedKeys = async () => (await service.asAdmin().get('/api/custom-fields')).body.items.map((field: { key: string }) => field.key);

/** Users as stored, for what no export shows: a value left under a key no field names. */
async function holdersOf(key: string): Promise<string[]> {
  const users = await UserModel.find({}, { username: 1, customFields: 1 }).lean();
  return users.filter((user) => user.customFields && Object.hasOwn(user.customFields, key)).map((user) => user.username).sort();
}

/** Users written straight to the database, as data from older releases or a crash leaves them. */
async function storeUsers(prefix: string, count: number, customFields: (index: number) => object) {
  await UserModel.insertMany(
    Array.from({ length: count }, (_, index) => ({
      username: `${prefix}${index}`,
      usernameKey: `${prefix}${index}`,
      email: `${prefix}${index}@example.com`,
      customFields: customFields(index),
    })),
  );
}

const exportedHeader = async () => (await exportCsv(service)).toString('utf8').replace(/^\uFEFF/, '').split(/\r?\n/)[0].split(',');

describe('deleting a custom field', () => {
  test('When an admin deletes a field, then its value leaves every user, the export loses its column, the list loses the field, and other fields keep their values', async () => {
    await defineField('jobtitle', 'Job title');
    await defineField('department', 'Department');
    const job = await withWorkers(() =>
      importCsv(service, 'Email,Username,Job title,Department\nada@example.com,ada,Engineer,R&D\ngrace@example.com,grace,Admiral,Navy\nlinus@example.com,linus,,Kernel\n'),
    );
    expect(job.counts).toMatchObject({ created: 3, failed: 0 });
    expect(await holdersOf('jobtitle')).toEqual(['ada', 'grace']);

    const response = await service.asAdmin().delete('/api/custom-fields/jobtitle');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ key: 'jobtitle', removedFromUsers: 2 });
    expect(await holdersOf('jobtitle')).toEqual([]);
    expect(await holdersOf('department')).toEqual(['ada', 'grace', 'linus']);
    expect(await listedKeys()).toEqual(['department']);
    const header = await exportedHeader();
    expect(header).not.toContain('Job title');
    expect(header).toContain('Department');
  });

  test('When a field was deleted, then a later upload with its column is refused as unknown', async () => {
    await defineField('badge', 'Badge');
    expect((await service.asAdmin().delete('/api/custom-fields/badge')).status).toBe(200);

    const response = await uploadCsv(service, 'Email,Badge\nada@example.com,Gold\n');

    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'invalid_columns', message: expect.stringContaining('Unknown column "Badge"') } });
  });

  test('When the key names no field and no user holds a value under it, then it is a 404 that says how to list the fields', async () => {
    const response = await service.asAdmin().delete('/api/custom-fields/nosuchfield');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      error: { code: 'not_found', message: 'There is no custom field with the key "nosuchfield". List the fields with GET /api/custom-fields.' },
    });
  });

  // A key becomes part of an update path (customFields.<key>): a dot or a $ would reach elsewhere.
  test.each(['job.title', '$where', 'Job title', 'customFields.x'])('When the key %j is not a custom field key, then it is a 400 that says what a key looks like', async (key) => {
    const response = await service.asAdmin().delete(`/api/custom-fields/${encodeURIComponent(key)}`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: {
        code: 'invalid_custom_field_key',
        message: `"${key}" is not a custom field key: keys are lower-case letters, digits and _, starting with a letter. List the fields with GET /api/custom-fields.`,
      },
    });
  });

  test('When a support key deletes a field, then it is a 403 and the field stays', async () => {
    await defineField('shift', 'Shift');
    const response = await service.asSupport().delete('/api/custom-fields/shift');
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: { code: 'forbidden', message: 'This needs the admin role; your key has the support role.' } });
    expect(await listedKeys()).toContain('shift');
  });

  test('When no key is sent, then it is a 401 and the field stays', async () => {
    await defineField('floor', 'Floor');
    const response = await service.anonymous().delete('/api/custom-fields/floor');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ error: { code: 'missing_api_key', message: 'Send your API key as "Authorization: Bearer <key>".' } });
    expect(await listedKeys()).toContain('floor');
  });

  test('When a field named constructor exists from before keys were checked, then it can be deleted and only real values are counted', async () => {
    await CustomFieldModel.create({ key: 'constructor', label: 'Constructor' });
    await storeUsers('proto', 3, (index) => (index === 0 ? { constructor: 'Bob' } : {}));

    const response = await service.asAdmin().delete('/api/custom-fields/constructor');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ key: 'constructor', removedFromUsers: 1 });
    expect(await holdersOf('constructor')).toEqual([]);
    expect(await listedKeys()).not.toContain('constructor');
  });

  test('When an import with the field\'s column is still queued, then it is a 409 naming that import and nothing is deleted; once it is cancelled the deletion goes through', async () => {
    await defineField('region', 'Region');
    await storeUsers('regional', 1, () => ({ region: 'North' }));
    const upload = await uploadCsv(service, 'Email,region\nnew@example.com,South\n');
    expect(upload.status).toBe(202);
    expect(upload.body.status).toBe('queued');

    const refused = await service.asAdmin().delete('/api/custom-fields/region');

    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({
      code: 'custom_field_in_use',
      message: `The import ${upload.body.id} (queued) has a column for the custom field "Region" and would fail mid-way without it. Wait for that import to end, or cancel it (POST /api/imports/${upload.body.id}/cancel), then delete the field.`,
      details: { importId: upload.body.id },
    });
    expect(await listedKeys()).toContain('region');
    expect(await holdersOf('region')).toEqual(['regional0']);

    expect((await service.asAdmin().post(`/api/imports/${upload.body.id}/cancel`)).body.status).toBe('cancelled');
    const deleted = await service.asAdmin().delete('/api/custom-fields/region');
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ key: 'region', removedFromUsers: 1 });
  });

  test('When the field of a cancelled import was deleted, then retrying that import is a 400 that says a field was deleted, and nothing is queued', async () => {
    await defineField('site', 'Site');
    const upload = await uploadCsv(service, 'Email,Site\nsite@example.com,Leeds\n');
    expect((await service.asAdmin().post(`/api/imports/${upload.body.id}/cancel`)).body.status).toBe('cancelled');
    expect((await service.asAdmin().delete('/api/custom-fields/site')).status).toBe(200);
    const jobsBefore = await service.runtime.importQueue.count();

    const retry = await service.asAdmin().post(`/api/imports/${upload.body.id}/retry`);

    expect(retry.status).toBe(400);
    expect(retry.body.error.code).toBe('invalid_columns');
    expect(retry.body.error.message).toContain('Unknown column "Site"');
    expect(retry.body.error.message).toContain('A custom field was probably deleted since the upload');
    expect(await service.runtime.importQueue.count()).toBe(jobsBefore);
  });

  test('When a deletion stopped after the definition was gone, then the field cannot be created again until a second deletion removes the values left, across several batches', async () => {
    await defineField('costcentre', 'Cost centre');
    await storeUsers('cc', 2500, (index) => (index % 5 === 4 ? {} : { costcentre: `CC-${index}` }));
    // What a crash right after the first step leaves: no definition, every value still there.
    await CustomFieldModel.deleteOne({ key: 'costcentre' });

    const recreated = await service.asAdmin().post('/api/custom-fields').send({ key: 'costcentre', label: 'Cost centre' });
    expect(recreated.status).toBe(409);
    expect(recreated.body.error).toEqual({
      code: 'custom_field_values_left',
      message: 'Users still hold values of an earlier custom field "costcentre" whose deletion did not finish. Finish it with DELETE /api/custom-fields/costcentre, then create the field again.',
    });

    const finished = await service.asAdmin().delete('/api/custom-fields/costcentre');
    expect(finished.status).toBe(200);
    expect(finished.body).toEqual({ key: 'costcentre', removedFromUsers: 2000 });
    expect(await holdersOf('costcentre')).toEqual([]);

    expect((await service.asAdmin().delete('/api/custom-fields/costcentre')).status).toBe(404);
    expect((await service.asAdmin().post('/api/custom-fields').send({ key: 'costcentre', label: 'Cost centre' })).status).toBe(201);
  });
});
