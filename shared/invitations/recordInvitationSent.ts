import type { Types } from 'mongoose';
import { addInvited, raiseInvitedCount } from '../data/importJobStore';
import { InvitationModel } from '../data/invitationModel';

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
  const sent = { status: 'sent' as const, sentAt: new Date(), messageId, lastError: null };
  const unsent = { _id: invitation._id, version, status: 'queued' as const };
  const importId = invitation.importId ?? null;
  const first = await InvitationModel.updateOne(
    { ...unsent, sentAt: null },
    { $set: importId ? { ...sent, invitedCountPending: true } : sent },
  );
  if (first.modifiedCount === 0) {
    await InvitationModel.updateOne(unsent, { $set: sent });
    return;
  }
  if (importId) await countInvited(invitation._id, importId);
}

/**
 * The `sent` mark and the import's count are two documents, and MongoDB without a replica set has
 * no transaction to join them: the mark carries `invitedCountPending` until the count is raised.
 */
async function countInvited(invitationId: Types.ObjectId, importId: Types.ObjectId): Promise<void> {
  await addInvited(importId);
  await InvitationModel.updateOne({ _id: invitationId }, { $unset: { invitedCountPending: 1 } }, { timestamps: false });
}

/**
 * Settles the counts a worker died in the middle of (the flag still set after `olderThan`). Which
 * of the two writes the crash came before cannot be told, so the import's `invited` count is
 * recounted from its invitations, once none of them is queued or being counted: then the recount
 * is the whole truth. `$max`, because the stored count is never above it.
 */
export async function settlePendingInvitedCounts(olderThan: Date): Promise<number> {
  const stale = { invitedCountPending: true, updatedAt: { $lte: olderThan } };
  const importIds = (await InvitationModel.distinct('importId', stale)) as Array<Types.ObjectId | null>;
  let settled = 0;
  for (const importId of importIds) {
    if (!importId) continue;
    const busy = await InvitationModel.exists({
      importId,
      $or: [{ status: 'queued' }, { invitedCountPending: true, updatedAt: { $gt: olderThan } }],
    });
    if (busy) continue;
    const invited = await InvitationModel.countDocuments({ importId, sentAt: { $ne: null } });
    await raiseInvitedCount(importId, invited);
    await InvitationModel.updateMany({ ...stale, importId }, { $unset: { invitedCountPending: 1 } }, { timestamps: false });
    settled += 1;
  }
  return settled;
}
