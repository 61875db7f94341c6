/**
 * README, "The CSV format", for rows that match an existing user: exactly the changed fields, blank cells
 * that keep values, add/replace for groups and for roles separately, the password, and the
 * export → upload round trip that must change nothing.
 */
import { neutraliseFormula } from './spreadsheetSafety';
import { decideRow, type DecisionContext, type ExistingUser, type RowCells } from './rowDecision';

type Mode = 'add' | 'replace';
const GROUPS = new Map([
  ['Marketing', 'g-mkt'],
  ['Operations', 'g-ops'],
  ['Sales', 'g-sales'],
]);
const GROUP_NAMES = new Map([...GROUPS].map(([name, id]) => [id, name]));
const CUSTOM_KEYS = ['jobtitle', 'department'];

function existingUser(overrides: Partial<ExistingUser> = {}): ExistingUser {
  return {
    id: 'u-ann',
    username: 'ann',
    email: 'ann@example.com',
    firstName: 'Ann',
    lastName: 'Lee',
    groupIds: ['g-mkt'],
    roles: ['Admin', 'Learner', 'Prizing User'],
    externalId: 'EXT-1',
    customFields: { jobtitle: 'Engineer' },
    ...overrides,
  };
}

/** A row naming Ann with only the columns given (an absent key is an absent column). */
function cells(fields: Partial<RowCells> = {}): RowCells {
  return { email: 'ann@example.com', username: 'ann', ...fields, custom: fields.custom ?? {} };
}

function decide(row: RowCells, options: { groupsMode?: Mode; rolesMode?: Mode; user?: ExistingUser } & Partial<DecisionContext> = {}) {
  const { groupsMode = 'add', rolesMode = 'add', user = existingUser(), ...rest } = options;
  return decideRow(row, { settings: { groupsMode, rolesMode }, groupIdsByName: GROUPS, customFieldKeys: CUSTOM_KEYS, existing: user, ...rest });
}

const update = (changes: object, changedFields: string[]) => ({ kind: 'update', userId: 'u-ann', changes, changedFields });
const UNCHANGED = { kind: 'unchanged', userId: 'u-ann' };

/** The row an export writes for a user (see userExport.ts): names, `; `-joined, blank password, guarded. */
function exportedRow(user: ExistingUser, groupOrder: (names: string[]) => string[] = (names) => names): RowCells {
  const guard = (value: string | undefined) => neutraliseFormula(value ?? '');
  return {
    email: guard(user.email),
    username: guard(user.username),
    firstName: guard(user.firstName),
    lastName: guard(user.lastName),
    groups: guard(groupOrder(user.groupIds.map((id) => GROUP_NAMES.get(id) as string)).join('; ')),
    roles: guard(user.roles.join('; ')),
    password: '',
    externalId: guard(user.externalId),
    custom: Object.fromEntries(CUSTOM_KEYS.map((key) => [key, guard(user.customFields[key])])),
  };
}

describe('an existing user gets exactly the changed fields', () => {
  test.each<[string, Partial<RowCells>, object, string[]]>([
    ['a new first name', { firstName: 'Annie' }, { firstName: 'Annie' }, ['firstName']],
    ['a new last name', { lastName: 'Lee-Smith' }, { lastName: 'Lee-Smith' }, ['lastName']],
    ['a new email', { email: 'ann.lee@example.com' }, { email: 'ann.lee@example.com' }, ['email']],
    ['a new external ID', { externalId: 'EXT-2' }, { externalId: 'EXT-2' }, ['externalId']],
    ['a changed custom field', { custom: { jobtitle: 'Manager' } }, { customFields: { jobtitle: 'Manager' } }, ['customFields.jobtitle']],
    ['a first custom value', { custom: { jobtitle: 'Engineer', department: 'R&D' } }, { customFields: { department: 'R&D' } }, ['customFields.department']],
    [
      'several new values at once',
      { email: 'ann.lee@example.com', lastName: 'Lee-Smith', custom: { department: 'R&D' } },
      { email: 'ann.lee@example.com', lastName: 'Lee-Smith', customFields: { department: 'R&D' } },
      ['email', 'lastName', 'customFields.department'],
    ],
    ["a first name with the export's formula guard", { firstName: "'=SUM(1)" }, { firstName: '=SUM(1)' }, ['firstName']],
  ])('%s is an update of just that', (_, row, changes, changedFields) => {
    expect(decide(cells(row))).toEqual(update(changes, changedFields));
  });

  test.each<[string, Partial<RowCells>]>([
    ['repeats every value', { firstName: 'Ann', lastName: 'Lee', externalId: 'EXT-1', groups: 'Marketing', roles: 'Admin', custom: { jobtitle: 'Engineer' } }],
    ['writes the username in another case', { username: 'ANN' }],
    ['has only the email column', { username: undefined }],
    ['ignores a column that is not a configured custom field', { custom: { shoesize: '42' } }],
  ])('a row that %s leaves the user unchanged', (_, row) => {
    expect(decide(cells(row))).toEqual(UNCHANGED);
  });
});

