/**
 * README, "The CSV format": export, change nothing, upload, and every row comes out unchanged,
 * whatever the user holds and however groups and roles are set to apply. The row uploaded is
 * the export's own (exportRow), read back through the export header as an upload reads it.
 */
import type { ExistingUser, GroupsMode } from './rowDecision';
import { DEFAULT_ROLES, decide, existingUser, exportedCells } from './rowDecision.fixtures';

const ALL_ROLES = ['Facilitator', 'Reviewer', 'Excluded from Analytics', 'Prizing User', 'Learner', 'Manager Analytics', 'Content Author', 'Admin'];

/** [a user with …, the user]: each holds something an export could write in a way that reads back differently. */
const USERS: [string, ExistingUser][] = [
  ['several groups and custom values', existingUser({ groupIds: ['g-mkt', 'g-ops'], customFields: { jobtitle: 'Engineer', department: 'R&D' } })],
  ['formula-like values', existingUser({ firstName: '=SUM(1)', lastName: "'Brien", externalId: '-42', customFields: { jobtitle: '@lead', department: '+44 20' } })],
  ['values that start with quotes', existingUser({ firstName: "'Brien", lastName: "''=x", externalId: "'-7", customFields: { jobtitle: "'" } })],
  ['only the required values', existingUser({ firstName: undefined, lastName: undefined, externalId: undefined, groupIds: [], roles: DEFAULT_ROLES, customFields: {} })],
  ['groups whose names start a formula', existingUser({ groupIds: ['g-minus-ops', 'g-eq-sales', 'g-mkt'] })],
  ['a group name with an accent and an ampersand', existingUser({ groupIds: ['g-rd'] })],
  ['no groups and only the default roles', existingUser({ groupIds: [], roles: ['Prizing User', 'Learner'] })],
  ['every role', existingUser({ roles: ALL_ROLES })],
  ['roles stored out of order', existingUser({ roles: ['Prizing User', 'Reviewer', 'Learner', 'Content Author'] })],
  ['an email that starts with +', existingUser({ email: '+ann@example.com' })],
  ['a username that starts with @', existingUser({ username: '@ann' })],
  ['the email as username, in capitals', existingUser({ username: 'Ann@Example.com', email: 'Ann@Example.com' })],
  ['no password ever set', existingUser({ hasPassword: false })],
];
const MODES: [GroupsMode, GroupsMode][] = [
  ['add', 'add'],
  ['replace', 'replace'],
  ['add', 'replace'],
  ['replace', 'add'],
];

describe('export → upload unchanged is a no-op', () => {
  test.each(USERS.flatMap(([name, user]) => MODES.map(([groupsMode, rolesMode]) => [name, groupsMode, rolesMode, user] as const)))(
    'a user with %s, exported and uploaded again, is unchanged (groups %s, roles %s)',
    (_, groupsMode, rolesMode, user) => {
      expect(decide(exportedCells(user), { settings: { groupsMode, rolesMode }, existing: user })).toEqual({ kind: 'unchanged', userId: user.id });
    },
  );

  test.each(['add', 'replace'] as const)('groups written in another order are unchanged in %s mode', (mode) => {
    const user = existingUser({ groupIds: ['g-mkt', 'g-ops'] });
    const exported = exportedCells(user);
    expect(exported.groups).toBe('Marketing; Operations');
    expect(decide({ ...exported, groups: 'Operations; Marketing' }, { settings: { groupsMode: mode, rolesMode: mode }, existing: user })).toEqual({
      kind: 'unchanged',
      userId: user.id,
    });
  });

  test('the export guards formula-like values, so the test row really is what an export writes', () => {
    const row = exportedCells(USERS[1][1]);
    expect([row.firstName, row.lastName, row.externalId, row.custom.jobtitle]).toEqual(["'=SUM(1)", "'Brien", "'-42", "'@lead"]);
  });
});
