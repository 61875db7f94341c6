import type { Types } from 'mongoose';
import { addInvited, raiseInvitedCount } from '../data/importStore';
import {
  clearInvitedCountPending,
  clearPendingInvitedCounts,
  countSentInvitations,
  importsWithPendingInvitedCounts,
  invitationsInFlight,
  markInvitationSent,
} from '../data/invitationStore';

interface SentInvitation {
  _id: Types.ObjectId;
  importId?: Types.ObjectId | null;
}

/**
 * Marks one version of an invitation sent. A replay, a stale version or a second execution of the
 * same job finds the mark already made (or the version superseded) and changes nothing. The first
 * mail a user ever gets adds one to its import's `invited` count.
 */
export async function recordInvitationSent(invitation: SentInvitation, version: number, messageId: string): Promise<void> {
  const importId = invitation.importId ?? null;
  const first = await markInvitationSent(invitation._id, version, messageId, importId);
  if (first && importId) await countInvited(invitation._id, importId);
}

/**
 * The `sent` mark and the import's count are two documents, and MongoDB without a replica set has
 * no transaction to join them: the mark carries `invitedCountPending` until the count is raised.
 */
async function countInvited(invitationId: Types.ObjectId, importId: Types.ObjectId): Promise<void> {
  await addInvited(importId);
  await clearInvitedCountPending(invitationId);
}

/**
 * Settles the counts a worker died in the middle of (the flag still set after `olderThan`). Which
 * of the two writes the crash came before cannot be told, so the import's `invited` count is
 * recounted from its invitations, once none of them is queued or being counted: then the recount
 * is the whole truth. `$max`, because the stored count is never above it.
 */
export async function settlePendingInvitedCounts(olderThan: Date): Promise<number> {
  const importIds = await importsWithPendingInvitedCounts(olderThan);
  let settled = 0;
  for (const importId of importIds) {
    if (!importId) continue;
    if (await invitationsInFlight(importId, olderThan)) continue;
    const invited = await countSentInvitations(importId);
    await raiseInvitedCount(importId, invited);
    await clearPendingInvitedCounts(importId, olderThan);
    settled += 1;
  }
  return settled;
}
