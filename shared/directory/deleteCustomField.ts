import { AppError, conflict, invalidInput } from '../platform/appError';
import { normaliseHeader, resolveColumns, type CustomFieldColumn } from '../rules/userColumns';
import { findUnfinishedImportHeaders } from '../data/importStore';
import { listCustomFields } from './customFieldDirectory';
import { CUSTOM_FIELD_KEY_PATTERN, deleteCustomFieldDefinition, findCustomField } from '../data/customFieldStore';
import { anyUserHasValue } from '../data/userStore';
import { removeValueFromUsers } from '../data/userWrites';

export interface DeletedCustomField {
  key: string;
  /** Users that held a value and lost it in this run. */
  removedFromUsers: number;
}

/**
 * Deletes a custom field and its value from every user.
 *
 * The definition goes first, so no new import, export or upload check uses the field, then the
 * values, in batches. There is no "deleting" mark: a run cut short (crash, restart) leaves only
 * values that nothing reads any more, and running the deletion again finds them by looking for
 * users that still hold a value under the key, so a key with no definition but with values
 * left is cleaned, not refused. Only a key with neither is unknown. Creating a field with that
 * key is refused while values are left, so they never resurface under a new field. A mark on
 * the definition would have made every reader of definitions (imports, exports, the list)
 * skip marked fields.
 */
export async function deleteCustomField(requestedKey: string): Promise<DeletedCustomField> {
  const key = wellFormedKey(requestedKey);
  const field = await findCustomField(key);
  if (field) {
    await refuseWhileAnUnfinishedImportHasItsColumn(field);
    await deleteCustomFieldDefinition(field._id);
  } else if (!(await anyUserHasValue(key))) {
    throw new AppError('not_found', 'not_found', `There is no custom field with the key "${key}". List the fields with GET /api/custom-fields.`);
  }
  return { key, removedFromUsers: await removeValueFromUsers(key) };
}

function wellFormedKey(key: string): string {
  if (CUSTOM_FIELD_KEY_PATTERN.test(key)) return key;
  throw invalidInput(
    'invalid_custom_field_key',
    `"${key.slice(0, 60)}" is not a custom field key: keys are lower-case letters, digits and _, starting with a letter. List the fields with GET /api/custom-fields.`,
  );
}

/**
 * An import reads the definitions when it starts and fails on a column whose field is gone; one
 * already running would write values after they were removed.
 */
async function refuseWhileAnUnfinishedImportHasItsColumn(field: CustomFieldColumn): Promise<void> {
  const unfinished = await findUnfinishedImportHeaders();
  if (!unfinished.length) return;
  const fields = await listCustomFields();
  const importUsingIt = unfinished.find((job) => hasColumnFor(job.headers, field, fields));
  if (!importUsingIt) return;
  const id = String(importUsingIt._id);
  throw conflict(
    'custom_field_in_use',
    `The import ${id} (${importUsingIt.status}) has a column for the custom field "${field.label}" and would fail mid-way without it. Wait for that import to end, or cancel it (POST /api/imports/${id}/cancel), then delete the field.`,
    { importId: id },
  );
}

/** The same reading of headers as the worker's; a file that no longer resolves is judged by name. */
function hasColumnFor(headers: readonly string[], field: CustomFieldColumn, fields: readonly CustomFieldColumn[]): boolean {
  const resolved = resolveColumns(headers, fields);
  if (resolved.ok) return resolved.columns.some(({ target }) => target.kind === 'custom' && target.key === field.key);
  const names = new Set([normaliseHeader(field.key), normaliseHeader(field.label)]);
  return headers.some((header) => names.has(normaliseHeader(header.trim())));
}
