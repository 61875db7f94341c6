import { Types } from 'mongoose';
import { AppError, conflict } from '../platform/appError';
import { findNamedUserById, findNamedUserByUsernameKey, findNamedUsersByEmail, type NamedUser } from '../data/userStore';
import { invitationResendJob, type EnqueueInvitations } from '../queues/queues';
import { queueNextInvitationVersion } from '../data/invitationStore';
import { usernameKey } from '../rules/rowDecision';

/**
 * Queues a new version of the user's invitation, which carries a new link; the previous link
 * stops working when the new version is first sent (and then says a newer invitation was sent),
 * and jobs of older versions send nothing. The user is named as a person would: by username or
 * e-mail address (or by id). The record is written before the job, so a job lost with Redis is
 * queued again by recovery.
 */
export async function resendInvitation(user: string, enqueueInvitations: EnqueueInvitations): Promise<{ userId: string; username: string; email: string; status: 'queued' }> {
  const found = await userNamed(user);
  const version = await queueNextInvitationVersion(found._id);
  const userId = String(found._id);
  await enqueueInvitations([invitationResendJob(userId, version)]);
  return { userId, username: found.username, email: found.email, status: 'queued' };
}

/** A user by id, by username (any case), or by e-mail address when exactly one user has it. */
async function userNamed(name: string): Promise<NamedUser> {
  const trimmed = name.trim();
  if (Types.ObjectId.isValid(trimmed) && /^[0-9a-f]{24}$/i.test(trimmed)) {
    const byId = await findNamedUserById(trimmed);
    if (byId) return byId;
  }
  const byUsername = await findNamedUserByUsernameKey(usernameKey(trimmed));
  if (byUsername) return byUsername;
  const byEmail = await findNamedUsersByEmail(trimmed, 3);
  if (byEmail.length === 1) return byEmail[0];
  if (byEmail.length > 1) {
    const some = byEmail.map((user) => `"${user.username}"`).join(', ');
    throw conflict('ambiguous_email', `Several users have the e-mail address ${trimmed} (${some}${byEmail.length > 2 ? ', …' : ''}): name the user by username instead.`);
  }
  throw new AppError('not_found', 'not_found', `User "${trimmed.slice(0, 100)}" was not found: no user has that username or e-mail address. Check the spelling, or look the user up in an export.`);
}
