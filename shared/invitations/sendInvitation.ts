import { Types } from 'mongoose';
import type { Config } from '../platform/config';
import { findUserToInvite } from '../data/userStore';
import type { InvitationJobPayload } from '../queues/queues';
import { failInvitation, findInvitationToSend, recordSendAttempt, recordSendFailure, type InvitationRecord } from '../data/invitationStore';
import { buildInvitationMail, invitationMessageId } from '../rules/invitationMail';
import { deriveInvitationToken, hashInvitationToken } from './invitationToken';
import { describeSmtpFailure, isPermanentSmtpFailure, type MailTransport } from './mailTransport';
import { recordInvitationSent } from './recordInvitationSent';

export type SendOutcome =
  | { kind: 'sent'; messageId: string }
  | { kind: 'skipped'; why: string }
  | { kind: 'failed'; permanent: boolean; error: string };

export interface SendContext {
  config: Pick<Config, 'mailFrom' | 'orgName' | 'publicUrl' | 'invitations'>;
  transport: MailTransport;
  /** No retry will follow a temporary failure: record it as failed. */
  isLastAttempt: boolean;
}

export const USER_GONE = 'the user no longer exists';

type Invitation = Pick<InvitationRecord, '_id' | 'importId' | 'version' | 'status' | 'tokenVersion' | 'tokenHash' | 'tokenExpiresAt' | 'tokenUsedAt'>;

/**
 * Sends one version of a user's invitation. Every attempt at a version sends the same mail (same
 * link, expiry and Message-ID), so the one duplicate that cannot be prevented (the relay accepted
 * the mail, the worker died before recording it) is harmless. A version already recorded sent, or
 * superseded by a re-send, sends nothing.
 */
export async function sendInvitation(payload: InvitationJobPayload, { config, transport, isLastAttempt }: SendContext): Promise<SendOutcome> {
  const version = payload.version ?? 1;
  const invitation = await loadInvitation(payload, version);
  const stale = staleness(invitation, version);
  if (stale) return { kind: 'skipped', why: stale };

  const user = await findUserToInvite(invitation.userId);
  if (!user) {
    // Failed rather than left queued, which the recovery sweep would re-queue for ever.
    await failInvitation(invitation._id, version, USER_GONE);
    return { kind: 'skipped', why: USER_GONE };
  }

  const messageId = invitationMessageId(String(invitation._id), version, config.publicUrl);
  const link = await fixLink(invitation, version, user.email, config);
  if (!link) return { kind: 'skipped', why: 'the invitation changed while being sent' };
  if (link.used) {
    // A replay after the user already followed this version's link: the mail has arrived.
    await recordInvitationSent(invitation, version, messageId);
    return { kind: 'skipped', why: 'the link was already used' };
  }

  const mail = buildInvitationMail({ ...user, orgName: config.orgName, link: `${config.publicUrl}/invite/${link.token}`, expiresAt: link.expiresAt });
  try {
    // As an address object, not a string: nodemailer parses a string, and would read a stored
    // `Name<other@address>` as a display name and send the link to the other address.
    await transport.sendMail({ from: config.mailFrom, to: { name: '', address: user.email }, messageId, ...mail });
  } catch (error) {
    const permanent = isPermanentSmtpFailure(error);
    const message = describeSmtpFailure(error);
    await recordSendFailure(invitation._id, version, message, permanent || isLastAttempt ? 'failed' : 'queued');
    return { kind: 'failed', permanent, error: message };
  }
  // Straight after the relay's OK: a crash before this write sends the same mail again on replay.
  await recordInvitationSent(invitation, version, messageId);
  return { kind: 'sent', messageId };
}

/** The record the job is for. Jobs queued before records came first (or had versions) get theirs now. */
async function loadInvitation(payload: InvitationJobPayload, version: number) {
  return findInvitationToSend(new Types.ObjectId(payload.userId), version, payload.importId);
}

function staleness(invitation: Invitation, version: number): string | undefined {
  if (version < invitation.version) return `superseded by version ${invitation.version}`;
  if (version > invitation.version) return `version ${version} was never queued (the record is at ${invitation.version})`;
  if (invitation.status === 'sent') return 'already sent';
  if (invitation.status === 'failed') return 'already failed';
  return undefined;
}

interface FixedLink {
  token: string;
  expiresAt: Date;
  used: boolean;
}

/**
 * Installs the version's link on its first attempt (which is when the previous link stops working)
 * and counts the attempt. Later attempts keep the link and its expiry, so they send the same mail;
 * only a link that expired before the version was ever recorded sent gets a new expiry. Undefined
 * when the record changed meanwhile (a re-send, another execution of the same job).
 */
async function fixLink(invitation: Invitation, version: number, email: string, { invitations }: SendContext['config']): Promise<FixedLink | undefined> {
  const token = deriveInvitationToken(invitations.secret, String(invitation._id), version);
  const tokenHash = hashInvitationToken(token);
  const now = new Date();
  const installed = invitation.tokenVersion === version && invitation.tokenHash === tokenHash;
  if (installed && invitation.tokenUsedAt && invitation.tokenExpiresAt) return { token, expiresAt: invitation.tokenExpiresAt, used: true };
  const expired = !invitation.tokenExpiresAt || invitation.tokenExpiresAt <= now;
  const install = !installed || expired;

  // The link of an earlier version stops working now; kept by its hash, it can still say why.
  const superseded = install && invitation.tokenHash && invitation.tokenHash !== tokenHash ? invitation.tokenHash : undefined;
  // The link state read above must still hold: of two racing attempts, one installs the link.
  const updated = await recordSendAttempt(
    invitation,
    version,
    install ? { email, tokenVersion: version, tokenHash, tokenExpiresAt: new Date(now.getTime() + invitations.ttlMs), tokenUsedAt: null } : { email },
    superseded,
  );
  if (!updated?.tokenExpiresAt) return undefined;
  return { token, expiresAt: updated.tokenExpiresAt, used: Boolean(updated.tokenUsedAt) };
}
