import type { ObjectId } from 'mongodb';
import { revokeInvitationsOfUsers } from '../data/invitationStore';

/**
 * The invitations of users that were removed (an undo of the import that created them) stop
 * working: their link answers 410, and a queued one is not sent (the sender finds no user).
 * Kept rather than deleted, so the link says why instead of looking mistyped. Idempotent.
 */
export async function revokeInvitationsOf(userIds: ObjectId[], now: Date): Promise<void> {
  if (userIds.length === 0) return;
  await revokeInvitationsOfUsers(userIds, now);
}
