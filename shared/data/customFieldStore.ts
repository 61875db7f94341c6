import type { Types } from 'mongoose';
import { isDuplicateKey } from './databaseErrors';
import { CustomFieldModel } from './customFieldModel';

export { CUSTOM_FIELD_KEY_PATTERN } from './customFieldModel';

/** A custom field as imports, exports and the directory know it. */
export interface CustomFieldDefinition {
  key: string;
  label: string;
}

/** Every custom field in definition order, which is export column order. */
export async function findCustomFields(): Promise<CustomFieldDefinition[]> {
  const fields = await CustomFieldModel.find({}, { key: 1, label: 1 }).sort({ createdAt: 1, _id: 1 }).lean();
  return fields.map(({ key, label }) => ({ key, label }));
}

/** The field with this key, if it is defined. */
export async function findCustomField(key: string): Promise<(CustomFieldDefinition & { _id: Types.ObjectId }) | null> {
  return CustomFieldModel.findOne({ key }, { key: 1, label: 1 }).lean();
}

/** A field that already has this key or this label, if any. */
export async function findCustomFieldWithKeyOrLabel(key: string, label: string): Promise<CustomFieldDefinition | null> {
  return CustomFieldModel.findOne({ $or: [{ key }, { label }] }).lean();
}

/** Defines a field; `exists` when the unique index already holds one with that key. */
export async function addCustomField(key: string, label: string): Promise<'added' | 'exists'> {
  try {
    await CustomFieldModel.create({ key, label });
    return 'added';
  } catch (error) {
    if (isDuplicateKey(error)) return 'exists';
    throw error;
  }
}

/** Deletes a field's definition (data/userWrites.ts removeValueFromUsers takes its values off users). */
export async function deleteCustomFieldDefinition(id: Types.ObjectId): Promise<void> {
  await CustomFieldModel.deleteOne({ _id: id });
}

/** Which of these keys still have a definition. */
export async function existingCustomFieldKeys(keys: string[]): Promise<Set<string>> {
  const fields = await CustomFieldModel.find({ key: { $in: keys } }, { key: 1 }).lean();
  return new Set(fields.map((field) => field.key));
}
