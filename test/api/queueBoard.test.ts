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

  test('When a browser opens it without a key or session, then behind the password prompt is a page saying the way in', async () => {
    const response = await service.anonymous().get('/admin/queues').set('Accept', 'text/html,application/xhtml+xml');
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(response.type).toBe('text/html');
    expect(response.text).toContain('sign in with an admin API key, and follow its <strong>Queues (Bull Board)</strong> link');
  });

  test('When the admin page signs in with an admin key, then its board session opens the board with no prompt, until it is signed out', async () => {
    const session = await service.asAdmin().post('/api/queue-board/session');
    expect(session.status).toBe(204);
    const cookie = String(session.headers['set-cookie']);
    expect(cookie).toMatch(/^queue_board=\d+\.[\w-]{43}; Path=\/admin\/queues; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    const value = /^queue_board=([^;]+)/.exec(cookie)![1];

    const page = await service.anonymous().get('/admin/queues').set('Accept', 'text/html').set('Cookie', `queue_board=${value}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root">');
    const queues = await service.anonymous().get('/admin/queues/api/queues').set('Cookie', `other=1; queue_board=${value}`);
    expect(queues.status).toBe(200);

    const signedOut = await service.asAdmin().delete('/api/queue-board/session');
    expect(String(signedOut.headers['set-cookie'])).toMatch(/^queue_board=; Path=\/admin\/queues; Max-Age=0;/);
  });

  test.each([
    ['a forged signature', () => `${Math.floor(Date.now() / 1000) + 3600}.${'A'.repeat(43)}`],
    ['an expired session', () => `${Math.floor(Date.now() / 1000) - 1}.${'A'.repeat(43)}`],
    ['garbage', () => 'x'],
  ])('When the board session cookie is %s, then it opens nothing', async (_, value) => {
    expect((await service.anonymous().get('/admin/queues/api/queues').set('Cookie', `queue_board=${value()}`)).status).toBe(401);
  });

  test('When a support key asks for a board session, then it is refused (403)', async () => {
    expect((await service.asSupport().post('/api/queue-board/session')).status).toBe(403);
  });
});
