import { Types } from 'mongoose';
import { onlyDuplicateKeys } from './databaseErrors';
import { InvitationModel, type InvitationDocument } from './invitationModel';

export type { InvitationDocument } from './invitationModel';

// The invitations collection: one record per user, the state of their invitation and of the link
// it carries, written before its queue job (see invitationModel.ts).

/**
 * One queued record per user an import created, unless the user has one: records are only ever
 * inserted here, never changed, so a replayed chunk changes nothing. Two writers inserting the
 * same user's record at once: the record exists, which is the point.
 */
export async function createQueuedInvitations(importId: string, userIds: string[], now: Date): Promise<void> {
  const fresh = { status: 'queued', version: 1, importId: new Types.ObjectId(importId), attempts: 0, createdAt: now, updatedAt: now };
  try {
    await InvitationModel.bulkWrite(
      userIds.map((userId) => ({
        updateOne: { filter: { userId: new Types.ObjectId(userId) }, update: { $setOnInsert: fresh }, upsert: true, timestamps: false },
      })),
      { ordered: false },
    );
  } catch (error) {
    if (!onlyDuplicateKeys(error)) throw error;
  }
}

/** A new version of the user's invitation, queued (the record is created if the user had none); returns the version. */
export async function queueNextInvitationVersion(userId: Types.ObjectId): Promise<number> {
  const invitation = await InvitationModel.findOneAndUpdate(
    { userId },
    { $inc: { version: 1 }, $set: { status: 'queued', lastError: null } },
    { upsert: true, returnDocument: 'after', projection: { version: 1 } },
  ).lean();
  // An upsert with `new` always returns the document.
  return invitation!.version;
}

export type InvitationRecord = InvitationDocument;

/**
 * The user's record, for the job that sends a version of it. Jobs queued before records came
 * first (or had versions) get theirs now: a record without a version gets version 1, and a
 * user without a record gets one, queued at the job's version.
 */
export async function findInvitationToSend(userId: Types.ObjectId, version: number, importId: string | undefined): Promise<InvitationRecord> {
  const found = await InvitationModel.findOne({ userId }).lean();
  if (found && found.version != null) return found;
  await InvitationModel.updateOne(
    found ? { _id: found._id, version: null } : { userId },
    found ? { $set: { version: 1 } } : { $setOnInsert: { status: 'queued', version, importId: importId ? new Types.ObjectId(importId) : null } },
    { upsert: !found },
  );
  return (await InvitationModel.findOne({ userId }).lean()) as NonNullable<typeof found>;
}

/** Fails a queued version for good, saying why (its user is gone). */
export async function failInvitation(invitationId: Types.ObjectId, version: number, why: string): Promise<void> {
  await InvitationModel.updateOne({ _id: invitationId, version, status: 'queued' }, { $set: { status: 'failed', lastError: why } });
}

/** Records why sending a queued version failed; `failed` when no attempt follows, `queued` when one does. */
export async function recordSendFailure(invitationId: Types.ObjectId, version: number, message: string, status: 'failed' | 'queued'): Promise<void> {
  await InvitationModel.updateOne({ _id: invitationId, version, status: 'queued' }, { $set: { lastError: message, status } });
}

/** Links of earlier versions a record remembers, so they can say they were replaced. */
const SUPERSEDED_LINKS_KEPT = 10;

/** What an attempt at sending sets: the address, and when it installs the version's link, the link. */
export type SendAttempt = { email: string } | { email: string; tokenVersion: number; tokenHash: string; tokenExpiresAt: Date; tokenUsedAt: null };

/**
 * Counts an attempt at sending a queued version and sets what it sends, provided the link state
 * read before (`tokenVersion`, `tokenExpiresAt`) still holds: of two racing attempts, one
 * installs the link. A superseded link's hash is kept (the last ten). Returns the link's expiry
 * and use after the write, or null when the record changed meanwhile.
 */
export async function recordSendAttempt(
  invitation: Pick<InvitationRecord, '_id' | 'tokenVersion' | 'tokenExpiresAt'>,
  version: number,
  set: SendAttempt,
  supersededTokenHash: string | undefined,
): Promise<Pick<InvitationRecord, 'tokenExpiresAt' | 'tokenUsedAt'> | null> {
  return InvitationModel.findOneAndUpdate(
    { _id: invitation._id, version, status: 'queued', tokenVersion: invitation.tokenVersion ?? null, tokenExpiresAt: invitation.tokenExpiresAt ?? null },
    {
      $inc: { attempts: 1 },
      $set: set,
      ...(supersededTokenHash && { $push: { supersededTokenHashes: { $each: [supersededTokenHash], $slice: -SUPERSEDED_LINKS_KEPT } } }),
    },
    { returnDocument: 'after', projection: { tokenExpiresAt: 1, tokenUsedAt: 1 } },
  ).lean();
}

