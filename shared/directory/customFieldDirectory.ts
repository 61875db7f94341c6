import { conflict, invalidInput } from '../platform/appError';
import { needsGuard } from '../rules/spreadsheetSafety';
import { hasControlCharacter } from '../rules/cellText';
import { headerClash } from '../rules/userColumns';
import { CUSTOM_FIELD_KEY_PATTERN, addCustomField, findCustomFieldWithKeyOrLabel, findCustomFields } from '../data/customFieldStore';
import { anyUserHasValue } from '../data/userStore';

export interface CustomFieldView {
  key: string;
  label: string;
}

/** Definition order is export column order. */
export async function listCustomFields(): Promise<CustomFieldView[]> {
  return findCustomFields();
}

export async function createCustomField(input: unknown): Promise<CustomFieldView> {
  const body = (input ?? {}) as { key?: unknown; label?: unknown };
  const key = typeof body.key === 'string' ? body.key.trim() : '';
  const label = typeof body.label === 'string' ? body.label.trim() : '';
  if (!CUSTOM_FIELD_KEY_PATTERN.test(key)) {
    throw invalidInput('invalid_custom_field', 'The key must start with a lower-case letter and contain only a-z, 0-9 and _ (at most 50), e.g. {"key": "jobtitle", "label": "Job title"}.');
  }
  if (key in Object.prototype) {
    // Values live under their key inside each user; a key that names an object internal could be
    // mistaken for one by code that reads them.
    throw invalidInput('reserved_custom_field_key', `"${key}" is a reserved name: choose another key, e.g. "${key}_field".`);
  }
  if (!label || label.length > 100) throw invalidInput('invalid_custom_field', 'Give the field a label of at most 100 characters, e.g. "Job title".');
  if (needsGuard(label) || hasControlCharacter(label) || /[\t\r\n]/.test(label)) {
    // The label is the column's header in every export: Excel would run it as a formula.
    throw invalidInput('invalid_custom_field', 'A label cannot start with =, +, - or @ (a spreadsheet would run it as a formula) or hold control characters: write it as plain words, e.g. "Job title".');
  }
  for (const name of [key, label]) {
    const column = headerClash(name, []);
    // A field named like a standard column could never be imported: its column would be read as that one.
    if (column) throw invalidInput('invalid_custom_field', `"${name}" would be read as the ${column} column in CSV files: choose another name.`);
  }
  const existing = await findCustomFieldWithKeyOrLabel(key, label);
  if (existing) throw conflict('custom_field_exists', `A custom field with the key "${existing.key}" or the label "${existing.label}" already exists.`);
  if (await anyUserHasValue(key)) {
    // Values of a field whose deletion was cut short would come back under the new field.
    throw conflict('custom_field_values_left', `Users still hold values of an earlier custom field "${key}" whose deletion did not finish. Finish it with DELETE /api/custom-fields/${key}, then create the field again.`);
  }
  if ((await addCustomField(key, label)) === 'exists') throw conflict('custom_field_exists', `A custom field with the key "${key}" already exists.`);
  return { key, label };
}
