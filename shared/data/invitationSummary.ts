import type { Types } from 'mongoose';
import { InvitationModel } from './invitationModel';

export interface InvitationSummary {
  queued: number;
  sent: number;
  failed: number;
  /**
   * How long the invitations still queued should take at the pace the sent ones went out (null
   * before two were sent, or when none is waiting).
   */
  etaSeconds: number | null;
  /** The first failures, with the SMTP server's reason (no email when the user was deleted before the mail went out). */
  failures: { userId: string; email: string | null; error: string | null }[];
}

const FAILURES_SHOWN = 100;

/** The invitations of one import, for its job report. */
export async function summariseInvitations(importId: Types.ObjectId): Promise<InvitationSummary> {
  const [byStatus, failures] = await Promise.all([
    InvitationModel.aggregate<{ _id: string; count: number; firstSentAt: Date | null; lastSentAt: Date | null }>([
      { $match: { importId } },
      { $group: { _id: '$status', count: { $sum: 1 }, firstSentAt: { $min: '$sentAt' }, lastSentAt: { $max: '$sentAt' } } },
    ]),
    InvitationModel.find({ importId, status: 'failed' }, { userId: 1, email: 1, lastError: 1 }).sort({ _id: 1 }).limit(FAILURES_SHOWN).lean(),
  ]);
  const count = (status: string) => byStatus.find((group) => group._id === status)?.count ?? 0;
  const sent = byStatus.find((group) => group._id === 'sent');
  return {
    queued: count('queued'),
    sent: count('sent'),
    failed: count('failed'),
    etaSeconds: remainingSeconds(count('queued'), sent),
    failures: failures.map((failure) => ({ userId: String(failure.userId), email: failure.email ?? null, error: failure.lastError ?? null })),
  };
}

/** The queued invitations at the pace of those sent so far: from the first mail to the last. */
function remainingSeconds(queued: number, sent: { count: number; firstSentAt: Date | null; lastSentAt: Date | null } | undefined): number | null {
  if (queued === 0) return 0;
  if (!sent || sent.count < 2 || !sent.firstSentAt || !sent.lastSentAt) return null;
  const spanSeconds = (sent.lastSentAt.getTime() - sent.firstSentAt.getTime()) / 1000;
  if (spanSeconds <= 0) return null;
  return Math.ceil(queued / ((sent.count - 1) / spanSeconds));
}
