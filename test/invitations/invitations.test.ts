import { Types } from 'mongoose';
import { InvitationModel } from '../../shared/data/invitationModel';
import { UserModel } from '../../shared/data/userModel';
import { passwordMatches } from '../../shared/directory/passwordHashing';
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { importCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let smtp: SmtpCapture;
let service: TestService;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  service = await startTestService(
    { SMTP_URL: smtp.url, INVITE_RETRY_BASE_MS: '50', INVITE_RATE_PER_SECOND: '1000', ORG_NAME: 'Acme Learning', PUBLIC_URL: 'https://learn.example.com' },
    { worker: true },
  );
});
afterAll(async () => {
  await service.stop();
  await smtp.stop();
});
beforeEach(() => {
  smtp.mails.length = 0;
});

const HEADER = 'Email,Username,First Name';
const linkOf = (mail: CapturedMail) => /https:\/\/learn\.example\.com\/invite\/([\w-]+)/.exec(mail.parsed.text ?? '')?.[1] as string;
const invitation = (username: string) => UserModel.findOne({ usernameKey: username }).lean().then((user) => InvitationModel.findOne({ userId: user?._id }).lean());

async function settled(id: string) {
  // The import ends before its mails are out: wait until every invitation has an outcome.
  for (;;) {
    const job = (await service.asAdmin().get(`/api/imports/${id}`)).body;
    const invitations = job.invitations;
    // The job's `invited` count is bumped right after an invitation is marked sent.
    if (invitations && invitations.queued === 0 && invitations.sent + invitations.failed >= job.counts.created && job.counts.invited >= invitations.sent) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('invitations to new users', () => {
  test('When an import creates users with invitations on, then only the new users get one mail each, with both parts', async () => {
    await importCsv(service, `${HEADER}\nold@example.com,old,Old\n`);
    const job = await importCsv(service, `${HEADER}\nold@example.com,old,Old\nnew1@example.com,new1,Nina\nnew2@example.com,new2,\n`, { sendInvitations: true });
    expect(job.counts).toMatchObject({ created: 2, unchanged: 1 });
    const report = await settled(job.id);
    expect(report.counts.invited).toBe(2);
    expect(report.invitations).toMatchObject({ sent: 2, failed: 0, queued: 0 });

    expect(smtp.mails.map((mail) => mail.envelopeTo[0]).sort()).toEqual(['new1@example.com', 'new2@example.com']);
    const nina = smtp.mails.find((mail) => mail.envelopeTo[0] === 'new1@example.com') as CapturedMail;
    expect(nina.parsed.subject).toBe('You are invited to Acme Learning');
    expect(nina.parsed.text).toContain('Hello Nina,');
    expect(nina.parsed.text).toContain('https://learn.example.com/invite/');
    expect(nina.parsed.html).toContain('Acme Learning');
    expect(nina.parsed.html).toContain(`href="https://learn.example.com/invite/${linkOf(nina)}"`);
    expect((await invitation('new1'))?.tokenHash).not.toBe(linkOf(nina));
  });

  test('When an import is re-run, or a dry run asks for invitations, then nobody is invited again', async () => {
    const job = await importCsv(service, `${HEADER}\nrerun@example.com,rerun,Re\n`, { sendInvitations: true });
    await settled(job.id);
    const retry = await service.asAdmin().post(`/api/imports/${job.id}/retry`);
    await waitForImport(service, retry.body.id);
    await importCsv(service, `${HEADER}\ndry@example.com,dry,Dry\n`, { sendInvitations: true, dryRun: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.map((mail) => mail.envelopeTo[0])).toEqual(['rerun@example.com']);
  });

  test('When the SMTP peer answers 4xx, then the invitation is retried and then sent', async () => {
    smtp.failNextRecipients(2, 451, 'Greylisted, try again later');
    const job = await importCsv(service, `${HEADER}\ngrey@example.com,grey,Grey\n`, { sendInvitations: true });
    const report = await settled(job.id);
    expect(report.invitations).toMatchObject({ sent: 1, failed: 0 });
    expect(smtp.mails).toHaveLength(1);
    expect((await invitation('grey'))?.attempts).toBe(3);
  });

  test('When the SMTP peer answers 5xx, then the invitation is failed at once, with the reason in the job report', async () => {
    smtp.failNextRecipients(1, 550, 'Mailbox does not exist');
    const job = await importCsv(service, `${HEADER}\nnobody@example.com,nobody,No\n`, { sendInvitations: true });
    const report = await settled(job.id);
    expect(report.invitations.failed).toBe(1);
    expect(report.invitations.failures[0]).toMatchObject({ email: 'nobody@example.com', error: expect.stringContaining('550') });
    expect(report.counts.invited).toBe(0);
    expect((await invitation('nobody'))?.attempts).toBe(1);
    expect(smtp.mails).toHaveLength(0);
  });

  test('When the link is used, then it sets the password once and is refused after that', async () => {
    const job = await importCsv(service, `${HEADER}\nlink@example.com,link,Lin\n`, { sendInvitations: true });
    await settled(job.id);
    const token = linkOf(smtp.mails[0]);

    const pageResponse = await service.anonymous().get(`/invite/${token}`);
    expect(pageResponse.status).toBe(200);
    expect(pageResponse.text).toContain('<label for="password">');

    const weak = await service.anonymous().post(`/invite/${token}`).type('form').send({ password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.text).toContain('at least 8 characters');

    const accepted = await service.anonymous().post(`/invite/${token}`).send({ password: 'A-good-password-1' });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ status: 'password_set' });
    const user = await UserModel.findOne({ usernameKey: 'link' }).select('+passwordHash').lean();
    expect(await passwordMatches(user?.passwordHash, 'A-good-password-1')).toBe(true);

    const again = await service.anonymous().post(`/invite/${token}`).type('form').send({ password: 'Another-password-2' });
    expect(again.status).toBe(410);
    expect(again.text).toContain('already been used');
    expect((await service.anonymous().get(`/invite/${token}`)).status).toBe(410);
  });

  test('When the link has expired, then it is refused with a page that says to ask for a new one', async () => {
    const job = await importCsv(service, `${HEADER}\nlate@example.com,late,Late\n`, { sendInvitations: true });
    await settled(job.id);
    const token = linkOf(smtp.mails[0]);
    const user = await UserModel.findOne({ usernameKey: 'late' }).lean();
    await InvitationModel.updateOne({ userId: user?._id }, { $set: { tokenExpiresAt: new Date(Date.now() - 1000) } });

    const response = await service.anonymous().post(`/invite/${token}`).type('form').send({ password: 'A-good-password-1' });
    expect(response.status).toBe(410);
    expect(response.type).toBe('text/html');
    expect(response.text).toContain('expired');
    expect(response.text).not.toMatch(/at .*\.ts:\d+/);
  });

  test('When an admin re-sends an invitation, then a fresh link arrives and the old one stops working', async () => {
    const job = await importCsv(service, `${HEADER}\nagain@example.com,again,Ag\n`, { sendInvitations: true });
    await settled(job.id);
    const oldToken = linkOf(smtp.mails[0]);
    const user = await UserModel.findOne({ usernameKey: 'again' }).lean();

    expect((await service.asSupport().post(`/api/users/${user?._id}/invite`)).status).toBe(403);
    const resend = await service.asAdmin().post(`/api/users/${user?._id}/invite`);
    expect(resend.status).toBe(202);
    await smtp.waitForMails(2);
    const newToken = linkOf(smtp.mails[1]);
    expect(newToken).not.toBe(oldToken);
    // The old link says it was replaced, not that it was mistyped: the page and a form post alike.
    const superseded = await service.anonymous().get(`/invite/${oldToken}`);
    expect(superseded.status).toBe(410);
    expect(superseded.text).toContain('This invitation link was replaced: a newer invitation was sent to this address.');
    const posted = await service.anonymous().post(`/invite/${oldToken}`).send({ password: 'A-good-password-1' });
    expect(posted.status).toBe(410);
    expect(posted.body.error).toMatchObject({ code: 'invitation_superseded' });
    expect((await service.anonymous().get(`/invite/${newToken}`)).status).toBe(200);
    const unknown = await service.asAdmin().post('/api/users/65a000000000000000000000/invite');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
  });

  test('When an admin re-sends by e-mail address or by username in any case, then that user gets a new invitation; a name nobody has, or an address two users share, says what to do', async () => {
    const job = await importCsv(service, `${HEADER}
bymail@example.com,bymail,By
Shared1@example.com,shared1,
shared@example.com,shared2,
shared@example.com,shared3,
`, { sendInvitations: true });
    await settled(job.id);
    smtp.mails.length = 0;

    const byMail = await service.asAdmin().post('/api/users/bymail@example.com/invite').expect(202);
    expect(byMail.body).toMatchObject({ username: 'bymail', email: 'bymail@example.com', status: 'queued' });
    await service.asAdmin().post(`/api/users/${encodeURIComponent('SHARED1')}/invite`).expect(202);
    await smtp.waitForMails(2);
    expect(smtp.mails.map((mail) => mail.envelopeTo[0]).sort()).toEqual(['Shared1@example.com', 'bymail@example.com']);
    expect(await invitation('bymail')).toMatchObject({ version: 2, status: 'sent' });

    const ambiguous = await service.asAdmin().post('/api/users/shared@example.com/invite');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error).toMatchObject({ code: 'ambiguous_email', message: expect.stringContaining('name the user by username instead') });
    const nobody = await service.asAdmin().post('/api/users/no-such-user@example.org/invite');
    expect(nobody.status).toBe(404);
    expect(nobody.body.error.message).toBe('User "no-such-user@example.org" was not found: no user has that username or e-mail address. Check the spelling, or look the user up in an export.');
  });

  test('When invitations are still waiting, then the import report says about how long they will take at the pace the sent ones went out', async () => {
    const job = await importCsv(service, `${HEADER}
eta@example.com,eta,
`, { sendInvitations: true });
    await settled(job.id);
    // Eleven mails over ten seconds and fifty still to go: a mail a second, so about fifty seconds.
    const start = Date.now() - 60_000;
    const records = [
      ...Array.from({ length: 11 }, (_, i) => ({ status: 'sent', sentAt: new Date(start + i * 1000) })),
      ...Array.from({ length: 50 }, () => ({ status: 'queued', sentAt: null })),
    ].map((state) => ({ ...state, userId: new Types.ObjectId(), importId: new Types.ObjectId(job.id), version: 1 }));
    await InvitationModel.insertMany(records);
    const report = (await service.asAdmin().get(`/api/imports/${job.id}`)).body;
    expect(report.invitations).toMatchObject({ sent: 12, queued: 50, etaSeconds: expect.any(Number) });
    // The import's own invitation went out just now, stretching the span: the pace is slower than a mail a second.
    expect(report.invitations.etaSeconds).toBeGreaterThanOrEqual(50);
    await InvitationModel.deleteMany({ importId: job.id, status: 'queued' });
    expect((await service.asAdmin().get(`/api/imports/${job.id}`)).body.invitations.etaSeconds).toBe(0);
  });

  test('When a re-send job of an older version reaches the worker after a newer one, then it completes without sending anything', async () => {
    const job = await importCsv(service, `${HEADER}\nstale@example.com,stale,St\n`, { sendInvitations: true });
    await settled(job.id);
    const user = await UserModel.findOne({ usernameKey: 'stale' }).lean();
    await service.asAdmin().post(`/api/users/${user?._id}/invite`);
    await smtp.waitForMails(2);
    const newToken = linkOf(smtp.mails[1]);

    const queue = service.runtime.invitationQueue;
    const stale = await queue.add('resend', { userId: String(user?._id), reason: 'resend', version: 1 }, { jobId: `stale-${user?._id}` });
    while ((await stale.getState()) !== 'completed') await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.mails).toHaveLength(2);
    expect(await invitation('stale')).toMatchObject({ version: 2, status: 'sent' });
    expect((await service.anonymous().get(`/invite/${newToken}`)).status).toBe(200);
  });

  test('When someone hammers the invitation page, then they are rate-limited', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 35; i++) statuses.push((await service.anonymous().get(`/invite/guess-${i}`)).status);
    expect(statuses.slice(0, 5)).toEqual([404, 404, 404, 404, 404]);
    expect(statuses).toContain(429);
  });
});