/**
 * Marks a queued version sent. The first mail a user ever gets (`sentAt` still null) also marks
 * the record `invitedCountPending` when it counts for an import; true then. A replay, a stale
 * version or a second execution finds the mark made (or the version superseded): false.
 */
export async function markInvitationSent(invitationId: Types.ObjectId, version: number, messageId: string, countsFor: Types.ObjectId | null): Promise<boolean> {
  const sent = { status: 'sent' as const, sentAt: new Date(), messageId, lastError: null };
  const unsent = { _id: invitationId, version, status: 'queued' as const };
  const first = await InvitationModel.updateOne({ ...unsent, sentAt: null }, { $set: countsFor ? { ...sent, invitedCountPending: true } : sent });
  if (first.modifiedCount === 0) {
    await InvitationModel.updateOne(unsent, { $set: sent });
    return false;
  }
  return true;
}

/** The import's count has been raised for this invitation. */
export async function clearInvitedCountPending(invitationId: Types.ObjectId): Promise<void> {
  await InvitationModel.updateOne({ _id: invitationId }, { $unset: { invitedCountPending: 1 } }, { timestamps: false });
}

/** Records whose count a worker left pending, untouched since `olderThan`. */
const pendingSince = (olderThan: Date) => ({ invitedCountPending: true, updatedAt: { $lte: olderThan } });

/** The imports with counts left pending since `olderThan` (null: invitations of no import). */
export async function importsWithPendingInvitedCounts(olderThan: Date): Promise<Array<Types.ObjectId | null>> {
  return (await InvitationModel.distinct('importId', pendingSince(olderThan))) as Array<Types.ObjectId | null>;
}

/** Whether an invitation of the import is still queued, or being counted (pending, touched after `olderThan`). */
export async function invitationsInFlight(importId: Types.ObjectId, olderThan: Date): Promise<boolean> {
  return Boolean(await InvitationModel.exists({
    importId,
    $or: [{ status: 'queued' }, { invitedCountPending: true, updatedAt: { $gt: olderThan } }],
  }));
}

/** How many of the import's users were ever sent a mail. */
export async function countSentInvitations(importId: Types.ObjectId): Promise<number> {
  return InvitationModel.countDocuments({ importId, sentAt: { $ne: null } });
}

/** Clears the import's counts left pending since `olderThan`, once its count is settled. */
export async function clearPendingInvitedCounts(importId: Types.ObjectId, olderThan: Date): Promise<void> {
  await InvitationModel.updateMany({ ...pendingSince(olderThan), importId }, { $unset: { invitedCountPending: 1 } }, { timestamps: false });
}

/** A queued invitation as recovery reads it. */
export interface QueuedInvitation {
  userId: Types.ObjectId;
  importId?: Types.ObjectId | null;
  version?: number | null;
}

/** The invitations queued and untouched since `olderThan`, from a cursor `batchSize` at a time. */
export function readQueuedInvitations(olderThan: Date, batchSize: number): AsyncIterable<QueuedInvitation> {
  return InvitationModel.find({ status: 'queued', updatedAt: { $lte: olderThan } }, { userId: 1, importId: 1, version: 1 })
    .lean<QueuedInvitation>()
    .cursor({ batchSize });
}

/** The invitations of these users stop working as of `now` (those revoked already keep their time). */
export async function revokeInvitationsOfUsers(userIds: Types.ObjectId[], now: Date): Promise<void> {
  await InvitationModel.updateMany({ userId: { $in: userIds }, revokedAt: null }, { $set: { revokedAt: now } });
}

/** The invitation whose current link has this hash. */
export async function findInvitationByTokenHash(tokenHash: string): Promise<InvitationRecord | null> {
  return InvitationModel.findOne({ tokenHash }).lean();
}

/** Whether a link with this hash was replaced by a newer invitation. */
export async function isSupersededLink(tokenHash: string): Promise<boolean> {
  return Boolean(await InvitationModel.exists({ supersededTokenHashes: tokenHash }));
}

/**
 * Claims the link for its one use, atomically: of two simultaneous submissions only one gets
 * it. The invitation's user, or null when the link is unknown, used, expired or revoked.
 */
export async function claimInvitationLink(tokenHash: string, now: Date): Promise<{ userId: Types.ObjectId } | null> {
  return InvitationModel.findOneAndUpdate(
    { tokenHash, tokenUsedAt: null, tokenExpiresAt: { $gt: now }, revokedAt: null },
    { $set: { tokenUsedAt: now } },
    { projection: { userId: 1 } },
  ).lean();
}

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
