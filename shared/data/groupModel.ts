import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

const groupSchema = new Schema(
  {
    /** CSV rows name groups by this exact text. */
    name: { type: String, required: true },
  },
  { timestamps: true, versionKey: false },
);
groupSchema.index({ name: 1 }, { unique: true, name: 'name_unique' });

export type GroupDocument = InferSchemaType<typeof groupSchema> & { _id: Types.ObjectId };
export const GroupModel = model('Group', groupSchema, 'groups');
