import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { Types } from 'mongoose';
import { ImportModel } from '../../shared/data/importModel';
import { InvitationModel } from '../../shared/data/invitationModel';
import { requeueStrandedInvitations } from '../../shared/invitations/requeueStrandedInvitations';
import { QUEUE_NAMES, connectRedis, enqueueInvitationsOn, invitationJobId, queueConnection, requeueInvitationJobsOn, type InvitationJobPayload } from '../../shared/queues/queues';
import { startTestService, type TestService } from '../support/testService';
import { HEADER, importWithInvitations } from './invitationKit';

let service: TestService;
let workerRedis: Redis;
beforeAll(async () => {
  // No invitation worker: the queue holds exactly what each test puts there.
  service = await startTestService();
  workerRedis = connectRedis(service.config.redisUrl);
});
beforeEach(async () => {
  // Each test starts from no invitations and an empty queue.
  await InvitationModel.deleteMany({});
  await service.runtime.invitationQueue.obliterate({ force: true });
});
afterAll(async () => {
  workerRedis.disconnect();
  await service.stop();
});

const queue = () => service.runtime.invitationQueue;
const requeueJobs = () => requeueInvitationJobsOn(queue(), service.runtime.deploymentId);
const payloadOf = (userId: string, importId?: string): InvitationJobPayload & { version: number } => ({ userId, importId, reason: 'import', version: 1 });

/** Takes the one waiting job the way a worker does and finishes it, without sending anything. */
async function finishOnlyWaitingJob(outcome: 'completed' | 'failed'): Promise<void> {
  const worker = new Worker<InvitationJobPayload>(QUEUE_NAMES.invitations, null, { connection: queueConnection(workerRedis), prefix: service.config.queuePrefix });
  try {
    const job = await worker.getNextJob('test-token', { block: false });
    if (!job) throw new Error('no waiting job');
    if (outcome === 'completed') await job.moveToCompleted('done', 'test-token', false);
    else await job.moveToFailed(new UnrecoverableError('stalled too often'), 'test-token', false);
  } finally {
    await worker.close();
  }
}

async function importedUsers(prefix: string, count: number) {
  const rows = Array.from({ length: count }, (_, i) => `${prefix}${i}@example.com,${prefix}${i},`);
  const job = await importWithInvitations(service, `${HEADER}\n${rows.join('\n')}\n`);
  const invitations = await InvitationModel.find({ importId: job.id }).sort({ _id: 1 }).lean();
  return { importId: job.id as string, userIds: invitations.map((invitation) => String(invitation.userId)) };
}

describe('re-queueing stranded invitations', () => {
  test('When invitations wait in the queue, were sent or failed, then nothing is re-queued; when one lost its job or its job finished while it still says queued, then exactly those are', async () => {
    const { importId, userIds } = await importedUsers('sweep', 6);
    const [live, sent, failed, lost, completed, failedJob] = userIds;
    await queue().drain();
    // Finished jobs first, one at a time, so the worker takes the one meant.
    await enqueueInvitationsOn(queue(), service.runtime.deploymentId)([payloadOf(completed, importId)]);
    await finishOnlyWaitingJob('completed');
    await queue().add('invite', payloadOf(failedJob, importId), { jobId: invitationJobId(failedJob, 1), attempts: 1 });
    await finishOnlyWaitingJob('failed');
    await enqueueInvitationsOn(queue(), service.runtime.deploymentId)([payloadOf(live, importId)]);
    await InvitationModel.updateOne({ userId: sent }, { $set: { status: 'sent', sentAt: new Date() } });
    await InvitationModel.updateOne({ userId: failed }, { $set: { status: 'failed', lastError: 'SMTP 550' } });
    const liveJobBefore = await queue().getJob(invitationJobId(live, 1));

    // Just queued: left alone for the default minute, as if their jobs were being added right now.
    expect(await requeueStrandedInvitations(requeueJobs())).toBe(0);
    expect(await requeueStrandedInvitations(requeueJobs(), { olderThanMs: 0 })).toBe(3);

    const stateOf = (userId: string) => queue().getJobState(invitationJobId(userId, 1));
    expect(await stateOf(lost)).toBe('waiting');
    expect(await stateOf(completed)).toBe('waiting');
    expect(await stateOf(failedJob)).toBe('waiting');
    // Queued again as this deployment's own.
    expect((await queue().getJob(invitationJobId(lost, 1)))?.data).toEqual({ userId: lost, importId, reason: 'import', version: 1, deploymentId: service.runtime.deploymentId });
    expect((await queue().getJob(invitationJobId(live, 1)))?.timestamp).toBe(liveJobBefore?.timestamp);
    expect(await stateOf(sent)).toBe('unknown');
    expect(await stateOf(failed)).toBe('unknown');
    expect(await queue().count()).toBe(4);

    // Every queued invitation now has a live job: nothing is stranded.
    expect(await requeueStrandedInvitations(requeueJobs(), { olderThanMs: 0 })).toBe(0);
    expect(await queue().count()).toBe(4);
  });

  test('When a re-sent invitation lost its job, then the job of its current version is queued, not the first', async () => {
    const { userIds } = await importedUsers('resent', 1);
    const [userId] = userIds;
    await queue().drain();
    await InvitationModel.updateOne({ userId }, { $set: { version: 3 } });
    expect(await requeueStrandedInvitations(requeueJobs(), { olderThanMs: 0 })).toBe(1);
    expect((await queue().getJob(invitationJobId(userId, 3)))?.data).toMatchObject({ userId, reason: 'resend', version: 3 });
    expect(await queue().getJob(invitationJobId(userId, 1))).toBeUndefined();
  });

  test('When a worker died between recording a first send and counting it, then the sweep settles the import\'s count once its other invitations are done', async () => {
    const { importId, userIds } = await importedUsers('count', 3);
    const [counted, uncounted, waiting] = userIds.map((userId) => new Types.ObjectId(userId));
    const earlier = new Date(Date.now() - 1000);
    const invitedCount = async () => (await ImportModel.findById(importId).lean())?.counts?.invited;
    // Two mails went out; the worker recording the second died before raising the count.
    await InvitationModel.collection.updateMany({ userId: { $in: [counted, uncounted] } }, { $set: { status: 'sent', sentAt: earlier, updatedAt: earlier } });
    await InvitationModel.collection.updateOne({ userId: uncounted }, { $set: { invitedCountPending: true } });
    await ImportModel.updateOne({ _id: importId }, { $set: { 'counts.invited': 1 } });

    // The third is still queued (its count may be in flight): a recount now could count it twice.
    await requeueStrandedInvitations(requeueJobs(), { olderThanMs: 0 });
    expect(await invitedCount()).toBe(1);

    await InvitationModel.collection.updateOne({ userId: waiting }, { $set: { status: 'sent', sentAt: new Date() } });
    await ImportModel.updateOne({ _id: importId }, { $inc: { 'counts.invited': 1 } });
    expect(await requeueStrandedInvitations(requeueJobs(), { olderThanMs: 0 })).toBe(0);
    expect(await invitedCount()).toBe(3);
    expect(await InvitationModel.countDocuments({ invitedCountPending: true })).toBe(0);
    await requeueStrandedInvitations(requeueJobs(), { olderThanMs: 0 });
    expect(await invitedCount()).toBe(3);
  });
});
