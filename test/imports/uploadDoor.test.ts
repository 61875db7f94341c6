import { ImportModel } from '../../shared/data/importModel';
import { expectNothingKept, uploadCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  // No worker: a refused upload must not even reach the queue.
  service = await startTestService({ MAX_UPLOAD_MB: '1' });
});
afterAll(() => service.stop());

describe('the door check of an upload', () => {
  test.each([
    ['a damaged Excel workbook (zip magic bytes only)', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), 422, 'unreadable_workbook', 'save it again'],
    ['a binary file', Buffer.from([0x00, 0x01, 0x02, 0x03, 0x45, 0x6d]), 415, 'not_csv', 'Save As'],
    ['an empty file', Buffer.alloc(0), 400, 'empty_file', 'empty'],
    ['a header without rows', Buffer.from('Email,Username\r\n'), 400, 'no_rows', 'no users'],
    ['a file without an email column', Buffer.from('Username,First Name\nann,Ann\n'), 400, 'invalid_columns', 'Email'],
    ['a file with an unknown column', Buffer.from('Email,Shoe size\nann@example.com,42\n'), 400, 'invalid_columns', 'Shoe size'],
    ['a file with a duplicated column', Buffer.from('Email,First Name,first_name\nann@example.com,Ann,Ann\n'), 400, 'invalid_columns', 'first_name'],
  ])('When the upload is %s, then it is refused with %i, says what to do, and nothing is kept or queued', async (_name, bytes, status, code, hint) => {
    const response = await uploadCsv(service, bytes);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.message).toContain(hint);
    await expectNothingKept(service);
  });

  test('When columns are unknown, then the refusal lists the accepted columns', async () => {
    const response = await uploadCsv(service, 'Email,Shoe size\nann@example.com,42\n');
    expect(response.body.error.details.acceptedColumns).toEqual(expect.arrayContaining(['Email', 'Username', 'First Name', 'External ID']));
  });

  test('When a setting is not one of its values, then it is a 400 naming it and nothing is kept', async () => {
    const response = await uploadCsv(service, 'Email\nann@example.com\n', { groupsMode: 'merge' as 'add' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('groupsMode');
    await expectNothingKept(service);
  });

  test('When the file is larger than MAX_UPLOAD_MB, then it is a 413 and nothing is kept', async () => {
    const row = 'someone@example.com,someone,Some,One\n';
    const big = Buffer.from(`Email,Username,First Name,Last Name\n${row.repeat(Math.ceil((1.5 * 1024 * 1024) / row.length))}`);
    const response = await uploadCsv(service, big);
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('file_too_large');
    await expectNothingKept(service);
  });

  test('When the body is not multipart, then it is a 415 that says how to send the file', async () => {
    const response = await service.asAdmin().post('/api/imports').send({ file: 'Email\nann@example.com' });
    expect(response.status).toBe(415);
    expect(response.body.error.message).toContain('multipart/form-data');
  });

  test('When the multipart body has no file, then it is a 400 naming the field', async () => {
    const response = await service.asAdmin().post('/api/imports').field('dryRun', 'true');
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain('"file"');
  });

  test('When a good file is uploaded, then the answer is 202 with the queued job and its Location', async () => {
    const response = await uploadCsv(service, '\uFEFFEmail;Username\r\nann@example.com;ann\r\n', { dryRun: true });
    expect(response.status).toBe(202);
    expect(response.headers.location).toBe(`/api/imports/${response.body.id}`);
    expect(response.body).toMatchObject({ status: 'queued', fileName: 'users.csv', settings: { dryRun: true, groupsMode: 'add', rolesMode: 'add', sendInvitations: false } });
    const job = await ImportModel.findById(response.body.id).lean();
    expect(job).toMatchObject({ encoding: 'utf8', delimiter: ';', headers: ['Email', 'Username'] });
    expect(await service.runtime.importQueue.getJob(response.body.id)).toBeDefined();
  });
});
