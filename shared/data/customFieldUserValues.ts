import type { Types } from 'mongoose';
import { invalidInput } from '../platform/appError';
import { CUSTOM_FIELD_KEY_PATTERN } from './customFieldModel';
import { UserModel } from './userModel';

/** Users whose values one write removes: a million-user directory never sees one giant write. */
const REMOVAL_BATCH = 1000;

/** Where users store a field's value. Refuses any key that could address another path. */
function valuePath(key: string): string {
  if (!CUSTOM_FIELD_KEY_PATTERN.test(key)) throw invalidInput('invalid_custom_field_key', `"${key.slice(0, 60)}" is not a custom field key.`);
  return `customFields.${key}`;
}

/** Whether any user still holds a value under the key (an own property: `constructor` is data). */
export async function anyUserHasValue(key: string): Promise<boolean> {
  return Boolean(await UserModel.exists({ [valuePath(key)]: { $exists: true } }));
}

/**
 * Removes the key's value from every user, a batch of ids at a time, walking forward by `_id`
 * so each user is looked at once however many batches it takes. Returns how many users lost a
 * value; running it again removes only what is left.
 */
export async function removeValueFromUsers(key: string): Promise<number> {
  const path = valuePath(key);
  let removed = 0;
  let after: Types.ObjectId | undefined;
  for (;;) {
    const holders = await UserModel.find({ ...(after && { _id: { $gt: after } }), [path]: { $exists: true } }, { _id: 1 })
      .sort({ _id: 1 })
      .limit(REMOVAL_BATCH)
      .lean();
    if (!holders.length) return removed;
    const ids = holders.map((user) => user._id);
    const result = await UserModel.updateMany({ _id: { $in: ids }, [path]: { $exists: true } }, { $unset: { [path]: '' } });
    removed += result.modifiedCount;
    after = ids[ids.length - 1];
  }
}
