import { EXPORT_HEADERS, acceptedHeaders, columnLetter, describeColumnProblems, headerClash, resolveColumns } from './userColumns';

const fields = [
  { key: 'jobtitle', label: 'Job title' },
  { key: 'department', label: 'Department' },
];
const targetsOf = (headers: string[], customFields = fields) => {
  const result = resolveColumns(headers, customFields);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.columns.map((column) => column.target);
};

describe('matching a file header to user fields', () => {
  test('the export writes the columns of the help article, in its order', () => {
    expect(EXPORT_HEADERS).toEqual(['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'Password', 'External ID']);
  });

  test('the export header maps every column', () => {
    expect(targetsOf([...EXPORT_HEADERS, 'Job title', 'Department'])).toEqual([
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

  test('each binding knows the position and the header as written', () => {
    const result = resolveColumns(['\uFEFFEmail', '  Job title '], fields);
    expect(result).toEqual({
      ok: true,
      columns: [
        { index: 0, header: 'Email', target: { kind: 'standard', field: 'email' } },
        { index: 1, header: 'Job title', target: { kind: 'custom', key: 'jobtitle' } },
      ],
    });
  });

  test.each([
    ['EMAIL', 'email'],
    ['e-mail', 'email'],
    ['E_Mail', 'email'],
    ['Email Address', 'email'],
    ['\uFEFFEmail', 'email'],
    ['user name', 'username'],
    ['user_name', 'username'],
    ['firstname', 'firstName'],
    ['First-Name', 'firstName'],
    ['Given Name', 'firstName'],
    ['lastname', 'lastName'],
    ['SURNAME', 'lastName'],
    ['groups', 'groups'],
    ['usergroups', 'groups'],
    ['Role', 'roles'],
    ['ROLES', 'roles'],
    ['password', 'password'],
    ['external_id', 'externalId'],
    ['ExternalID', 'externalId'],
  ])('the header %j means %s', (header, field) => {
    const headers = field === 'email' ? [header] : ['Email', header];
    expect(targetsOf(headers)).toContainEqual({ kind: 'standard', field });
  });

  test('a custom field is matched by its label or its key', () => {
    expect(targetsOf(['Email', 'JOB_TITLE', 'department'])).toEqual([
      { kind: 'standard', field: 'email' },
      { kind: 'custom', key: 'jobtitle' },
      { kind: 'custom', key: 'department' },
    ]);
  });

  test("a label finds its own field even when it reads like another field's key", () => {
    const clashing = [
      { key: 'job_title', label: 'Job' },
      { key: 'jobtitle', label: 'Job title' },
    ];
    expect(targetsOf(['Email', 'Job', 'Job title'], clashing)).toEqual([
      { kind: 'standard', field: 'email' },
      { kind: 'custom', key: 'job_title' },
      { kind: 'custom', key: 'jobtitle' },
    ]);
  });

  test('the Error column of an error report is accepted and ignored', () => {
    expect(targetsOf(['Email', 'Error'])).toEqual([{ kind: 'standard', field: 'email' }, { kind: 'ignored' }]);
  });
});

describe('headers that are refused, with a message that says what to do', () => {
  test.each([
    [['Username'], [{ kind: 'missing_email' }], 'The file has no Email column: add one'],
    [['Email', 'Shoe size', 'Pet'], [{ kind: 'unknown', headers: ['Shoe size', 'Pet'] }], 'Unknown columns "Shoe size", "Pet": rename or delete them'],
    [['Email', 'Pet', 'pet '], [{ kind: 'unknown', headers: ['Pet', 'pet'] }], 'Unknown columns "Pet", "pet"'],
    [['Email', 'Pet', 'Pet'], [{ kind: 'unknown', headers: ['Pet'] }], 'Unknown column "Pet": rename or delete it'],
    [['Email', 'First Name', 'first_name'], [{ kind: 'duplicated', headers: ['First Name', 'first_name'] }], 'The columns "First Name", "first_name" mean the same thing: keep only one'],
    [['Email', 'e-mail'], [{ kind: 'duplicated', headers: ['Email', 'e-mail'] }], 'keep only one'],
    [['Email', 'Role', 'Roles', 'ROLES'], [{ kind: 'duplicated', headers: ['Role', 'Roles', 'ROLES'] }], '"Role", "Roles", "ROLES"'],
    [['Email', 'Job title', 'jobtitle'], [{ kind: 'duplicated', headers: ['Job title', 'jobtitle'] }], 'keep only one'],
    [['Email', '', 'Username'], [{ kind: 'blank_header', positions: [2] }], 'Column B (2) has no header: give it one, or delete the column'],
    [['Email', 'Username', '', ' '], [{ kind: 'blank_header', positions: [3, 4] }], 'Columns C (3), D (4) have no header: give them one, or delete those columns'],
    [['', 'Email'], [{ kind: 'blank_header', positions: [1] }], 'Column A (1) has no header'],
    [['Email', ...Array(5000).fill('')], [{ kind: 'blank_header', positions: Array.from({ length: 20 }, (_, i) => i + 2), more: 4980 }], 'Columns B (2), C (3), D (4), E (5), F (6), G (7), H (8), I (9), J (10), K (11), L (12), M (13), N (14), O (15), P (16), Q (17), R (18), S (19), T (20), U (21) and 4980 more have no header'],
    [['Email', ...Array.from({ length: 25 }, (_, i) => `Pet${i}`)], [{ kind: 'unknown', headers: Array.from({ length: 20 }, (_, i) => `Pet${i}`), more: 5 }], '"Pet19" and 5 more: rename or delete them'],
  ])('%j is refused: %j', (headers, problems, message) => {
    const result = resolveColumns(headers, fields);
    expect(result).toEqual({ ok: false, problems });
    if (!result.ok) expect(describeColumnProblems(result.problems)).toContain(message);
  });

  test('every problem of a header is reported at once', () => {
    const result = resolveColumns(['Username', 'Pet', 'Role', 'role', ''], fields);
    expect(result).toEqual({
      ok: false,
      problems: [{ kind: 'missing_email' }, { kind: 'unknown', headers: ['Pet'] }, { kind: 'duplicated', headers: ['Role', 'role'] }, { kind: 'blank_header', positions: [5] }],
    });
  });

  test('the accepted columns are the export headers and the custom field labels', () => {
    expect(acceptedHeaders(fields)).toEqual(['Email', 'Username', 'First Name', 'Last Name', 'User groups', 'Roles', 'Password', 'External ID', 'Job title', 'Department']);
  });

  test.each([
    [1, 'A'],
    [26, 'Z'],
    [27, 'AA'],
    [52, 'AZ'],
    [703, 'AAA'],
  ])('column %d is column %s in Excel', (position, letter) => {
    expect(columnLetter(position)).toBe(letter);
  });
});

describe('names a new custom field may not take', () => {
  test.each<[string, string | undefined]>([
    ['Role', 'Roles'],
    ['e-mail', 'Email'],
    ['Surname', 'Last Name'],
    ['external_id', 'External ID'],
    ['error', 'Error'],
    ['JOB TITLE', 'Job title'],
    ['department', 'Department'],
    ['Shoe size', undefined],
    ['Team', undefined],
  ])('%j clashes with %j', (name, clash) => {
    expect(headerClash(name, fields)).toBe(clash);
  });
});
