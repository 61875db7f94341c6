/**
 * Invitations under crashes (issue 20): a worker killed at each point of the invitation path, on
 * purpose, many times. The worker's only road to MongoDB is a proxy that holds the one command
 * of that point, so the worker is known to be stopped exactly there when it is killed:
 * - after queueing a chunk's invitations, before the chunk's commit (the chunk is replayed);
 * - before a mail is handed to the relay (the link is installed, nothing sent);
 * - after the relay accepted a mail, before it is recorded as sent.
 * Whatever the point, no user ever receives two different invitation messages. Only the last
 * point can deliver a message twice, and then it is the same message: the same Message-ID and
 * link (README, "Invitations: what is and is not guaranteed").
 * `npm test` kills once at each point; `npm run test:faults` INVITATION_CRASHES times.
 */
import { startSmtpCapture, type CapturedMail, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';
import { commandOn, startMongoProxy, type TcpProxy } from '../support/tcpProxy';
import { exited, startWorkerProcess, stopServiceProcesses } from '../support/workerProcess';
import { sleep } from './faultKit';

const CRASHES = Number(process.env.INVITATION_CRASHES ?? 1);
const USERS = 6;

let proxy: TcpProxy;
let smtp: SmtpCapture;
let service: TestService;
beforeAll(async () => {
  proxy = await startMongoProxy();
  smtp = await startSmtpCapture();
  service = await startTestService({ SMTP_URL: smtp.url, IMPORT_CHUNK_SIZE: '2', WORKER_LOCK_SECONDS: '2', INVITE_RATE_PER_SECOND: '1000' });
});
afterAll(async () => {
  await stopServiceProcesses();
  await service.stop();
  await smtp.stop();
  await proxy.close();
});

const workerViaProxy = () =>
  startWorkerProcess(service, { MONGO_URL: proxy.rewrite(`${process.env.MONGO_URL}${service.dbName}`), WORKER_LOCK_SECONDS: '2', RECOVERY_INTERVAL_SECONDS: '5' });

const linkOf = (mail: CapturedMail) => /\/invite\/([\w-]+)/.exec(mail.parsed.text ?? '')?.[1];

/** Every address's mails so far, as the distinct messages they carried. */
function messagesByUser(prefix: string): Map<string, { deliveries: number; messages: Set<string> }> {
  const byUser = new Map<string, { deliveries: number; messages: Set<string> }>();
  for (const mail of smtp.mails) {
    const to = mail.envelopeTo[0];
    if (!to.startsWith(prefix)) continue;
    const entry = byUser.get(to) ?? { deliveries: 0, messages: new Set<string>() };
    entry.deliveries += 1;
    entry.messages.add(`${mail.parsed.messageId} ${linkOf(mail)}`);
    byUser.set(to, entry);
  }
  return byUser;
}

/**
 * Waits until every user has a message and, where the held mail must go out again, until it has:
 * its job is taken again only once its lock lapses and a stall check or a recovery round finds
 * it, which on a busy machine comes after the other users' mails.
 */
async function everyoneInvited(prefix: string, resent: boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  const done = () => {
    const byUser = messagesByUser(prefix);
    return byUser.size === USERS && (!resent || [...byUser.values()].some((entry) => entry.deliveries === 2));
  };
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`${messagesByUser(prefix).size} of ${USERS} users invited${resent ? ', the held mail not delivered again,' : ''} after 60 s`);
    await sleep(100);
  }
  // Time for a further duplicate to arrive, if one were coming.
  await sleep(2_500);
}

const POINTS = [
  { name: 'after queueing a chunk\'s invitations, before the chunk is committed', holds: commandOn('findAndModify', 'importjobs'), resent: false },
  { name: 'before a mail is handed to the relay', holds: commandOn('findAndModify', 'invitations'), resent: false },
  {
    name: 'after the relay accepted a mail, before it is recorded as sent',
    // The update that marks it sent, not the import's upsert of the records before their jobs.
    holds: (data: Buffer) => commandOn('update', 'invitations')(data) && data.includes(Buffer.from('\x02status\x00\x05\x00\x00\x00sent\x00', 'latin1')),
    resent: true,
  },
];

describe('a worker killed in the middle of inviting', () => {
  test.each(POINTS)(`When the worker is killed $name, ${CRASHES} time(s), then every new user gets one invitation message, at most delivered twice identically`, async ({ name, holds, resent }) => {
    for (let crash = 0; crash < CRASHES; crash += 1) {
      const prefix = `c${POINTS.findIndex((point) => point.name === name)}r${crash}u`;
      const first = workerViaProxy();
      const held = proxy.drop({ matches: holds, when: 'hold' });
      const upload = await uploadCsv(service, `Email,Username\n${Array.from({ length: USERS }, (_, i) => `${prefix}${i}@example.com,${prefix}${i}`).join('\n')}\n`, { sendInvitations: true });
      await held;
      first.kill('SIGKILL');
      await exited(first);
      proxy.allow();

      const second = workerViaProxy();
      try {
        const job = await waitForImport(service, upload.body.id, 60_000);
        expect(job.counts).toMatchObject({ created: USERS, failed: 0 });
        await everyoneInvited(prefix, resent);
      } finally {
        second.kill('SIGTERM');
        await exited(second);
      }
      const byUser = messagesByUser(prefix);
      expect(byUser.size).toBe(USERS);
      for (const [user, { deliveries, messages }] of byUser) {
        // One message per user, whatever the crash; the same one again only where it cannot be helped.
        expect({ user, messages: messages.size }).toEqual({ user, messages: 1 });
        expect(deliveries).toBeLessThanOrEqual(resent ? 2 : 1);
      }
      // The worker was killed where it says: after the relay's answer, the held mail goes out again
      // (with mails of other invitations it had in flight past the relay, up to its concurrency).
      const twice = [...byUser.values()].filter((entry) => entry.deliveries === 2).length;
      if (resent) expect(twice).toBeGreaterThanOrEqual(1);
      else expect(twice).toBe(0);
    }
  }, 60_000 + CRASHES * 90_000);
});
