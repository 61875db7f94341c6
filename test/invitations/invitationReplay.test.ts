import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { UserModel } from '../../shared/data/userModel';
import { ImportModel } from '../../shared/data/importModel';
import { InvitationModel } from '../../shared/data/invitationModel';
import { createMailTransport, type MailTransport } from '../../shared/invitations/mailTransport';
import { queueImportInvitations } from '../../shared/invitations/queueInvitations';
import { sendInvitation } from '../../shared/invitations/sendInvitation';
import { enqueueInvitationsOn, type InvitationJobPayload } from '../../shared/queues/queues';
import { startTestService, type TestService } from '../support/testService';
import { HEADER, PUBLIC_URL, importWithInvitations, invitationOf, linkOf, sleep } from './invitationKit';

let smtp: SmtpCapture;
let service: TestService;
let transport: MailTransport;
beforeAll(async () => {
  smtp = await startSmtpCapture();
  // No invitation worker: each test sends by hand, as a worker would, and as a replay would.
  service = await startTestService({ SMTP_URL: smtp.url, PUBLIC_URL, ORG_NAME: 'Acme Learning' });
  transport = createMailTransport(smtp.url);
});
afterAll(async () => {
  transport.close();
  await service.stop();
  await smtp.stop();
});
beforeEach(() => {
  smtp.mails.length = 0;
});

const context = (overrides: { transport?: MailTransport } = {}) => ({ config: service.config, transport, isLastAttempt: false, ...overrides });

async function invitedUser(username: string) {
  const job = await importWithInvitations(service, `${HEADER}\n${username}@example.com,${username},${username}\n`);
  const invitation = await invitationOf(username);
  const payload: InvitationJobPayload = { userId: String(invitation?.userId), importId: job.id, reason: 'import', version: 1 };
  return { job, invitation: invitation!, payload };
}

/** Hands the mail to the relay, which accepts it, and then never returns: the worker died there. */
function dyingAfterRelayAccepts(): MailTransport {
  return { sendMail: async (mail: object) => transport.sendMail(mail).then(() => new Promise(() => undefined)) } as unknown as MailTransport;
}

describe('an invitation sent again', () => {
  test('When the worker dies between the relay accepting the mail and recording it, then the replay sends the same mail (Message-ID, link, text), the link works, and the user is counted once', async () => {
    const { job, invitation, payload } = await invitedUser('replayed');

    void sendInvitation(payload, context({ transport: dyingAfterRelayAccepts() }));
    await smtp.waitForMails(1);
    expect((await InvitationModel.findById(invitation._id).lean())?.status).toBe('queued');

    expect(await sendInvitation(payload, context())).toMatchObject({ kind: 'sent' });
    await smtp.waitForMails(2);
    const [first, replay] = smtp.mails;
    expect(first.parsed.messageId).toBe(`<invitation-${invitation._id}-v1@learn.example.com>`);
    expect(replay.parsed.messageId).toBe(first.parsed.messageId);
    expect(linkOf(replay)).toBe(linkOf(first));
    expect(replay.parsed.text).toBe(first.parsed.text);
    expect(replay.parsed.html).toBe(first.parsed.html);

    expect((await ImportModel.findById(job.id).lean())?.counts?.invited).toBe(1);
    expect((await service.anonymous().get(`/invite/${linkOf(first)}`)).status).toBe(200);
    const accepted = await service.anonymous().post(`/invite/${linkOf(first)}`).send({ password: 'A-good-password-1' });
    expect(accepted.body).toEqual({ status: 'password_set' });
  });

  test('When a job is replayed after its version was recorded sent, then it sends nothing and counts nothing', async () => {
    const { job, payload } = await invitedUser('recorded');
    expect(await sendInvitation(payload, context())).toMatchObject({ kind: 'sent' });
    expect(await sendInvitation(payload, context())).toEqual({ kind: 'skipped', why: 'already sent' });
    await sleep(200);
    expect(smtp.mails).toHaveLength(1);
    expect((await ImportModel.findById(job.id).lean())?.counts?.invited).toBe(1);
  });

  test('When an admin re-sends, then the old link works until the new mail goes out, the new link replaces it, a stale job of the old version sends nothing, and the user is still counted once', async () => {
    const { job, invitation, payload } = await invitedUser('rotated');
    await sendInvitation(payload, context());
    const oldToken = linkOf((await smtp.waitForMails(1))[0]);

    expect((await service.asAdmin().post(`/api/users/${payload.userId}/invite`)).status).toBe(202);
    expect(await service.runtime.invitationQueue.getJob(`invite-${payload.userId}-v2`)).toBeDefined();
    expect((await service.anonymous().get(`/invite/${oldToken}`)).status).toBe(200);

    expect(await sendInvitation(payload, context())).toEqual({ kind: 'skipped', why: 'superseded by version 2' });
    expect(await sendInvitation({ ...payload, reason: 'resend', version: 2 }, context())).toMatchObject({ kind: 'sent' });
    expect(await sendInvitation(payload, context())).toMatchObject({ kind: 'skipped' });
    await sleep(200);
    expect(smtp.mails).toHaveLength(2);
    const newToken = linkOf(smtp.mails[1]);
    expect(newToken).not.toBe(oldToken);
    expect(smtp.mails[1].parsed.messageId).toBe(`<invitation-${invitation._id}-v2@learn.example.com>`);
    // Replaced, and it says so (410), rather than looking like a mistyped link (404).
    expect((await service.anonymous().get(`/invite/${oldToken}`)).status).toBe(410);
    expect((await service.anonymous().get(`/invite/${newToken}`)).status).toBe(200);
    expect((await ImportModel.findById(job.id).lean())?.counts?.invited).toBe(1);
  });

  test('When the user was deleted before the mail went out, then the invitation is failed with the reason, not left queued', async () => {
    const { invitation, payload } = await invitedUser('deleted');
    await UserModel.deleteOne({ _id: invitation.userId });
    expect(await sendInvitation(payload, context())).toEqual({ kind: 'skipped', why: 'the user no longer exists' });
    expect(await InvitationModel.findById(invitation._id).lean()).toMatchObject({ status: 'failed', lastError: 'the user no longer exists' });
    expect(smtp.mails).toHaveLength(0);
  });
});

describe('queueing an import\'s invitations', () => {
  test('When a chunk is replayed and queues the same users again, then no record changes (a sent one stays sent) and no second job is added', async () => {
    const { job, invitation, payload } = await invitedUser('chunk');
    await sendInvitation(payload, context());
    const queue = service.runtime.invitationQueue;
    const before = await InvitationModel.findById(invitation._id).lean();
    const jobsBefore = await queue.count();

    await queueImportInvitations(enqueueInvitationsOn(queue, service.runtime.deploymentId), job.id, [payload.userId]);
    await queueImportInvitations(enqueueInvitationsOn(queue, service.runtime.deploymentId), job.id, [payload.userId]);
    expect(await InvitationModel.findById(invitation._id).lean()).toEqual(before);
    expect(await queue.count()).toBe(jobsBefore);
    expect(await InvitationModel.countDocuments({ userId: invitation.userId })).toBe(1);
  });
});
