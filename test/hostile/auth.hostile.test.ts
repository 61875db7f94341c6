/**
 * API keys and roles under attack: keys in the wrong place or shape, a support key reaching for
 * admin routes, the queue board, and jobs poked by id (unknown, ended, still running). No worker
 * runs: an accepted upload stays queued, which is what "a running job" needs here.
 */
import { ImportModel } from '../../shared/data/importModel';
import { uploadCsv } from '../support/importHelpers';
import { ADMIN_KEY, SUPPORT_KEY, startTestService, type TestService } from '../support/testService';
import { expectNothingQueued, expectRefusal, expectRefusedUpload, expectStillServing, GOOD_CSV, queueSnapshot } from './hostileKit';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

type Request = ReturnType<ReturnType<TestService['anonymous']>['get']>;
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('API keys in the wrong place or shape are refused with 401', () => {
  test.each<[string, (request: Request) => Request, string]>([
    ['the admin key in the query string (?api_key=)', (request) => request, 'missing_api_key'],
    ['the admin key as HTTP Basic password on /api', (request) => request.set('Authorization', basic('admin', ADMIN_KEY)), 'missing_api_key'],
    ['the admin key in a cookie', (request) => request.set('Cookie', `apiKey=${ADMIN_KEY}`), 'missing_api_key'],
    ['the admin key in an X-Api-Key header', (request) => request.set('X-Api-Key', ADMIN_KEY), 'missing_api_key'],
    ['"Token <key>" instead of "Bearer <key>"', (request) => request.set('Authorization', `Token ${ADMIN_KEY}`), 'missing_api_key'],
    ['"Bearer" with nothing after it', (request) => request.set('Authorization', 'Bearer '), 'missing_api_key'],
    ['the admin key with one character more', (request) => request.set('Authorization', `Bearer ${ADMIN_KEY}x`), 'invalid_api_key'],
    ['a prefix of the admin key', (request) => request.set('Authorization', `Bearer ${ADMIN_KEY.slice(0, 8)}`), 'invalid_api_key'],
    ['the admin key in upper case', (request) => request.set('Authorization', `Bearer ${ADMIN_KEY.toUpperCase()}`), 'invalid_api_key'],
    ['two keys in one header, comma-separated', (request) => request.set('Authorization', `Bearer ${SUPPORT_KEY}, Bearer ${ADMIN_KEY}`), 'invalid_api_key'],
    ['two keys in one header, space-separated', (request) => request.set('Authorization', `Bearer ${SUPPORT_KEY} ${ADMIN_KEY}`), 'invalid_api_key'],
  ])('When a request presents %s, then it is a 401 that says how to send a key', async (_name, decorate, code) => {
    const request = service.anonymous().get(`/api/imports?api_key=${ADMIN_KEY}&access_token=${ADMIN_KEY}`);
    const response = await decorate(request);
    expectRefusal(response, { status: 401, code, hint: /Authorization: Bearer|not valid/ });
    await expectStillServing(service);
  });

  test.each([
    ['lower-case "bearer"', `bearer ${ADMIN_KEY}`],
    ['upper-case "BEARER" with extra spaces around the key', `BEARER    ${ADMIN_KEY}   `],
    ['a tab between "Bearer" and the key', `Bearer\t${ADMIN_KEY}`],
  ])('When the Authorization header uses %s, then the key is still recognised', async (_name, header) => {
    const response = await service.anonymous().get('/api/me').set('Authorization', header);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ role: 'admin' });
  });
});

describe('a support key reaching for admin routes is refused with 403', () => {
  test('When a support key uploads a file, then it is a 403 naming the role and nothing is queued', async () => {
    const before = await queueSnapshot(service);
    const response = await service.asSupport().post('/api/imports').attach('file', Buffer.from(GOOD_CSV), { filename: 'users.csv', contentType: 'text/csv' });
    await expectRefusedUpload(service, response, { status: 403, code: 'forbidden', hint: /admin role/ }, before);
  });

  test('When a support key claims the admin role in made-up headers, then it is still a 403 and nothing is queued', async () => {
    const before = await queueSnapshot(service);
    const response = await service
      .asSupport()
      .post('/api/imports')
      .set('X-Api-Role', 'admin')
      .set('X-Role', 'admin')
      .set('X-Forwarded-User', 'admin')
      .field('role', 'admin')
      .attach('file', Buffer.from(GOOD_CSV), { filename: 'users.csv', contentType: 'text/csv' });
    await expectRefusedUpload(service, response, { status: 403, code: 'forbidden', hint: /admin role/ }, before);
  });

  test.each<[string, string, object | undefined]>([
    ['get', '/api/users/export.csv', undefined],
    ['post', '/api/groups', { name: 'Support made this' }],
    ['delete', '/api/groups/65a000000000000000000000', undefined],
    ['post', '/api/custom-fields', { key: 'supportfield', label: 'Support field' }],
    ['delete', '/api/custom-fields/supportfield', undefined],
    ['post', '/api/users/65a000000000000000000000/invite', undefined],
  ])('When a support key calls %s %s, then it is a 403 and nothing changes', async (method, path, body) => {
    const agent = service.asSupport();
    const request = method === 'get' ? agent.get(path) : method === 'delete' ? agent.delete(path) : agent.post(path);
    const response = await (body ? request.send(body) : request);
    expectRefusal(response, { status: 403, code: 'forbidden', hint: /admin role/ });
    expect((await service.asAdmin().get('/api/groups')).body.items).toEqual([]);
    expect((await service.asAdmin().get('/api/custom-fields')).body.items).toEqual([]);
  });

  test.each<[string, number, string | undefined]>([
    ['no credentials', 401, undefined],
    ['the support key as Basic password', 403, basic('anyone', SUPPORT_KEY)],
    ['a wrong key as Basic password', 401, basic('admin', 'wrong-key-123')],
    ['a Basic header that is not base64', 401, 'Basic %%%not-base64%%%'],
  ])('When the queue board is opened with %s, then it is refused (%i)', async (_name, status, header) => {
    const request = service.anonymous().get('/admin/queues/api/queues');
    const response = await (header ? request.set('Authorization', header) : request);
    expectRefusal(response, { status });
    await expectStillServing(service);
  });
});

