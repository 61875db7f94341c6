import type { Types } from 'mongoose';
import { InvitationModel } from './invitationModel';

export interface InvitationSummary {
  queued: number;
  sent: number;
  failed: number;
  /** The first failures, with the SMTP server's reason (no email when the user was deleted before the mail went out). */
  failures: { userId: string; email: string | null; error: string | null }[];
}

const FAILURES_SHOWN = 100;

/** The invitations of one import, for its job report. */
export async function summariseInvitations(importId: Types.ObjectId): Promise<InvitationSummary> {
  const [byStatus, failures] = await Promise.all([
    InvitationModel.aggregate<{ _id: string; count: number }>([{ $match: { importId } }, { $group: { _id: '$status', count: { $sum: 1 } } }]),
    InvitationModel.find({ importId, status: 'failed' }, { userId: 1, email: 1, lastError: 1 }).sort({ _id: 1 }).limit(FAILURES_SHOWN).lean(),
  ]);
  const count = (status: string) => byStatus.find((group) => group._id === status)?.count ?? 0;
  return {
    queued: count('queued'),
    sent: count('sent'),
    failed: count('failed'),
    failures: failures.map((failure) => ({ userId: String(failure.userId), email: failure.email ?? null, error: failure.lastError ?? null })),
  };
}
