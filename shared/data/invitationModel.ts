import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

export const INVITATION_STATUSES = ['queued', 'sent', 'failed'] as const;

/**
 * One per user: the state of their invitation and of the link it carries. The record is written
 * before its queue job, so it, not Redis, is what says an invitation is still owed.
 */
const invitationSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The import that created the user, whose `invited` count this invitation adds to. */
    importId: { type: Schema.Types.ObjectId, default: null },
    /** Filled when a mail is sent: the address it went to. */
    email: { type: String, default: null },
    /** Bumped by each re-send; only the job of the current version sends anything. */
    version: { type: Number, required: true, default: 1 },
    /** The state of the current version. */
    status: { type: String, enum: INVITATION_STATUSES, required: true, default: 'queued' },
    attempts: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    messageId: { type: String, default: null },
    /** The last time a mail went out; null means never, so the first send is counted. */
    sentAt: { type: Date, default: null },
    /**
     * Set together with the first `sent` mark, cleared once the import's `invited` count has
     * been raised: a worker dying between the two writes leaves it for the recovery sweep.
     */
    invitedCountPending: { type: Boolean, default: undefined },
    /** The version whose link `tokenHash` holds: the link is installed by that version's first attempt. */
    tokenVersion: { type: Number, default: null },
    /** sha256 of the link's token: a database leak gives no working links. */
    tokenHash: { type: String, default: null },
    tokenExpiresAt: { type: Date, default: null },
    tokenUsedAt: { type: Date, default: null },
    /**
     * sha256 of the links earlier versions carried (the last ten): a link superseded by a re-send
     * answers that a newer invitation was sent, instead of looking mistyped.
     */
    supersededTokenHashes: { type: [String], default: undefined },
    /** The user was removed (an undo of the import that created it): the link answers 410. */
    revokedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
invitationSchema.index({ userId: 1 }, { unique: true, name: 'user_unique' });
invitationSchema.index({ tokenHash: 1 }, { name: 'token', partialFilterExpression: { tokenHash: { $type: 'string' } } });
invitationSchema.index({ importId: 1, status: 1 }, { name: 'import_status' });
invitationSchema.index({ supersededTokenHashes: 1 }, { name: 'superseded_token' });
// The recovery sweep: queued invitations untouched for a while, and counts a crash left pending.
invitationSchema.index({ status: 1, updatedAt: 1 }, { name: 'status_updated' });
invitationSchema.index({ updatedAt: 1 }, { name: 'count_pending', partialFilterExpression: { invitedCountPending: true } });

export type InvitationDocument = InferSchemaType<typeof invitationSchema> & { _id: Types.ObjectId };
export const InvitationModel = model('Invitation', invitationSchema, 'invitations');
