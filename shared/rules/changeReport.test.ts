import type { FieldChange } from './changeRecords';
import { CHANGES_HEADER, changeCells, fieldLabel, summariseFields, valueText, type ChangedRow, type FieldCount } from './changeReport';

const LABELS = new Map([
  ['jobtitle', 'Job title'],
  ['formula', '=Danger'],
]);
const UPDATED: ChangedRow = { row: 7, username: 'ann', outcome: 'updated' };
const CREATED: ChangedRow = { row: 2, username: 'bob', outcome: 'created' };

describe('the changes.csv layout', () => {
  test('the header is Row, Username, Outcome, Field, Before, After', () => {
    expect(CHANGES_HEADER).toEqual(['Row', 'Username', 'Outcome', 'Field', 'Before', 'After']);
  });
});

describe('field labels', () => {
  test.each<[string, string]>([
    ['email', 'Email'],
    ['firstName', 'First Name'],
    ['lastName', 'Last Name'],
    ['externalId', 'External ID'],
    ['groups', 'Groups'],
    ['roles', 'Roles'],
    ['password', 'Password'],
    ['customFields.jobtitle', 'Job title'],
    ['customFields.deleted_since', 'deleted_since'],
  ])('When the field is %s, then the admin reads "%s"', (field, label) => {
    expect(fieldLabel(field, LABELS)).toBe(label);
  });
});

describe('values', () => {
  test.each<[string, Parameters<typeof valueText>[0], string]>([
    ['null', null, ''],
    ['text', 'Lee', 'Lee'],
    ['a list', ['Admin', 'Learner'], 'Admin; Learner'],
    ['an empty list', [], ''],
  ])('When the value is %s, then it is written as the export writes it', (_name, value, text) => {
    expect(valueText(value)).toBe(text);
  });
});

describe('the cells of one change', () => {
  test.each<[string, ChangedRow, FieldChange, string[]]>([
    ['an updated last name', UPDATED, { field: 'lastName', before: 'Lee', after: 'Smith' }, ['7', 'ann', 'Updated', 'Last Name', 'Lee', 'Smith']],
    ['roles added', UPDATED, { field: 'roles', before: ['Learner'], after: ['Admin', 'Learner'] }, ['7', 'ann', 'Updated', 'Roles', 'Learner', 'Admin; Learner']],
    ['an external ID set where there was none', UPDATED, { field: 'externalId', before: null, after: 'E-1' }, ['7', 'ann', 'Updated', 'External ID', '', 'E-1']],
    ['a field cleared', UPDATED, { field: 'customFields.jobtitle', before: 'Engineer', after: null }, ['7', 'ann', 'Updated', 'Job title', 'Engineer', '']],
    ['a new user\'s email', CREATED, { field: 'email', before: null, after: 'bob@example.com' }, ['2', 'bob', 'Created', 'Email', '', 'bob@example.com']],
    ['a changed password', UPDATED, { field: 'password', before: null, after: null }, ['7', 'ann', 'Updated', 'Password', '', 'changed (not shown)']],
    ['a new user\'s password', CREATED, { field: 'password', before: null, after: null }, ['2', 'bob', 'Created', 'Password', '', 'set (not shown)']],
  ])('When the change is %s, then its cells say so', (_name, record, change, cells) => {
    expect(changeCells(record, change, LABELS)).toEqual(cells);
  });

  test.each<[string, ChangedRow, FieldChange, string[]]>([
    ['the values', UPDATED, { field: 'firstName', before: '=1+1', after: '@SUM(A1)' }, ['7', 'ann', 'Updated', 'First Name', "'=1+1", "'@SUM(A1)"]],
    ['a list', UPDATED, { field: 'groups', before: [], after: ['-Sales', 'Ops'] }, ['7', 'ann', 'Updated', 'Groups', '', "'-Sales; Ops"]],
    ['the username', { ...UPDATED, username: '+ann' }, { field: 'lastName', before: 'a', after: 'b' }, ['7', "'+ann", 'Updated', 'Last Name', 'a', 'b']],
    ['a custom field label', UPDATED, { field: 'customFields.formula', before: null, after: 'x' }, ['7', 'ann', 'Updated', "'=Danger", '', 'x']],
  ])('When %s would start a formula, then the cell is guarded like the export', (_name, record, change, cells) => {
    expect(changeCells(record, change, LABELS)).toEqual(cells);
  });
});

describe('the counts per field', () => {
  const count = (field: string, outcome: FieldCount['outcome'], users: number): FieldCount => ({ field, outcome, users });

  test.each<[string, FieldCount[], string[]]>([
    ['only updates', [count('roles', 'updated', 312), count('lastName', 'updated', 40)], ['312 users: Roles changed', '40 users: Last name changed']],
    ['one user', [count('lastName', 'updated', 1)], ['1 user: Last name changed']],
    ['only new users', [count('email', 'created', 3)], ['3 new users: Email set']],
    ['one new user', [count('password', 'created', 1)], ['1 new user: Password set']],
    ['new and updated users', [count('groups', 'updated', 38), count('groups', 'created', 2)], ['40 users: Groups changed (2 of them new)']],
    ['a custom field', [count('customFields.jobtitle', 'updated', 5)], ['5 users: Job title changed']],
    ['equal counts', [count('customFields.jobtitle', 'updated', 2), count('externalId', 'updated', 2), count('email', 'updated', 2)], ['2 users: Email changed', '2 users: External ID changed', '2 users: Job title changed']],
    ['thousands', [count('roles', 'updated', 12_000), count('roles', 'created', 1_500), count('email', 'created', 1_500)], ['13,500 users: Roles changed (1,500 of them new)', '1,500 new users: Email set']],
    ['nothing', [], []],
  ])('When the records hold %s, then the lines read as an admin says them, most users first', (_name, counts, lines) => {
    expect(summariseFields(counts, LABELS).map((summary) => summary.text)).toEqual(lines);
  });

  test('When a field is counted, then its summary carries the field, its label and the counts', () => {
    expect(summariseFields([count('groups', 'updated', 38), count('groups', 'created', 2)], LABELS)).toEqual([
      { field: 'groups', label: 'Groups', users: 40, created: 2, updated: 38, text: '40 users: Groups changed (2 of them new)' },
    ]);
  });
});
