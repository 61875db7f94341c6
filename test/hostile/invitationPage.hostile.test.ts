/**
 * The invitation page is the one part of the service anyone on the internet can reach without a
 * key. Hostile cases: tampered, replayed, raced and expired links, hostile password posts,
 * markup in usernames, header injection through the e-mail cell, missing security headers, and
 * a flood of guesses. Each test speaks from its own client address (X-Forwarded-For, trusted
 * from loopback) so that the page's rate limit only meets the test that is about it.
 */
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { UserModel } from '../../shared/data/userModel';
import { InvitationModel } from '../../shared/data/invitationModel';
import { passwordMatches } from '../../shared/directory/passwordHashing';
import { linkOf } from '../invitations/invitationKit';
import { errorsCsv, importCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { expectEveryRowAccounted, expectNoLeak, expectRefusal, expectStillServing, reportedError, type JobView } from './hostileKit';

let smtp: SmtpCapture;
let service: TestService;
const tokens = new Map<string, string>();

const HEADER = 'Email,Username,First Name';
const INVITED = ['inv.xss', 'inv.tamper', 'inv.race', 'inv.expired', 'inv.hard'];

beforeAll(async () => {
  smtp = await startSmtpCapture();
  service = await startTestService(
    { SMTP_URL: smtp.url, INVITE_RETRY_BASE_MS: '50', INVITE_RATE_PER_SECOND: '1000', PUBLIC_URL: 'https://learn.example.com' },
    { worker: true },
  );
  const rows = INVITED.map((name) => (name === 'inv.xss' ? 'inv.xss@example.com,"<img src=x onerror=alert(1)>","<b>Bold</b>"' : `${name}@example.com,${name},${name}`));
  const job = await importCsv(service, `${HEADER}\n${rows.join('\n')}\n`, { sendInvitations: true });
  expect(job.counts).toMatchObject({ created: INVITED.length });
  await smtp.waitForMails(INVITED.length);
  for (const mail of smtp.mails) tokens.set(mail.envelopeTo[0].replace('@example.com', ''), linkOf(mail));
});
afterAll(async () => {
  await service.stop();
  await smtp.stop();
});

let clientNumber = 0;
/** A visitor from an address of its own: the rate limit counts per address. */
const visitor = () => {
  clientNumber += 1;
  const address = `198.51.100.${clientNumber}`;
  return {
    get: (path: string) => service.anonymous().get(path).set('X-Forwarded-For', address),
    post: (path: string) => service.anonymous().post(path).set('X-Forwarded-For', address),
  };
};
const token = (name: string) => tokens.get(name) as string;
const passwordHashOf = async (username: string) => (await UserModel.findOne({ usernameKey: username }).select('+passwordHash').lean())?.passwordHash;

describe('security headers of the pages (contract 6)', () => {
  test.each<[string, () => string]>([
    ['the admin page (GET /)', () => '/'],
    ['the invitation page of a usable link', () => `/invite/${token('inv.hard')}`],
    ['the invitation page of an unknown link', () => '/invite/not-a-real-invitation-token'],
  ])('When %s is served, then it forbids sniffing, inline script and style, and framing', async (_name, path) => {
    const response = await visitor().get(path());
    expect(response.type).toBe('text/html');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const csp = String(response.headers['content-security-policy'] ?? '');
    expect(csp).toMatch(/default-src|script-src/);
    expect(csp).not.toMatch(/unsafe-inline/);
    const framing = /frame-ancestors 'none'/.test(csp) || String(response.headers['x-frame-options'] ?? '').toUpperCase() === 'DENY';
    expect({ csp, xFrameOptions: response.headers['x-frame-options'], framingForbidden: framing }).toMatchObject({ framingForbidden: true });
  });
});

describe('markup and header injection through the directory', () => {
  test('When a username and first name hold HTML, then the invitation page and the HTML mail show them as text', async () => {
    const page = await visitor().get(`/invite/${token('inv.xss')}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain('<img src=x');
    const mail = smtp.mails.find((candidate) => candidate.envelopeTo[0] === 'inv.xss@example.com') as CapturedMail;
    expect(mail.parsed.html).toContain('&lt;b&gt;Bold&lt;/b&gt;');
    expect(mail.parsed.html).not.toMatch(/<img src=x|<b>Bold/);
  });

  test.each<[string, string]>([
    ['a CRLF and a Bcc header', '"crlf@example.com\r\nBcc: evil@evil.example"'],
    ['a display name before another address', '"Victim <attacker@evil.example>"'],
    ['a display name glued to another address', '"Victim<attacker@evil.example>"'],
  ])('When an e-mail cell holds %s, then the row fails naming Email and only the good row of the file is mailed', async (_name, cell) => {
    const before = smtp.mails.length;
    const good = `inj.good${before}`;
    const job = (await importCsv(service, `${HEADER}\n${cell},inj.bad${before},Bad\n${good}@example.com,${good},Good\n`, { sendInvitations: true })) as JobView;
    expect(job.status).toBe('completed_with_errors');
    expect(job.counts).toMatchObject({ created: 1, failed: 1 });
    expectEveryRowAccounted(job, 2);
    expect(reportedError(await errorsCsv(service, job.id), 1)).toMatch(/Email/i);
    await smtp.waitForMails(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.slice(before).flatMap((mail) => mail.envelopeTo)).toEqual([`${good}@example.com`]);
  });
});

describe('links that were tampered with, replayed, raced or have expired', () => {
  test.each<[string, () => string]>([
    ['one character changed', () => token('inv.tamper').slice(0, -1) + (token('inv.tamper').endsWith('A') ? 'B' : 'A')],
    ['cut short', () => token('inv.tamper').slice(0, 20)],
    ['one character added', () => `${token('inv.tamper')}x`],
    ['a path traversal to the API', () => '..%2F..%2Fapi%2Fme'],
    ['5,000 characters long', () => 'A'.repeat(5000)],
    ['the real token followed by an encoded NUL', () => `${token('inv.tamper')}%00`],
  ])('When the link token is %s, then GET and POST answer a 404 page that says to ask for a new invitation, and no password is set', async (_name, tampered) => {
    const client = visitor();
    const page = await client.get(`/invite/${tampered()}`);
    expect(page.status).toBe(404);
    expect(page.text).toContain('ask your administrator for a new invitation');
    expect(page.text).not.toContain('inv.tamper');
    expectNoLeak(page.text);
    const posted = await client.post(`/invite/${tampered()}`).type('form').send({ password: 'A-strong-password-1' });
    expect(posted.status).toBe(404);
    expectNoLeak(posted.text);
    expect(await passwordHashOf('inv.tamper')).toBeUndefined();
    expect((await client.get(`/invite/${token('inv.tamper')}`)).status).toBe(200);
  });

  test('When two password posts race on one link, then exactly one sets its password and the link is used up', async () => {
    const [first, second] = await Promise.all([
      visitor().post(`/invite/${token('inv.race')}`).send({ password: 'First-password-1' }),
      visitor().post(`/invite/${token('inv.race')}`).send({ password: 'Second-password-2' }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 410]);
    const loser = first.status === 410 ? first : second;
    expectRefusal(loser, { status: 410, code: 'invitation_used', hint: /already been used/ });
    const hash = await passwordHashOf('inv.race');
    const winner = first.status === 200 ? 'First-password-1' : 'Second-password-2';
    expect(await passwordMatches(hash, winner)).toBe(true);
    const replay = await visitor().post(`/invite/${token('inv.race')}`).type('form').send({ password: 'Third-password-3' });
    expect(replay.status).toBe(410);
    expect(replay.text).toContain('already been used');
    expect(await passwordMatches(await passwordHashOf('inv.race'), winner)).toBe(true);
  });

  test('When a link has expired, then GET and POST answer 410 saying to ask for a new one, and no password is set', async () => {
    const user = await UserModel.findOne({ usernameKey: 'inv.expired' }).lean();
    await InvitationModel.updateOne({ userId: user?._id }, { $set: { tokenExpiresAt: new Date(Date.now() - 1000) } });
    const client = visitor();
    const page = await client.get(`/invite/${token('inv.expired')}`);
    expect(page.status).toBe(410);
    expect(page.text).toContain('expired');
    const posted = await client.post(`/invite/${token('inv.expired')}`).type('form').send({ password: 'A-strong-password-1' });
    expect(posted.status).toBe(410);
    expectNoLeak(posted.text);
    expect(await passwordHashOf('inv.expired')).toBeUndefined();
  });
});

describe('hostile password posts leave the link usable', () => {
  const SECRET = 'Q7-secret-never-echoed';
  test.each<[string, number, (request: ReturnType<ReturnType<typeof visitor>['post']>) => ReturnType<ReturnType<typeof visitor>['post']>, RegExp | undefined]>([
    ['a 129-character password from the form', 400, (request) => request.type('form').send({ password: `${SECRET}${'x'.repeat(129 - SECRET.length)}` }), /at most 128 characters/],
    ['a 5 KB form body', 413, (request) => request.type('form').send({ password: `${SECRET}${'x'.repeat(5000)}` }), undefined],
    ['a password that is a MongoDB operator object', 400, (request) => request.send({ password: { $gt: '' } }), /password/i],
    ['the password field twice', 400, (request) => request.type('form').send(`password=${SECRET}-1&password=${SECRET}-2`), /password/i],
    ['a password with a line break in it', 400, (request) => request.type('form').send({ password: `${SECRET}\nsecond line` }), /line break/],
  ])('When the invited user posts %s, then it is refused (%i) without echoing it, and the link still works', async (_name, status, send, hint) => {
    const client = visitor();
    const response = await send(client.post(`/invite/${token('inv.hard')}`));
    expect(response.status).toBe(status);
    expect(response.text).not.toContain(SECRET);
    expectNoLeak(response.text);
    if (hint) expect(response.text).toMatch(hint);
    expect(await passwordHashOf('inv.hard')).toBeUndefined();
    expect((await client.get(`/invite/${token('inv.hard')}`)).status).toBe(200);
    await expectStillServing(service);
  });
});

describe('a flood of guesses', () => {
  test('When one address floods the page with guesses, then it is answered 429 with when to retry, and another address is still served', async () => {
    const flooder = visitor();
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await flooder.get(`/invite/guess-${i}`)).status);
    expect(statuses.slice(0, 30).every((status) => status === 404)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429, 429, 429, 429]);
    const limited = await flooder.get(`/invite/${token('inv.hard')}`);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after'] ?? limited.headers.ratelimit).toBeDefined();
    expectNoLeak(limited.text);
    expect((await visitor().get(`/invite/${token('inv.hard')}`)).status).toBe(200);
  });
});
