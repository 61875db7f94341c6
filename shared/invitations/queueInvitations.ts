import { Types } from 'mongoose';
import { importInvitationJobs, type EnqueueInvitations } from '../queues/queues';
import { InvitationModel } from '../data/invitationModel';
import { onlyDuplicateKeys } from '../data/databaseErrors';

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
  const now = new Date();
  const fresh = { status: 'queued', version: 1, importId: new Types.ObjectId(importId), attempts: 0, createdAt: now, updatedAt: now };
  try {
    await InvitationModel.bulkWrite(
      userIds.map((userId) => ({
        updateOne: { filter: { userId: new Types.ObjectId(userId) }, update: { $setOnInsert: fresh }, upsert: true, timestamps: false },
      })),
      { ordered: false },
    );
  } catch (error) {
    // Two writers inserting the same user's record at once: the record exists, which is the point.
    if (!onlyDuplicateKeys(error)) throw error;
  }
  await enqueueInvitations(importInvitationJobs(importId, userIds));
}
