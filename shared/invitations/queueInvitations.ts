import { importInvitationJobs, type EnqueueInvitations } from '../queues/queues';
import { createQueuedInvitations } from '../data/invitationStore';

/**
 * Invites the users an import created: first one invitation record per user, then their queue
 * jobs. The records are what survives Redis losing its data (recovery re-queues them); the jobs
 * are only the way to get the mails sent.
 *
 * Idempotent, as a chunk replayed after a crash needs: records are only ever inserted, never
 * changed (a sent or re-sent invitation stays as it is), and the job ids are derived from user
 * and version, so adding them again is a no-op.
 */
export async function queueImportInvitations(enqueueInvitations: EnqueueInvitations, importId: string, userIds: string[]): Promise<void> {
  if (userIds.length === 0) return;
  await createQueuedInvitations(importId, userIds, new Date());
  await enqueueInvitations(importInvitationJobs(importId, userIds));
}
