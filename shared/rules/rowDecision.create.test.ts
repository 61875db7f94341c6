/**
 * README, "The CSV format", for rows that match nobody: identity, email, list splitting, roles and
 * groups of a new user, formula guards, custom fields and the password of a new user.
 */
import { cellValue, rowUsernameKey, splitList, usernameKey, type RowCells } from './rowDecision';
import { DEFAULT_ROLES, decide, emailRow, failedWith } from './rowDecision.fixtures';

/** The user a create decision makes, to compare against a full decision. */
function created(user: Record<string, unknown>, password?: string) {
  const base = { username: 'ann@example.com', usernameKey: 'ann@example.com', email: 'ann@example.com', groupIds: [], roles: DEFAULT_ROLES, customFields: {} };
  return password === undefined ? { kind: 'create', user: { ...base, ...user } } : { kind: 'create', user: { ...base, ...user }, password };
}

describe('identity: the username, compared case-insensitively', () => {
  test.each([
    ['Ann.Lee', 'ann.lee'],
    ['  ANN@Example.COM  ', 'ann@example.com'],
    ['Jose\u0301', 'jos\u00e9'],
  ])('the username %j has the key %j', (username, key) => {
    expect(usernameKey(username)).toBe(key);
  });

  test.each<[string, RowCells, string]>([
    ['the username when one is given', emailRow({ username: 'Ann', email: 'someone@example.com' }), 'ann'],
    ['the email when the username is blank', emailRow({ username: '', email: 'Ann@Example.com' }), 'ann@example.com'],
    ['the email when the username is only spaces', emailRow({ username: '   ', email: 'Ann@Example.com' }), 'ann@example.com'],
    ['the email when the file has no username column', emailRow({ email: 'Bob@Example.io' }), 'bob@example.io'],
    ['the username without its formula guard', emailRow({ username: "'=Bob" }), '=bob'],
  ])('a row stands for %s', (_, row, key) => {
    expect(rowUsernameKey(row)).toBe(key);
  });

  test('a blank username takes on the email, as written', () => {
    expect(decide(emailRow({ email: 'Ann@Example.com', username: '' }))).toEqual(
      created({ username: 'Ann@Example.com', usernameKey: 'ann@example.com', email: 'Ann@Example.com' }),
    );
  });

  test('a username is kept as written and keyed in lower case', () => {
    expect(decide(emailRow({ username: ' Ann.Lee ' }))).toEqual(created({ username: 'Ann.Lee', usernameKey: 'ann.lee' }));
  });
});

describe('email: required and a valid address', () => {
  test.each<[string, RowCells]>([
    ['the email column is absent', { custom: {} }],
    ['the email cell is blank', emailRow({ email: '' })],
    ['the email cell is only spaces', emailRow({ email: '   ' })],
  ])('a row fails when %s', (_, row) => {
    expect(decide(row)).toEqual(failedWith("Email is missing: add the user's email address (every row needs one)."));
  });

  test.each([
    ['no @', 'ann'],
    ['no domain', 'ann@'],
    ['no local part', '@example.com'],
    ['no dot in the domain', 'ann@example'],
    ['a space', 'ann smith@example.com'],
    ['two @', 'ann@@example.com'],
    ['an empty domain label', 'ann@example..com'],
    ['a line break', 'ann\n@example.com'],
    ['an invisible control character', 'ann\u0007@example.com'],
    ['a display name (a mailer would send to the address in brackets)', 'Victim<attacker@evil.example>'],
    ['a quoted local part', '"ann smith"@example.com'],
    ['a comma (two addresses)', 'ann@example.com,eve@evil.example'],
    ['a zero-width space', 'ann\u200b@example.com'],
    ['a right-to-left override', 'ann\u202e@example.com'],
  ])(
    'an email with %s is refused as not a valid address',
    (_, email) => {
      expect(decide(emailRow({ email, username: 'ann' }))).toEqual(failedWith(`Email "${email}" is not a valid address: write it as name@example.com.`));
    },
  );

  test.each([["o'brien@example.com"], ['ann+tag@example.com'], ['zoë@exämple.com'], ['a_b.c-d@sub.example.co.uk'], ['ANN@EXAMPLE.COM']])('the address %s is valid', (email) => {
    expect(decide(emailRow({ email, username: 'ann' }))).toMatchObject({ kind: 'create', user: { email } });
  });

  test('an email longer than 254 characters is refused as too long, quoted by its start', () => {
    expect(decide(emailRow({ email: `${'a'.repeat(243)}@example.com`, username: 'ann' }))).toEqual(failedWith(`Email "${'a'.repeat(20)}…" is longer than 254 characters: use a shorter address.`));
  });

  test.each([
    ['a plain address', 'ann@example.com'],
    ['a tag and subdomains', 'ann.lee+csv@mail.example.co.uk'],
    ['an apostrophe', "o'brien@example.ie"],
    ['254 characters', `${'a'.repeat(242)}@example.com`],
  ])('an email with %s is accepted', (_, email) => {
    expect(decide(emailRow({ email, username: 'ann' })).kind).toBe('create');
  });
});

