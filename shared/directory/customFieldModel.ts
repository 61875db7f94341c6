import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

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
