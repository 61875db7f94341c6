import { ADMIN_KEY, SUPPORT_KEY, startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

const basic = (key: string) => `Basic ${Buffer.from(`anyone:${key}`).toString('base64')}`;

describe('Bull Board at /admin/queues', () => {
  test('When a browser opens it without a key, then it is asked for one (401 with a Basic challenge)', async () => {
    const response = await service.anonymous().get('/admin/queues');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Basic realm=/);
  });

  test('When a support key is given, then it is refused with 403', async () => {
    expect((await service.anonymous().get('/admin/queues').set('Authorization', basic(SUPPORT_KEY))).status).toBe(403);
  });

  test('When an admin key is given as Basic password or as Bearer, then the board and its queues are served', async () => {
    const page = await service.anonymous().get('/admin/queues').set('Authorization', basic(ADMIN_KEY));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root">');
    const queues = await service.asAdmin().get('/admin/queues/api/queues');
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((queue: { name: string }) => queue.name).sort()).toEqual(['imports', 'invitations']);
  });
});
