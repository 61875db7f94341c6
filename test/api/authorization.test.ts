import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

describe('API keys and roles', () => {
  test('When a request to /api has no key, then it is refused with 401 and says how to send one', async () => {
    const response = await service.anonymous().get('/api/groups');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('missing_api_key');
    expect(response.body.error.message).toContain('Authorization: Bearer');
  });

  test('When the key is wrong, then it is refused with 401', async () => {
    const response = await service.anonymous().get('/api/groups').set('Authorization', 'Bearer not-a-real-key');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('invalid_api_key');
  });

  test('When a support key calls an admin-only route, then it is refused with 403 and nothing changes', async () => {
    const response = await service.asSupport().post('/api/groups').send({ name: 'Marketing' });
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('admin');
    const list = await service.asAdmin().get('/api/groups');
    expect(list.body.items).toEqual([]);
  });

  test('When a support key reads groups, then it is allowed', async () => {
    const response = await service.asSupport().get('/api/groups');
    expect(response.status).toBe(200);
  });

  test('When a route does not exist, then the answer is a JSON 404 without a stack trace', async () => {
    const response = await service.asAdmin().get('/api/nothing-here?x=1');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('route_not_found');
    // The path as it was sent, /api prefix included, without the query.
    expect(response.body.error.message).toBe('There is no GET /api/nothing-here. See /api/openapi.json.');
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  test('When the JSON body is malformed, then the answer is a 400 that says so', async () => {
    const response = await service.asAdmin().post('/api/groups').set('Content-Type', 'application/json').send('{"name":');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('malformed_body');
  });
});
