import { PASSWORD_MAX, PASSWORD_MIN, passwordProblem } from './passwordPolicy';

const TOO_SHORT = 'The password is too short: use at least 8 characters.';
const TOO_LONG = 'The password is too long: use at most 128 characters.';
const SPACES = 'The password starts or ends with a space: remove it (spreadsheets often add one by accident).';
const INVISIBLE = 'The password contains a line break, tab or other invisible character: type it again without one.';

describe('the password policy', () => {
  test('passwords are 8 to 128 characters long', () => {
    expect([PASSWORD_MIN, PASSWORD_MAX]).toEqual([8, 128]);
  });

  test.each<[string, string, string | undefined]>([
    ['8 characters is accepted', 'Secret-8', undefined],
    ['128 characters is accepted', 'p'.repeat(128), undefined],
    ['spaces inside are accepted', 'correct horse battery', undefined],
    ['accents and symbols are accepted', 'Mot-de-passe-été!', undefined],
    ['an empty password is too short', '', TOO_SHORT],
    ['7 characters is too short', 'Secret7', TOO_SHORT],
    ['129 characters is too long', 'p'.repeat(129), TOO_LONG],
    ['a leading space is refused', ' Secret-password', SPACES],
    ['a trailing space is refused', 'Secret-password ', SPACES],
    ['a line break inside is refused', 'Secret\npassword', INVISIBLE],
    ['a tab inside is refused', 'Secret\tpassword', INVISIBLE],
    ['a NUL inside is refused', 'Secret\u0000password', INVISIBLE],
  ])('%s', (_, password, problem) => {
    expect(passwordProblem(password)).toBe(problem);
  });

  test.each(['Secret7', 'p'.repeat(129), ' Secret-password', 'Secret\npassword'])('the message about %j never repeats the password', (password) => {
    const problem = passwordProblem(password) ?? '';
    expect(problem).not.toBe('');
    expect(problem).not.toContain(password.trim());
  });
});
