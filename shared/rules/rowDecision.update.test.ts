/**
 * README, "The CSV format", for rows that match an existing user: exactly the changed fields, blank cells
 * that keep values, add/replace for groups and for roles separately, and the password. The
 * export → upload round trip, which must change nothing, is rowDecision.roundTrip.test.ts.
 */
import { decideRow, type DecisionContext, type ExistingUser, type RowCells } from './rowDecision';
import { annRow, context, existingUser } from './rowDecision.fixtures';

type Mode = 'add' | 'replace';

/** Every row here meets Ann (as stored, unless `user` says otherwise); groups and roles in add mode unless said. */
function decide(row: RowCells, options: { groupsMode?: Mode; rolesMode?: Mode; user?: ExistingUser } & Partial<DecisionContext> = {}) {
  const { groupsMode = 'add', rolesMode = 'add', user = existingUser(), ...rest } = options;
  return decideRow(row, context({ settings: { groupsMode, rolesMode }, existing: user, ...rest }));
}

const update = (changes: object, changedFields: string[]) => ({ kind: 'update', userId: 'u-ann', changes, changedFields });
const UNCHANGED = { kind: 'unchanged', userId: 'u-ann' };

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
    expect(decide(annRow(row))).toEqual(update(changes, changedFields));
  });

  test.each<[string, Partial<RowCells>]>([
    ['repeats every value', { firstName: 'Ann', lastName: 'Lee', externalId: 'EXT-1', groups: 'Marketing', roles: 'Admin', custom: { jobtitle: 'Engineer' } }],
    ['writes the username in another case', { username: 'ANN' }],
    ['has only the email column', { username: undefined }],
    ['ignores a column that is not a configured custom field', { custom: { shoesize: '42' } }],
  ])('a row that %s leaves the user unchanged', (_, row) => {
    expect(decide(annRow(row))).toEqual(UNCHANGED);
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
    expect(decide(annRow(row))).toEqual(UNCHANGED);
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
    expect(decide(annRow({ groups }), { groupsMode })).toEqual(groupIds ? update({ groupIds }, ['groupIds']) : UNCHANGED);
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
    expect(decide(annRow({ roles }), { rolesMode })).toEqual(expected ? update({ roles: expected }, ['roles']) : UNCHANGED);
  });

  test.each<[Mode, string[]]>([
    ['add', ['Admin', 'Learner', 'Prizing User', 'Reviewer']],
    ['replace', ['Learner', 'Prizing User', 'Reviewer']],
  ])('a user without the default roles gets them back when roles are given in %s mode', (rolesMode, roles) => {
    expect(decide(annRow({ roles: 'Reviewer' }), { rolesMode, user: existingUser({ roles: ['Admin'] }) })).toEqual(update({ roles }, ['roles']));
  });
});

describe('groups and roles follow their own settings', () => {
  test.each<[Mode, Mode, object, string[]]>([
    ['replace', 'add', { groupIds: [] }, ['groupIds']],
    ['add', 'replace', { roles: ['Learner', 'Prizing User'] }, ['roles']],
    ['replace', 'replace', { groupIds: [], roles: ['Learner', 'Prizing User'] }, ['groupIds', 'roles']],
  ])('blank groups and roles cells with groups in %s mode and roles in %s mode', (groupsMode, rolesMode, changes, changedFields) => {
    expect(decide(annRow({ groups: '', roles: '' }), { groupsMode, rolesMode })).toEqual(update(changes, changedFields));
  });

  test('blank groups and roles cells in add mode for both change nothing', () => {
    expect(decide(annRow({ groups: '', roles: '' }))).toEqual(UNCHANGED);
  });
});

describe('the password of an existing user', () => {
  test('a new password is an update of the password alone', () => {
    expect(decide(annRow({ password: 'new password 1' }))).toEqual({ ...update({}, ['password']), password: 'new password 1' });
  });

  test('the current password again changes nothing', () => {
    expect(decide(annRow({ password: 'old password 1' }), { passwordIsCurrent: true })).toEqual(UNCHANGED);
  });

  test('the current password beside another change is not passed on', () => {
    expect(decide(annRow({ password: 'old password 1', firstName: 'Annie' }), { passwordIsCurrent: true })).toEqual(update({ firstName: 'Annie' }, ['firstName']));
  });

  test('a new password beside another change is listed last', () => {
    expect(decide(annRow({ password: 'new password 1', firstName: 'Annie' }), { passwordIsCurrent: false })).toEqual({
      ...update({ firstName: 'Annie' }, ['firstName', 'password']),
      password: 'new password 1',
    });
  });
});
