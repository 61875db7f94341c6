import { logger } from '../platform/logger';
import type { InvitationJob, RequeueInvitationJobs } from '../queues/queues';
import { readQueuedInvitations, type QueuedInvitation } from '../data/invitationStore';
import { settlePendingInvitedCounts } from './recordInvitationSent';

const BATCH_SIZE = 1000;
/** Left alone for this long: an invitation being queued right now has its job added a moment later. */
const DEFAULT_OLDER_THAN_MS = 60_000;

/**
 * Puts back on the queue the invitations whose record says `queued` but whose job for the current
 * version is gone (Redis lost its data, a job was removed) or finished without the record being
 * marked (a worker died, a job stalled too often). Returns how many were re-queued.
 *
 * Safe to run from several workers at once: job ids are derived from user and version, and a
 * duplicate job that slips through finds the version already sent and sends nothing. Cheap when
 * nothing is stranded: one index range over old queued records, and one pipelined Redis round
 * trip per batch of them. Also settles `invited` counts a crash left pending.
 */
export async function requeueStrandedInvitations(requeueInvitationJobs: RequeueInvitationJobs, options: { olderThanMs?: number } = {}): Promise<number> {
  const olderThan = new Date(Date.now() - (options.olderThanMs ?? DEFAULT_OLDER_THAN_MS));
  let requeued = 0;
  let batch: QueuedInvitation[] = [];
  for await (const invitation of readQueuedInvitations(olderThan, BATCH_SIZE)) {
    batch.push(invitation);
    if (batch.length < BATCH_SIZE) continue;
    requeued += await requeueInvitationJobs(batch.map(currentVersionJob));
    batch = [];
  }
  if (batch.length > 0) requeued += await requeueInvitationJobs(batch.map(currentVersionJob));
  const settled = await settlePendingInvitedCounts(olderThan);
  if (requeued > 0 || settled > 0) logger.warn({ requeued, settledImportCounts: settled }, 'stranded invitations recovered');
  return requeued;
}

/** The job that sends the invitation's current version: versions above the first are re-sends. */
function currentVersionJob(invitation: QueuedInvitation): InvitationJob {
  const userId = String(invitation.userId);
  const version = invitation.version ?? 1;
  const importId = invitation.importId ? String(invitation.importId) : undefined;
  return { userId, reason: version > 1 ? 'resend' : 'import', version, ...(importId ? { importId } : {}) };
}
