import { CustomFieldModel } from '../../shared/data/customFieldModel';
import { exportCsv, importCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { startWorkers } from '../../worker/workers';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

describe('groups', () => {
  test('When an admin creates a group, then it is listed and a second one with the same name is a 409', async () => {
    const created = await service.asAdmin().post('/api/groups').send({ name: 'Marketing' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: 'Marketing' });

    const again = await service.asAdmin().post('/api/groups').send({ name: 'Marketing' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('Marketing');

    const list = await service.asAdmin().get('/api/groups');
    expect(list.body.items).toEqual([created.body]);
  });

  test.each([
    [{}, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'a;b' }, ';'],
    [{ name: 'x'.repeat(101) }, '100'],
  ])('When the group %j is invalid, then it is a 400 that says what to fix', async (body, hint) => {
    const response = await service.asAdmin().post('/api/groups').send(body);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(hint);
  });

  test('When a group is deleted, then it disappears and deleting it again is a 404', async () => {
    const created = await service.asAdmin().post('/api/groups').send({ name: 'Operations' });
    expect((await service.asAdmin().delete(`/api/groups/${created.body.id}`)).status).toBe(204);
    expect((await service.asAdmin().delete(`/api/groups/${created.body.id}`)).status).toBe(404);
    const list = await service.asAdmin().get('/api/groups');
    expect(list.body.items.map((group: { name: string }) => group.name)).not.toContain('Operations');
  });
});

describe('custom fields', () => {
  test('When an admin defines custom fields, then they are listed in definition order', async () => {
    expect((await service.asAdmin().post('/api/custom-fields').send({ key: 'jobtitle', label: 'Job title' })).status).toBe(201);
    expect((await service.asAdmin().post('/api/custom-fields').send({ key: 'department', label: 'Department' })).status).toBe(201);
    const list = await service.asSupport().get('/api/custom-fields');
    expect(list.body.items).toEqual([
      { key: 'jobtitle', label: 'Job title' },
      { key: 'department', label: 'Department' },
    ]);
  });

  test('When a key or label already exists, then it is a 409', async () => {
    await service.asAdmin().post('/api/custom-fields').send({ key: 'region', label: 'Region' });
    expect((await service.asAdmin().post('/api/custom-fields').send({ key: 'region', label: 'Area' })).status).toBe(409);
    expect((await service.asAdmin().post('/api/custom-fields').send({ key: 'area', label: 'Region' })).status).toBe(409);
  });

  test('When a key or label would be read as a standard column, then it is a 400 naming that column', async () => {
    const response = await service.asAdmin().post('/api/custom-fields').send({ key: 'team', label: 'E-mail' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('Email column');
  });

  test('When the key is not a simple identifier, then it is a 400 that shows an example', async () => {
    const response = await service.asAdmin().post('/api/custom-fields').send({ key: 'Job Title', label: 'Job title' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('jobtitle');
  });

  test('When the key names an object internal (constructor), then it is a 400 that says it is reserved', async () => {
    const response = await service.asAdmin().post('/api/custom-fields').send({ key: 'constructor', label: 'Builder' });
    expect(response.status).toBe(400);
    expect(response.body.error).toEqual({ code: 'reserved_custom_field_key', message: '"constructor" is a reserved name: choose another key, e.g. "constructor_field".' });
    expect((await service.asAdmin().get('/api/custom-fields')).body.items.map((field: { key: string }) => field.key)).not.toContain('constructor');
  });

  test('When a field named constructor exists from before keys were checked, then imports without its column work and the export leaves it blank', async () => {
    await CustomFieldModel.create({ key: 'constructor', label: 'Constructor' });
    const workers = startWorkers(service.runtime);
    try {
      const job = await importCsv(service, 'Email,Username,First Name\nproto@example.com,proto,Pat\n');
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ created: 1, failed: 0 });
      const exported = (await exportCsv(service)).toString('utf8').split(/\r?\n/);
      const header = exported[0].replace(/^\uFEFF/, '').split(',');
      const proto = exported.find((line) => line.startsWith('proto@example.com'))?.split(',') ?? [];
      expect(proto[header.indexOf('Constructor')]).toBe('');
    } finally {
      await workers.close();
      await CustomFieldModel.deleteOne({ key: 'constructor' });
    }
  });
});