describe('blank cells change nothing for an existing user', () => {
  test.each<[string, Partial<RowCells>]>([
    ['first name', { firstName: '' }],
    ['last name', { lastName: '   ' }],
    ['external ID', { externalId: '' }],
    ['custom field', { custom: { jobtitle: '' } }],
    ['password', { password: '' }],
    ['password (only spaces)', { password: '   ' }],
  ])('a blank %s cell keeps the current value', (_, row) => {
    expect(decide(cells(row))).toEqual(UNCHANGED);
  });
});

describe('groups: add or replace', () => {
  // Ann is in Marketing.
  test.each<[string, Mode, string | undefined, string[] | undefined]>([
    ['a new group in add mode is added to the current ones', 'add', 'Operations', ['g-mkt', 'g-ops']],
    ['groups in add mode are added once', 'add', 'Operations; Marketing;', ['g-mkt', 'g-ops']],
    ['a current group in add mode changes nothing', 'add', 'Marketing', undefined],
    ['a blank groups cell in add mode changes nothing', 'add', '', undefined],
    ['no groups column in add mode changes nothing', 'add', undefined, undefined],
    ['a new group in replace mode becomes the only group', 'replace', 'Operations', ['g-ops']],
    ['the same groups in replace mode change nothing', 'replace', 'Marketing;', undefined],
    ['groups in replace mode become the assignment', 'replace', 'Sales; Operations', ['g-sales', 'g-ops']],
    ['a blank groups cell in replace mode removes every group', 'replace', '', []],
    ['no groups column in replace mode changes nothing', 'replace', undefined, undefined],
  ])('%s', (_, groupsMode, groups, groupIds) => {
    expect(decide(cells({ groups }), { groupsMode })).toEqual(groupIds ? update({ groupIds }, ['groupIds']) : UNCHANGED);
  });
});

describe('roles: add or replace, the defaults always kept', () => {
  // Ann is Admin, Learner and Prizing User.
  test.each<[string, Mode, string | undefined, string[] | undefined]>([
    ['a new role in add mode is added to the current ones', 'add', 'reviewer', ['Admin', 'Learner', 'Prizing User', 'Reviewer']],
    ['a current role in add mode changes nothing', 'add', 'ADMIN', undefined],
    ['a blank roles cell in add mode changes nothing', 'add', '', undefined],
    ['no roles column in add mode changes nothing', 'add', undefined, undefined],
    ['a new role in replace mode replaces the others but not the defaults', 'replace', 'Reviewer', ['Learner', 'Prizing User', 'Reviewer']],
    ['the same roles in any case and order in replace mode change nothing', 'replace', 'prizing user; admin; learner', undefined],
    ['the current non-default roles alone in replace mode change nothing', 'replace', 'Admin', undefined],
    ['a blank roles cell in replace mode leaves the defaults only', 'replace', '', ['Learner', 'Prizing User']],
    ['no roles column in replace mode changes nothing', 'replace', undefined, undefined],
  ])('%s', (_, rolesMode, roles, expected) => {
    expect(decide(cells({ roles }), { rolesMode })).toEqual(expected ? update({ roles: expected }, ['roles']) : UNCHANGED);
  });

  test.each<[Mode, string[]]>([
    ['add', ['Admin', 'Learner', 'Prizing User', 'Reviewer']],
    ['replace', ['Learner', 'Prizing User', 'Reviewer']],
  ])('a user without the default roles gets them back when roles are given in %s mode', (rolesMode, roles) => {
    expect(decide(cells({ roles: 'Reviewer' }), { rolesMode, user: existingUser({ roles: ['Admin'] }) })).toEqual(update({ roles }, ['roles']));
  });
});