describe('lists: split on ";", trimmed, blanks dropped', () => {
  test.each<[string | undefined, string[]]>([
    ['marketing; operations;', ['marketing', 'operations']],
    ['marketing;operations', ['marketing', 'operations']],
    ['  marketing ;; ; operations  ', ['marketing', 'operations']],
    [';;', []],
    ['', []],
    [undefined, []],
  ])('%j splits into %j', (cell, items) => {
    expect(splitList(cell)).toEqual(items);
  });
});

describe('a new user: groups, roles and defaults', () => {
  test('a row with only an email creates a user with the default roles and nothing else', () => {
    expect(decide(emailRow())).toEqual(created({}));
  });

  test.each<[string, string | undefined, string[]]>([
    ['two groups with a trailing separator', 'Marketing; Operations;', ['g-mkt', 'g-ops']],
    ['groups with stray spaces and empty items', ' Operations ;; Marketing ; ', ['g-ops', 'g-mkt']],
    ['the same group twice', 'Marketing; Marketing', ['g-mkt']],
    ['a blank groups cell (none)', '', []],
    ['no groups column (none)', undefined, []],
  ])('%s gives the new user just those groups', (_, groups, groupIds) => {
    expect(decide(emailRow({ groups }))).toEqual(created({ groupIds }));
  });

  test.each<[string, string | undefined, string[]]>([
    ['a role in any case is stored in canonical spelling', 'content author', ['Content Author', 'Learner', 'Prizing User']],
    ['extra spaces inside a role name do not matter', 'MANAGER   analytics', ['Manager Analytics', 'Learner', 'Prizing User']],
    ['roles come out in the article order whatever the cell order', 'Reviewer; Admin', ['Admin', 'Learner', 'Prizing User', 'Reviewer']],
    ['naming the defaults adds nothing twice', 'learner; PRIZING USER; learner', DEFAULT_ROLES],
    ['a blank roles cell gives the defaults', '', DEFAULT_ROLES],
    ['no roles column gives the defaults', undefined, DEFAULT_ROLES],
  ])('%s', (_, roles, expected) => {
    expect(decide(emailRow({ roles }))).toEqual(created({ roles: expected }));
  });

  test('a full row creates a user with every value it gives', () => {
    const row = emailRow({
      email: 'ann@example.com',
      username: 'ann',
      firstName: ' Ann ',
      lastName: 'Lee',
      groups: 'Marketing; Operations',
      roles: 'admin; reviewer',
      password: 'correct horse',
      externalId: 'EXT-1',
      custom: { jobtitle: 'Engineer', department: 'R&D' },
    });
    expect(decide(row)).toEqual(
      created(
        {
          username: 'ann',
          usernameKey: 'ann',
          firstName: 'Ann',
          lastName: 'Lee',
          groupIds: ['g-mkt', 'g-ops'],
          roles: ['Admin', 'Learner', 'Prizing User', 'Reviewer'],
          externalId: 'EXT-1',
          customFields: { jobtitle: 'Engineer', department: 'R&D' },
        },
        'correct horse',
      ),
    );
  });
});

describe('cells of a new user: formula guards, custom fields, password', () => {
  test.each([
    ["'=SUM(1)", '=SUM(1)'],
    ["'+44 20 7946 0000", '+44 20 7946 0000'],
    ["'-Smith", '-Smith'],
    ["'@team", '@team'],
    ["''=x", "'=x"],
    ["'Brien", "'Brien"],
    ["O'Brien", "O'Brien"],
    ['  Ann  ', 'Ann'],
  ])('the cell %j reads as %j', (raw, value) => {
    expect(cellValue(raw)).toBe(value);
  });

  test("formula-neutralised cells lose the export's leading ' and other cells keep theirs", () => {
    const row = emailRow({ firstName: "'=SUM(1)", lastName: "'Brien", externalId: "'-42", custom: { jobtitle: "'@lead" } });
    expect(decide(row)).toEqual(created({ firstName: '=SUM(1)', lastName: "'Brien", externalId: '-42', customFields: { jobtitle: '@lead' } }));
  });

  test('only configured custom fields are kept, and blank ones are left out', () => {
    const row = emailRow({ custom: { jobtitle: 'Engineer', department: '  ', shoesize: '42' } });
    expect(decide(row)).toEqual(created({ customFields: { jobtitle: 'Engineer' } }));
  });

  test.each<[string, string | undefined]>([
    ['absent', undefined],
    ['blank', ''],
    ['only spaces', '   '],
  ])('a password cell that is %s gives the new user no password', (_, password) => {
    expect(decide(emailRow({ password }))).toEqual(created({}));
  });

  test('a given password is passed on for hashing, exactly as written', () => {
    expect(decide(emailRow({ password: 'S3cret-pass!' }))).toEqual(created({}, 'S3cret-pass!'));
  });
});
