import { Types } from 'mongoose';
import type { Config } from '../config/config';
import { UserModel } from '../directory/userModel';
import { ImportJobModel } from '../imports/importJobModel';
import type { InvitationJobPayload } from '../queues/queues';
import { InvitationModel } from './invitationModel';
import { buildInvitationMail } from './invitationMail';
import { hashInvitationToken, newInvitationToken } from './invitationToken';
import { describeSmtpFailure, isPermanentSmtpFailure, type MailTransport } from './mailTransport';

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

/**
 * Sends one invitation with a fresh single-use link. An import's invitation is sent once per
 * user: if the record says it was sent, a replay (resumed chunk, re-run import) sends nothing.
 */
export async function sendInvitation(payload: InvitationJobPayload, { config, transport, isLastAttempt }: SendContext): Promise<SendOutcome> {
  const userId = new Types.ObjectId(payload.userId);
  const user = await UserModel.findById(userId, { username: 1, email: 1, firstName: 1 }).lean();
  if (!user) return { kind: 'skipped', why: 'the user no longer exists' };
  const existing = await InvitationModel.findOne({ userId }, { status: 1 }).lean();
  if (payload.reason === 'import' && existing?.status === 'sent') return { kind: 'skipped', why: 'already invited' };

  const token = newInvitationToken();
  const expiresAt = new Date(Date.now() + config.invitations.ttlMs);
  await InvitationModel.updateOne(
    { userId },
    {
      // A new token replaces the old one, so only the newest link works.
      $set: { email: user.email, tokenHash: hashInvitationToken(token), tokenExpiresAt: expiresAt, tokenUsedAt: null },
      $inc: { attempts: 1 },
      $setOnInsert: { status: 'queued', importId: payload.importId ? new Types.ObjectId(payload.importId) : null },
    },
    { upsert: true },
  );

  const mail = buildInvitationMail({ ...user, orgName: config.orgName, link: `${config.publicUrl}/invite/${token}`, expiresAt });
  try {
    const info = await transport.sendMail({ from: config.mailFrom, to: user.email, ...mail });
    await recordSent(userId, String(info.messageId));
    return { kind: 'sent', messageId: String(info.messageId) };
  } catch (error) {
    const permanent = isPermanentSmtpFailure(error);
    const message = describeSmtpFailure(error);
    await InvitationModel.updateOne(
      { userId, status: { $ne: 'sent' } },
      { $set: { lastError: message, status: permanent || isLastAttempt ? 'failed' : 'queued' } },
    );
    return { kind: 'failed', permanent, error: message };
  }
}

async function recordSent(userId: Types.ObjectId, messageId: string): Promise<void> {
  const firstTime = await InvitationModel.findOneAndUpdate(
    { userId, status: { $ne: 'sent' } },
    { $set: { status: 'sent', sentAt: new Date(), messageId, lastError: null } },
    { projection: { importId: 1 } },
  ).lean();
  if (!firstTime) {
    // A re-sent invitation: keep its first sent state, note the newest message.
    await InvitationModel.updateOne({ userId }, { $set: { sentAt: new Date(), messageId } });
    return;
  }
  // Counted once per user, when the invitation first goes out.
  if (firstTime.importId) await ImportJobModel.updateOne({ _id: firstTime.importId }, { $inc: { 'counts.invited': 1 } });
}