describe('groups and roles follow their own settings', () => {
  test.each<[Mode, Mode, object, string[]]>([
    ['replace', 'add', { groupIds: [] }, ['groupIds']],
    ['add', 'replace', { roles: ['Learner', 'Prizing User'] }, ['roles']],
    ['replace', 'replace', { groupIds: [], roles: ['Learner', 'Prizing User'] }, ['groupIds', 'roles']],
  ])('blank groups and roles cells with groups in %s mode and roles in %s mode', (groupsMode, rolesMode, changes, changedFields) => {
    expect(decide(cells({ groups: '', roles: '' }), { groupsMode, rolesMode })).toEqual(update(changes, changedFields));
  });

  test('blank groups and roles cells in add mode for both change nothing', () => {
    expect(decide(cells({ groups: '', roles: '' }))).toEqual(UNCHANGED);
  });
});

describe('the password of an existing user', () => {
  test('a new password is an update of the password alone', () => {
    expect(decide(cells({ password: 'new password 1' }))).toEqual({ ...update({}, ['password']), password: 'new password 1' });
  });

  test('the current password again changes nothing', () => {
    expect(decide(cells({ password: 'old password 1' }), { passwordIsCurrent: true })).toEqual(UNCHANGED);
  });

  test('the current password beside another change is not passed on', () => {
    expect(decide(cells({ password: 'old password 1', firstName: 'Annie' }), { passwordIsCurrent: true })).toEqual(update({ firstName: 'Annie' }, ['firstName']));
  });

  test('a new password beside another change is listed last', () => {
    expect(decide(cells({ password: 'new password 1', firstName: 'Annie' }), { passwordIsCurrent: false })).toEqual({
      ...update({ firstName: 'Annie' }, ['firstName', 'password']),
      password: 'new password 1',
    });
  });
});

describe('the external ID of the matched user itself', () => {
  test('keeping the external ID the user already holds does not fail the row', () => {
    expect(decide(cells({ externalId: 'EXT-1' }), { externalIdHolder: { id: 'u-ann', username: 'ann' } })).toEqual(UNCHANGED);
  });
});

describe('export → upload unchanged is a no-op', () => {
  const users: [string, ExistingUser][] = [
    ['an ordinary user', existingUser({ groupIds: ['g-mkt', 'g-ops'], customFields: { jobtitle: 'Engineer', department: 'R&D' } })],
    ['a user with formula-like values', existingUser({ firstName: '=SUM(1)', lastName: "'Brien", externalId: '-42', customFields: { jobtitle: '@lead', department: '+44 20' } })],
    ['a user with only the required values', existingUser({ firstName: undefined, lastName: undefined, externalId: undefined, groupIds: [], roles: ['Learner', 'Prizing User'], customFields: {} })],
    ['a user whose roles are stored out of order', existingUser({ roles: ['Prizing User', 'Reviewer', 'Learner', 'Content Author'] })],
    ['a user whose username is the email, in capitals', existingUser({ username: 'Ann@Example.com', email: 'Ann@Example.com' })],
  ];
  const modes: [Mode, Mode][] = [
    ['add', 'add'],
    ['replace', 'replace'],
    ['add', 'replace'],
    ['replace', 'add'],
  ];

  test.each(users.flatMap(([name, user]) => modes.map(([groupsMode, rolesMode]) => [name, groupsMode, rolesMode, user] as const)))(
    '%s exported and uploaded again is unchanged (groups %s, roles %s)',
    (_, groupsMode, rolesMode, user) => {
      expect(decide(exportedRow(user), { groupsMode, rolesMode, user })).toEqual(UNCHANGED);
    },
  );

  test.each(['add', 'replace'] as const)('groups written in another order are unchanged in %s mode', (mode) => {
    const user = existingUser({ groupIds: ['g-mkt', 'g-ops'] });
    const row = exportedRow(user, (names) => [...names].reverse());
    expect(row.groups).toBe('Operations; Marketing');
    expect(decide(row, { groupsMode: mode, rolesMode: mode, user })).toEqual(UNCHANGED);
  });

  test('the export guards formula-like values, so the test row really is what an export writes', () => {
    const row = exportedRow(users[1][1]);
    expect([row.firstName, row.lastName, row.externalId, row.custom.jobtitle]).toEqual(["'=SUM(1)", "'Brien", "'-42", "'@lead"]);
  });
});
