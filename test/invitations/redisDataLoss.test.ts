import { startSmtpCapture, type SmtpCapture } from '../../scripts/embedded/smtpCapture';
import { requeueStrandedInvitations } from '../../shared/invitations/requeueStrandedInvitations';
import { requeueInvitationJobsOn } from '../../shared/queues/queues';
import { startInvitationWorker } from '../../worker/invitationWorker';
import { startTestService, type TestService } from '../support/testService';
import { startOwnRedis, type OwnRedis } from '../support/ownRedis';
import { HEADER, PUBLIC_URL, importWithInvitations, invitationsSettled, sleep } from './invitationKit';

let redis: OwnRedis;
let smtp: SmtpCapture;
let service: TestService;
let sender: ReturnType<typeof startInvitationWorker> | undefined;
beforeAll(async () => {
  redis = await startOwnRedis();
  smtp = await startSmtpCapture();
  service = await startTestService({
    REDIS_URL: redis.url,
    SMTP_URL: smtp.url,
    PUBLIC_URL,
    WORKER_QUEUES: 'imports',
    IMPORT_CHUNK_SIZE: '10',
    INVITE_RATE_PER_SECOND: '1000',
    INVITE_RETRY_BASE_MS: '50',
  });
});
afterAll(async () => {
  await sender?.close();
  await service?.stop();
  await smtp?.stop();
  await redis?.stop();
});

describe('invitations when Redis loses its data', () => {
  test('When Redis is flushed while invitations wait in the queue, then recovery queues them again and every new user gets exactly one mail, counted once', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `lost${i}@example.com,lost${i},Lost${i}`);
    const job = await importWithInvitations(service, `${HEADER}\n${rows.join('\n')}\n`);
    expect(job.counts).toMatchObject({ created: 25, failed: 0 });
    const queue = service.runtime.invitationQueue;
    expect(await queue.count()).toBe(25);

    // A Redis restart without persistence: every queued invitation job is gone.
    await service.runtime.redis.flushall();
    expect(await queue.count()).toBe(0);

    sender = startInvitationWorker(service.runtime);
    expect(await requeueStrandedInvitations(requeueInvitationJobsOn(queue, service.runtime.deploymentId), { olderThanMs: 0 })).toBe(25);
    await smtp.waitForMails(25);
    const report = await invitationsSettled(service, job.id);
    expect(report.invitations).toMatchObject({ queued: 0, sent: 25, failed: 0 });
    expect(report.counts.invited).toBe(25);

    // Nothing is stranded any more: another sweep re-queues nothing and no second mail follows.
    expect(await requeueStrandedInvitations(requeueInvitationJobsOn(queue, service.runtime.deploymentId), { olderThanMs: 0 })).toBe(0);
    await sleep(300);
    const recipients = smtp.mails.map((mail) => mail.envelopeTo[0]).sort();
    expect(recipients).toEqual(rows.map((row) => row.split(',')[0]).sort());
  });
});
