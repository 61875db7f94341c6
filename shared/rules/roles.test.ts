import { DEFAULT_ROLES, ROLES, canonicalRole } from './roles';

describe('roles', () => {
  test('the eight roles of the help article, in its order', () => {
    expect(ROLES).toEqual(['Admin', 'Content Author', 'Manager Analytics', 'Learner', 'Prizing User', 'Excluded from Analytics', 'Reviewer', 'Facilitator']);
  });

  test('new users get Learner and Prizing User', () => {
    expect(DEFAULT_ROLES).toEqual(['Learner', 'Prizing User']);
  });

  test.each(ROLES.map((role) => [role]))('%j is its own canonical spelling', (role) => {
    expect(canonicalRole(role)).toBe(role);
  });

  test.each<[string, string | undefined]>([
    ['admin', 'Admin'],
    ['ADMIN', 'Admin'],
    ['  Reviewer  ', 'Reviewer'],
    ['content author', 'Content Author'],
    ['Content   Author', 'Content Author'],
    ['content\tauthor', 'Content Author'],
    ['Manager\u00a0Analytics', 'Manager Analytics'],
    ['excluded FROM analytics', 'Excluded from Analytics'],
    ['prizing user', 'Prizing User'],
    ['ContentAuthor', undefined],
    ['Content-Author', undefined],
    ['Admins', undefined],
    ['Superuser', undefined],
    ['', undefined],
    ['   ', undefined],
  ])('%j reads as %j', (text, role) => {
    expect(canonicalRole(text)).toBe(role);
  });
});
