import type { Queue } from 'bullmq';
import { Types } from 'mongoose';
import { notFound } from '../errors/appError';
import { UserModel } from '../directory/userModel';
import { enqueueInvitationResend, type InvitationJobPayload } from '../queues/queues';

/** Queues a new invitation with a fresh link; the previous link stops working when it is sent. */
export async function resendInvitation(userId: string, queue: Queue<InvitationJobPayload>): Promise<{ userId: string; status: 'queued' }> {
  const exists = Types.ObjectId.isValid(userId) && (await UserModel.exists({ _id: userId }));
  if (!exists) throw notFound(`User ${userId}`);
  await enqueueInvitationResend(queue, userId);
  return { userId, status: 'queued' };
}
