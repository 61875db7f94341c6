import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Response } from 'supertest';
import { ADMIN_KEY, startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.stop());

/** The CSP as a map of directive to its sources. */
function policyOf(response: Response): Map<string, string[]> {
  const header = String(response.headers['content-security-policy'] ?? '');
  return new Map(
    header
      .split(';')
      .map((directive) => directive.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...sources]) => [name, sources]),
  );
}

function expectPageHeaders(response: Response): void {
  expect(response.headers['x-content-type-options']).toBe('nosniff');
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(response.headers['referrer-policy']).toBe('no-referrer');
  const policy = policyOf(response);
  expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
  expect(policy.get('script-src')).toEqual(["'self'"]);
  expect(policy.get('style-src')).toEqual(["'self'"]);
  expect(policy.get('object-src')).toEqual(["'none'"]);
  expect(response.headers['content-security-policy']).not.toContain("'unsafe-inline'");
  expect(response.headers['content-security-policy']).not.toContain("'unsafe-eval'");
  // It would send the page's own requests to https on a plain-http deployment.
  expect(policy.has('upgrade-insecure-requests')).toBe(false);
}

describe('security headers on the HTML pages', () => {
  test.each(['/', '/index.html'])('When the admin page is fetched as %s, then it carries the strict policy and frame, sniffing and referrer headers', async (page) => {
    const response = await service.anonymous().get(page);
    expect(response.status).toBe(200);
    expect(response.type).toBe('text/html');
    expectPageHeaders(response);
  });

  test('When the admin page\'s scripts and stylesheet are fetched, then they carry the same headers', async () => {
    for (const asset of ['/app.js', '/js/dom.js', '/styles.css']) expectPageHeaders(await service.anonymous().get(asset));
  });

  test('When an invitation link is opened (here one that does not exist), then its page carries the strict policy and uses a served stylesheet', async () => {
    const response = await service.anonymous().get('/invite/no-such-token').set('Accept', 'text/html');
    expect(response.status).toBe(404);
    expect(response.type).toBe('text/html');
    expectPageHeaders(response);
    expect(response.text).not.toMatch(/<style|style=/i);
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(response.text)?.[1];
    expect(href).toBe('/invitation.css');
    const stylesheet = await service.anonymous().get(href as string);
    expect(stylesheet.status).toBe(200);
    expect(stylesheet.type).toBe('text/css');
    expect(stylesheet.text).toContain('.problem{');
  });

  test('When HSTS is sent, then it is helmet\'s default, which browsers ignore over plain http (RFC 6797 §8.1)', async () => {
    const response = await service.anonymous().get('/');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  test('When a JSON answer is sent, then it carries nosniff and keeps its content type and body', async () => {
    const response = await service.asAdmin().get('/api/me');
    expect(response.status).toBe(200);
    expect(response.type).toBe('application/json');
    expect(response.body).toEqual({ role: 'admin' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('the queue board\'s own policy', () => {
  test('When an admin opens the board, then its policy allows the inline styles and Google Fonts its bundle uses, but scripts stay same-origin only', async () => {
    const response = await service.anonymous().get('/admin/queues').set('Authorization', `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`);
    expect(response.status).toBe(200);
    const policy = policyOf(response);
    expect(policy.get('style-src')).toEqual(["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com']);
    expect(policy.get('font-src')).toEqual(["'self'", 'https://fonts.gstatic.com']);
    expect(policy.get('script-src')).toEqual(["'self'"]);
    expect(policy.get('frame-ancestors')).toEqual(["'none'"]);
    expect(response.headers['x-frame-options']).toBe('DENY');
  });
});

describe('the admin page\'s files need no inline code or style', () => {
  const publicDir = path.resolve(__dirname, '../../api/public');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? files(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));

  test('When the page and its scripts are read, then there is no inline script, <style>, style attribute, event-handler attribute or HTML string injection', () => {
    for (const file of files(publicDir).filter((name) => /\.(html|js)$/.test(name))) {
      const text = readFileSync(file, 'utf8');
      const name = path.relative(publicDir, file);
      expect({ name, inlineScript: /<script(?![^>]*\bsrc=)[^>]*>/i.test(text) }).toEqual({ name, inlineScript: false });
      expect({ name, styleElement: /<style/i.test(text) }).toEqual({ name, styleElement: false });
      expect({ name, styleAttribute: /\sstyle\s*=|setAttribute\(\s*['"]style/i.test(text) }).toEqual({ name, styleAttribute: false });
      expect({ name, handlerAttribute: /\son[a-z]+\s*=\s*["']/i.test(text) }).toEqual({ name, handlerAttribute: false });
      expect({ name, htmlStrings: /innerHTML|outerHTML|insertAdjacentHTML/.test(text) }).toEqual({ name, htmlStrings: false });
    }
  });
});
