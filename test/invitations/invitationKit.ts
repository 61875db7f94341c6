import type { CapturedMail } from '../../scripts/embedded/smtpCapture';
import { UserModel } from '../../shared/data/userModel';
import { runImport } from '../../shared/imports/runImport';
import { InvitationModel } from '../../shared/data/invitationModel';
import { queueImportInvitations } from '../../shared/invitations/queueInvitations';
import { enqueueInvitationsOn } from '../../shared/queues/queues';
import { uploadCsv } from '../support/importHelpers';
import type { TestService } from '../support/testService';

export const HEADER = 'Email,Username,First Name';
export const PUBLIC_URL = 'https://learn.example.com';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const linkOf = (mail: CapturedMail) => /https:\/\/learn\.example\.com\/invite\/([\w-]+)/.exec(mail.parsed.text ?? '')?.[1] as string;
export const invitationOf = async (username: string) => {
  const user = await UserModel.findOne({ usernameKey: username }).lean();
  return InvitationModel.findOne({ userId: user?._id }).lean();
};

/**
 * Uploads a CSV asking for invitations and runs the import in this process, inviting through
 * queueImportInvitations. No import worker runs, and no invitation worker unless the test starts
 * one, so the invitation jobs wait in the queue until the test decides who consumes them.
 */
export async function importWithInvitations(service: TestService, csv: string) {
  const upload = await uploadCsv(service, csv, { sendInvitations: true });
  if (upload.status !== 202) throw new Error(`upload answered ${upload.status}: ${JSON.stringify(upload.body)}`);
  const { config, invitationQueue } = service.runtime;
  const enqueueInvitations = enqueueInvitationsOn(invitationQueue, service.runtime.deploymentId);
  await runImport(upload.body.id, {
    chunkSize: config.importChunkSize,
    changeRetentionMs: config.changeRetentionMs,
    shouldYield: () => false,
    dbRetryMs: config.importDbRetryMs,
    inviteUsers: (importId, userIds) => queueImportInvitations(enqueueInvitations, importId, userIds),
  });
  return (await service.asAdmin().get(`/api/imports/${upload.body.id}`)).body;
}

/** Polls the import until every invitation has an outcome and its `invited` count has caught up. */
export async function invitationsSettled(service: TestService, importId: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await service.asAdmin().get(`/api/imports/${importId}`)).body;
    const { invitations } = job;
    if (invitations && invitations.queued === 0 && job.counts.invited >= invitations.sent) return job;
    if (Date.now() > deadline) throw new Error(`invitations of ${importId} not settled: ${JSON.stringify(invitations)}`);
    await sleep(50);
  }
}

