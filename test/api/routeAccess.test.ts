import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

const someId = '65a000000000000000000000';
type Method = 'get' | 'post' | 'delete';
const ROUTES: Array<[Method, string, 'admin' | 'support']> = [
  ['post', '/api/imports', 'admin'],
  ['get', '/api/imports', 'support'],
  ['get', `/api/imports/${someId}`, 'support'],
  ['get', `/api/imports/${someId}/errors.csv`, 'support'],
  ['get', `/api/imports/${someId}/errors.xlsx`, 'support'],
  ['post', `/api/imports/${someId}/retry`, 'support'],
  ['post', `/api/imports/${someId}/cancel`, 'support'],
  ['post', `/api/imports/${someId}/undo`, 'admin'],
  ['get', `/api/imports/${someId}/changes`, 'support'],
  ['get', `/api/imports/${someId}/changes.csv`, 'support'],
  ['post', `/api/imports/${someId}/run`, 'admin'],
  ['get', '/api/users/export.csv', 'admin'],
  ['get', '/api/users/export.xlsx', 'admin'],
  ['get', '/api/groups', 'support'],
  ['post', '/api/groups', 'admin'],
  ['delete', `/api/groups/${someId}`, 'admin'],
  ['get', '/api/custom-fields', 'support'],
  ['post', '/api/custom-fields', 'admin'],
  ['delete', '/api/custom-fields/jobtitle', 'admin'],
  ['post', `/api/users/${someId}/invite`, 'admin'],
  ['get', '/api/me', 'support'],
  ['post', '/api/queue-board/session', 'admin'],
  ['delete', '/api/queue-board/session', 'support'],
];

describe('who may call what', () => {
  test.each(ROUTES)('%s %s without a key is 401', async (method, path) => {
    expect((await service.anonymous()[method](path)).status).toBe(401);
  });

  test.each(ROUTES.filter(([, , role]) => role === 'admin'))('%s %s with a support key is 403', async (method, path) => {
    const response = await service.asSupport()[method](path);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
  });

  test.each(ROUTES.filter(([, , role]) => role === 'support'))('%s %s with a support key passes the role check', async (method, path) => {
    const response = await service.asSupport()[method](path);
    expect([200, 201, 202, 204, 400, 404, 409]).toContain(response.status);
  });
});

describe('who am I', () => {
  test('When a key asks /api/me, then it learns its role', async () => {
    expect((await service.asAdmin().get('/api/me')).body).toEqual({ role: 'admin' });
    expect((await service.asSupport().get('/api/me')).body).toEqual({ role: 'support' });
  });
});

describe('the OpenAPI document', () => {
  test('When any key asks for /api/openapi.json, then it describes every route of the API', async () => {
    const response = await service.asSupport().get('/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const documented = Object.keys(response.body.paths).map((route) => route.replace('{id}', someId).replace('{user}', someId).replace('{key}', 'jobtitle'));
    for (const [, route] of ROUTES) expect(documented).toContain(route);
  });
});
