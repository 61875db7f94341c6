import { AppError, invalidInput } from '../platform/appError';
import { hashPassword } from '../directory/passwordHashing';
import { passwordProblem } from '../rules/passwordPolicy';
import { findInvitedUser } from '../data/userStore';
import { setUserPassword } from '../data/userWrites';
import { claimInvitationLink, findInvitationByTokenHash, isSupersededLink } from '../data/invitationStore';
import { hashInvitationToken } from './invitationToken';

export type LinkProblem = 'unknown' | 'used' | 'expired' | 'revoked' | 'superseded';
export type InvitationLinkState = { usable: true; username: string } | { usable: false; reason: LinkProblem };

export const LINK_PROBLEMS: Record<LinkProblem, string> = {
  unknown: 'This invitation link is not valid. Check that you copied the whole link, or ask your administrator for a new invitation.',
  used: 'This invitation link has already been used. Sign in with the password you chose, or ask your administrator for a new invitation.',
  expired: 'This invitation link has expired. Ask your administrator to send you a new invitation.',
  revoked: 'This invitation was withdrawn: the account it was for has been removed. Ask your administrator if you still need an account.',
  superseded: 'This invitation link was replaced: a newer invitation was sent to this address. Use the link in the newest invitation mail, or ask your administrator to send it again.',
};

export async function inspectInvitationLink(token: string): Promise<InvitationLinkState> {
  const tokenHash = hashInvitationToken(token);
  const invitation = await findInvitationByTokenHash(tokenHash);
  if (!invitation) return { usable: false, reason: (await isSupersededLink(tokenHash)) ? 'superseded' : 'unknown' };
  if (invitation.revokedAt) return { usable: false, reason: 'revoked' };
  if (invitation.tokenUsedAt) return { usable: false, reason: 'used' };
  if (!invitation.tokenExpiresAt || invitation.tokenExpiresAt <= new Date()) return { usable: false, reason: 'expired' };
  const user = await findInvitedUser(invitation.userId);
  return user ? { usable: true, username: user.username } : { usable: false, reason: 'unknown' };
}

/**
 * Sets the invited user's password. The token is claimed atomically, so of two simultaneous
 * submissions only one sets a password; a used or expired link is refused.
 */
export async function acceptInvitation(token: string, password: unknown): Promise<void> {
  if (typeof password !== 'string' || password.length === 0) throw invalidInput('missing_password', 'Choose a password.');
  const problem = passwordProblem(password);
  if (problem) throw invalidInput('weak_password', problem);
  const passwordHash = await hashPassword(password);

  const now = new Date();
  const claimed = await claimInvitationLink(hashInvitationToken(token), now);
  if (!claimed) {
    const state = await inspectInvitationLink(token);
    const reason = state.usable ? 'used' : state.reason;
    throw new AppError(reason === 'unknown' ? 'not_found' : 'gone', `invitation_${reason}`, LINK_PROBLEMS[reason]);
  }
  // The user was removed (an undo) between the claim and this write: no account has the password.
  if (!(await setUserPassword(claimed.userId, passwordHash))) throw new AppError('gone', 'invitation_revoked', LINK_PROBLEMS.revoked);
}
