/**
 * How the change records of an import read to an admin: changes.csv, one line per changed field
 * (filterable in Excel by field or outcome), and the counts per field shown above the preview.
 */
import type { ChangeOutcome, ChangedField, FieldChange, FieldValue } from './changeRecords';
import { neutraliseFormula } from './spreadsheetSafety';

export const CHANGES_HEADER: readonly string[] = ['Row', 'Username', 'Outcome', 'Field', 'Before', 'After'];

/** Custom field key → label, for the fields that still exist; a deleted one is named by its key. */
export type CustomFieldLabels = ReadonlyMap<string, string>;

/**
 * Standard fields as the export's columns name them, and as a sentence names them. Groups are
 * "Groups" here, not the export's "User groups": the cell holds group names, nothing else.
 */
const STANDARD_FIELDS: ReadonlyArray<{ field: ChangedField; column: string; phrase: string }> = [
  { field: 'email', column: 'Email', phrase: 'Email' },
  { field: 'firstName', column: 'First Name', phrase: 'First name' },
  { field: 'lastName', column: 'Last Name', phrase: 'Last name' },
  { field: 'groups', column: 'Groups', phrase: 'Groups' },
  { field: 'roles', column: 'Roles', phrase: 'Roles' },
  { field: 'password', column: 'Password', phrase: 'Password' },
  { field: 'externalId', column: 'External ID', phrase: 'External ID' },
];
const CUSTOM_PREFIX = 'customFields.';

/** The field as the export's column header names it ("Last Name", a custom field's label). */
export function fieldLabel(field: string, customLabels: CustomFieldLabels): string {
  const standard = STANDARD_FIELDS.find((entry) => entry.field === field);
  if (standard) return standard.column;
  if (field.startsWith(CUSTOM_PREFIX)) {
    const key = field.slice(CUSTOM_PREFIX.length);
    return customLabels.get(key) ?? key;
  }
  return field;
}

/** The field inside a sentence ("Last name changed"); custom labels are the admin's own words, kept as written. */
function fieldPhrase(field: string, customLabels: CustomFieldLabels): string {
  return STANDARD_FIELDS.find((entry) => entry.field === field)?.phrase ?? fieldLabel(field, customLabels);
}

/** Standard fields first, in export column order, then custom fields by label. */
function fieldOrder(field: string): number {
  const index = STANDARD_FIELDS.findIndex((entry) => entry.field === field);
  return index === -1 ? STANDARD_FIELDS.length : index;
}

/** A value as the export writes it: lists `; `-joined, unset blank. */
export function valueText(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return '';
  return Array.isArray(value) ? value.join('; ') : value;
}

/**
 * A password is never shown, not even as a hash: the record only knows that one was set (a new
 * user) or replaced (an existing one).
 */
function passwordCells(outcome: ChangeOutcome): [string, string] {
  return outcome === 'created' ? ['', 'set (not shown)'] : ['', 'changed (not shown)'];
}

const OUTCOME_TEXT: Record<ChangeOutcome, string> = { created: 'Created', updated: 'Updated' };

export interface ChangedRow {
  row: number;
  username: string;
  outcome: ChangeOutcome;
}

/** One changes.csv line: every cell guarded against Excel formulas, like the export's. */
export function changeCells(record: ChangedRow, change: FieldChange, customLabels: CustomFieldLabels): string[] {
  const [before, after] = change.field === 'password' ? passwordCells(record.outcome) : [valueText(change.before), valueText(change.after)];
  return [String(record.row), record.username, OUTCOME_TEXT[record.outcome] ?? record.outcome, fieldLabel(change.field, customLabels), before, after].map(neutraliseFormula);
}

/** How many records of each outcome name a field (each record names a field at most once). */
export interface FieldCount {
  field: string;
  outcome: ChangeOutcome;
  users: number;
}

export interface FieldSummary {
  field: string;
  label: string;
  /** Users whose record names the field: created + updated. */
  users: number;
  created: number;
  updated: number;
  /** "312 users: Roles changed". */
  text: string;
}

/** 2345 → "2,345": the page shows the text as it is, whatever the reader's locale. */
const countText = (count: number) => String(count).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const usersText = (count: number, noun = 'user') => `${countText(count)} ${noun}${count === 1 ? '' : 's'}`;

/**
 * One line per field, most users first. A new user's fields are "set" rather than "changed":
 * "312 users: Roles changed", "1 new user: Email set", "40 users: Last name changed (2 of them new)".
 */
export function summariseFields(counts: readonly FieldCount[], customLabels: CustomFieldLabels): FieldSummary[] {
  const byField = new Map<string, { created: number; updated: number }>();
  for (const count of counts) {
    const entry = byField.get(count.field) ?? { created: 0, updated: 0 };
    entry[count.outcome] += count.users;
    byField.set(count.field, entry);
  }
  const summaries = [...byField].map(([field, { created, updated }]) => {
    const users = created + updated;
    const phrase = fieldPhrase(field, customLabels);
    const text = updated === 0
      ? `${usersText(created, 'new user')}: ${phrase} set`
      : `${usersText(users)}: ${phrase} changed${created > 0 ? ` (${countText(created)} of them new)` : ''}`;
    return { field, label: fieldLabel(field, customLabels), users, created, updated, text };
  });
  return summaries.sort((a, b) => b.users - a.users || fieldOrder(a.field) - fieldOrder(b.field) || a.label.localeCompare(b.label));
}
