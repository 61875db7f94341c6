import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

export const INVITATION_STATUSES = ['queued', 'sent', 'failed'] as const;

/** One per user: the state of their invitation and of the link it carries. */
const invitationSchema = new Schema(
  {
    userId: { type: Schema.Types.ObjectId, required: true },
    /** The import that created the user, whose `invited` count this invitation adds to. */
    importId: { type: Schema.Types.ObjectId, default: null },
    email: { type: String, required: true },
    status: { type: String, enum: INVITATION_STATUSES, required: true, default: 'queued' },
    attempts: { type: Number, default: 0 },
    lastError: { type: String, default: null },
    messageId: { type: String, default: null },
    sentAt: { type: Date, default: null },
    /** sha256 of the link's token: a database leak gives no working links. */
    tokenHash: { type: String, default: null },
    tokenExpiresAt: { type: Date, default: null },
    tokenUsedAt: { type: Date, default: null },
  },
  { timestamps: true, versionKey: false },
);
invitationSchema.index({ userId: 1 }, { unique: true, name: 'user_unique' });
invitationSchema.index({ tokenHash: 1 }, { name: 'token', partialFilterExpression: { tokenHash: { $type: 'string' } } });
invitationSchema.index({ importId: 1, status: 1 }, { name: 'import_status' });

export type InvitationDocument = InferSchemaType<typeof invitationSchema> & { _id: Types.ObjectId };
export const InvitationModel = model('Invitation', invitationSchema, 'invitations');
