import { acceptedHeaders, describeColumnProblems, resolveColumns } from './userColumns';

const fields = [
  { key: 'jobtitle', label: 'Job title' },
  { key: 'department', label: 'Department' },
];
const targetsOf = (headers: string[]) => {
  const result = resolveColumns(headers, fields);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.columns.map((column) => column.target);
};

describe('matching a file header to user fields', () => {
  test('the export header maps every column', () => {
    expect(targetsOf(['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'Password', 'External ID', 'Job title', 'Department'])).toEqual([
      { kind: 'standard', field: 'email' },
      { kind: 'standard', field: 'username' },
      { kind: 'standard', field: 'firstName' },
      { kind: 'standard', field: 'lastName' },
      { kind: 'standard', field: 'groups' },
      { kind: 'standard', field: 'roles' },
      { kind: 'standard', field: 'password' },
      { kind: 'standard', field: 'externalId' },
      { kind: 'custom', key: 'jobtitle' },
      { kind: 'custom', key: 'department' },
    ]);
  });

  test.each([
    ['EMAIL', 'email'],
    ['e-mail', 'email'],
    ['Email Address', 'email'],
    ['user_name', 'username'],
    ['firstname', 'firstName'],
    ['Given Name', 'firstName'],
    ['SURNAME', 'lastName'],
    ['groups', 'groups'],
    ['Role', 'roles'],
    ['external_id', 'externalId'],
    ['\uFEFFEmail', 'email'],
  ])('the header %j means %s', (header, field) => {
    expect(targetsOf(['Email', header].slice(header.toLowerCase().includes('mail') ? 1 : 0))).toContainEqual({ kind: 'standard', field });
  });

  test('a custom field is matched by its label or its key', () => {
    expect(targetsOf(['Email', 'JOB_TITLE', 'department'])).toEqual([
      { kind: 'standard', field: 'email' },
      { kind: 'custom', key: 'jobtitle' },
      { kind: 'custom', key: 'department' },
    ]);
  });

  test('the Error column of an error report is accepted and ignored', () => {
    expect(targetsOf(['Email', 'Error'])).toEqual([{ kind: 'standard', field: 'email' }, { kind: 'ignored' }]);
  });

  test('blank headers after the last named column are tolerated (Excel writes them)', () => {
    expect(targetsOf(['Email', 'Username', '', ''])).toHaveLength(2);
  });

  test.each([
    [['Username'], [{ kind: 'missing_email' }], 'no Email column'],
    [['Email', 'Shoe size', 'Pet'], [{ kind: 'unknown', headers: ['Shoe size', 'Pet'] }], '"Shoe size", "Pet"'],
    [['Email', 'First Name', 'first_name'], [{ kind: 'duplicated', headers: ['First Name', 'first_name'] }], 'keep only one'],
    [['Email', 'Job title', 'jobtitle'], [{ kind: 'duplicated', headers: ['Job title', 'jobtitle'] }], 'keep only one'],
    [['Email', '', 'Username'], [{ kind: 'blank_header', positions: [2] }], 'Column 2 has no header'],
  ])('%j is refused: %j', (headers, problems, message) => {
    const result = resolveColumns(headers, fields);
    expect(result).toEqual({ ok: false, problems });
    if (!result.ok) expect(describeColumnProblems(result.problems)).toContain(message);
  });

  test('the accepted columns are the export headers and the custom field labels', () => {
    expect(acceptedHeaders(fields)).toEqual(['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'Password', 'External ID', 'Job title', 'Department']);
  });
});
