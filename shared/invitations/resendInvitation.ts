import { Types } from 'mongoose';
import { notFound } from '../platform/appError';
import { UserModel } from '../data/userModel';
import { invitationResendJob, type EnqueueInvitations } from '../queues/queues';
import { InvitationModel } from '../data/invitationModel';

/**
 * Queues a new version of the user's invitation, which carries a new link; the previous link
 * stops working when the new version is first sent, and jobs of older versions send nothing.
 * The record is written before the job, so a job lost with Redis is queued again by recovery.
 */
export async function resendInvitation(userId: string, enqueueInvitations: EnqueueInvitations): Promise<{ userId: string; status: 'queued' }> {
  const exists = Types.ObjectId.isValid(userId) && (await UserModel.exists({ _id: userId }));
  if (!exists) throw notFound(`User ${userId}`);
  const invitation = await InvitationModel.findOneAndUpdate(
    { userId: new Types.ObjectId(userId) },
    { $inc: { version: 1 }, $set: { status: 'queued', lastError: null } },
    { upsert: true, returnDocument: 'after', projection: { version: 1 } },
  ).lean();
  // An upsert with `new` always returns the document.
  await enqueueInvitations([invitationResendJob(userId, invitation!.version)]);
  return { userId, status: 'queued' };
}