describe('jobs poked by id', () => {
  let queuedId: string;
  let cancelledId: string;
  beforeAll(async () => {
    const first = await uploadCsv(service, GOOD_CSV);
    const second = await uploadCsv(service, GOOD_CSV);
    expect([first.status, second.status]).toEqual([202, 202]);
    queuedId = first.body.id;
    cancelledId = second.body.id;
    expect((await service.asAdmin().post(`/api/imports/${cancelledId}/cancel`)).body.status).toBe('cancelled');
  });

  test.each<[string, string, number, string]>([
    ['cancels an import that does not exist', '/api/imports/65a000000000000000000000/cancel', 404, 'not_found'],
    ['retries an import that does not exist', '/api/imports/65a000000000000000000000/retry', 404, 'not_found'],
    ['asks errors.csv of an import that does not exist', '/api/imports/65a000000000000000000000/errors.csv', 404, 'not_found'],
  ])('When a support key %s, then it is a 404 and nothing is queued', async (_name, path, status, code) => {
    const before = await queueSnapshot(service);
    const response = path.endsWith('errors.csv') ? await service.asSupport().get(path) : await service.asSupport().post(path);
    expectRefusal(response, { status, code });
    await expectNothingQueued(service, before);
  });

  test('When a running import is retried, then it is a 409 that says to wait or cancel, and nothing is queued', async () => {
    await ImportModel.updateOne({ _id: queuedId }, { $set: { status: 'running', startedAt: new Date() } });
    const before = await queueSnapshot(service);
    const response = await service.asSupport().post(`/api/imports/${queuedId}/retry`).send({ only: 'failed' });
    expectRefusal(response, { status: 409, code: 'import_not_finished', hint: /Wait .*cancel/ });
    await expectNothingQueued(service, before);
  });

  test('When an ended import is cancelled again, then it is a 409 that says it has ended', async () => {
    const response = await service.asSupport().post(`/api/imports/${cancelledId}/cancel`);
    expectRefusal(response, { status: 409, code: 'import_finished', hint: /already ended/ });
  });

  test('When only the failed rows of an import without failures are retried, then it is a 409 and nothing is queued', async () => {
    const before = await queueSnapshot(service);
    const response = await service.asSupport().post(`/api/imports/${cancelledId}/retry`).send({ only: 'failed' });
    expectRefusal(response, { status: 409, code: 'no_failed_rows', hint: /no failed rows/ });
    await expectNothingQueued(service, before);
  });

  // curl -d '{"only":"failed"}' without -H 'Content-Type: application/json' sends form data: the
  // server must not read that as "no body" and re-run the whole file instead of the failed rows.
  test.each<[string, string]>([
    ['form data (curl -d without a Content-Type)', 'application/x-www-form-urlencoded'],
    ['text/plain', 'text/plain'],
  ])('When a retry asks for the failed rows in a body sent as %s, then it is refused or honoured, never turned into a whole-file re-run', async (_name, contentType) => {
    const before = await queueSnapshot(service);
    const response = await service.asSupport().post(`/api/imports/${cancelledId}/retry`).set('Content-Type', contentType).send('{"only":"failed"}');
    expect({ status: response.status, onlyFailedRows: response.body.onlyFailedRows }).not.toEqual({ status: 202, onlyFailedRows: false });
    expectRefusal(response, { status: response.status === 409 ? 409 : 415 });
    await expectNothingQueued(service, before);
  });

  test('When a support key asks to re-run a whole file, then it is a 403 that says what support may do, and nothing is queued; an admin may, and the new job says who asked', async () => {
    const before = await queueSnapshot(service);
    const refused = await service.asSupport().post(`/api/imports/${cancelledId}/retry`);
    expectRefusal(refused, { status: 403, code: 'rerun_needs_admin', hint: /retry the failed rows .* or upload corrected rows/ });
    await expectNothingQueued(service, before);

    const response = await service.asAdmin().post(`/api/imports/${cancelledId}/retry`);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'queued', retryOf: cancelledId, requestedBy: 'admin' });
  });
});
