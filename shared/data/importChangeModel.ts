import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/**
 * The change records of imports (rules/changeRecords.ts): one document per created or updated
 * row. `importId` + `row` is unique, so a chunk replayed after a crash writes each record once.
 */
const importChangeSchema = new Schema(
  {
    importId: { type: Schema.Types.ObjectId, required: true },
    row: { type: Number, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    username: { type: String, required: true },
    outcome: { type: String, enum: ['created', 'updated'], required: true },
    /** `{ field, before, after }` in rules/changeRecords.ts terms; values are text, lists or null. */
    changes: { type: [new Schema({ field: String, before: Schema.Types.Mixed, after: Schema.Types.Mixed }, { _id: false })], default: [] },
    /** Never selected unless asked for, never served: only undo reads it. */
    passwordHashes: { type: new Schema({ before: String, after: String }, { _id: false }), select: false, default: undefined },
    /**
     * The undo job that removed this created user, written before the delete: a replayed undo
     * chunk that finds the user gone counts it as removed only with this mark.
     */
    removedBy: { type: Schema.Types.ObjectId, default: undefined },
    /** CHANGE_RETENTION_DAYS after the record was written; MongoDB deletes it then (TTL index). */
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);
importChangeSchema.index({ importId: 1, row: 1 }, { unique: true, name: 'import_row_unique' });
importChangeSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0, name: 'expiry' });

export type ImportChangeDocument = InferSchemaType<typeof importChangeSchema> & { _id: Types.ObjectId };
export const ImportChangeModel = model('ImportChange', importChangeSchema, 'importchanges');
