import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

const userSchema = new Schema(
  {
    /** As the admin wrote it; identity is `usernameKey`. */
    username: { type: String, required: true },
    /** Case-insensitive identity of a user (see usernameKey in shared/rules/rowDecision). */
    usernameKey: { type: String, required: true },
    email: { type: String, required: true },
    firstName: { type: String },
    lastName: { type: String },
    groupIds: { type: [Schema.Types.ObjectId], ref: 'Group', default: [] },
    roles: { type: [String], default: [] },
    /** argon2id hash; never selected unless asked for, never exported. */
    passwordHash: { type: String, select: false },
    externalId: { type: String },
    customFields: { type: Schema.Types.Mixed, default: () => ({}) },
    /**
     * The import row that last wrote this user and what it did. A chunk replayed after a crash
     * finds its own earlier write here and counts it as it was counted the first time.
     */
    lastImport: {
      type: new Schema({ importId: Schema.Types.ObjectId, row: Number, outcome: { type: String, enum: ['created', 'updated'] } }, { _id: false }),
      default: undefined,
    },
  },
  { timestamps: true, minimize: false, versionKey: false },
);

userSchema.index({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });
// Unique only among users that have one: most users have no external ID.
userSchema.index(
  { externalId: 1 },
  { unique: true, name: 'externalId_unique', partialFilterExpression: { externalId: { $type: 'string' } } },
);
userSchema.index({ email: 1 }, { name: 'email' });

export type UserDocument = InferSchemaType<typeof userSchema> & { _id: Types.ObjectId };
export const UserModel = model('User', userSchema, 'users');
