import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

/**
 * What a key may be, checked since the first release. It is also what makes
 * `customFields.<key>` a safe update path: no dot (another path) and no `$` (an operator).
 */
export const CUSTOM_FIELD_KEY_PATTERN = /^[a-z][a-z0-9_]{0,49}$/;

const customFieldSchema = new Schema(
  {
    /** Stable key users' values are stored under, e.g. `jobtitle`. */
    key: { type: String, required: true },
    /** Column header in exports, e.g. `Job title`. */
    label: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
customFieldSchema.index({ key: 1 }, { unique: true, name: 'key_unique' });

export type CustomFieldDocument = InferSchemaType<typeof customFieldSchema> & { _id: Types.ObjectId };
export const CustomFieldModel = model('CustomField', customFieldSchema, 'customfields');
