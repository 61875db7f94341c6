/**
 * README, "The CSV format", across the row rules: what every cell goes through, the password of
 * users who never set one, and what failure messages promise an admin fixing the file in Excel.
 * Per-case rules live beside this file in rowDecision.create / .update / .failures.test.ts, and
 * the export → upload round trip, awkward values included, in rowDecision.roundTrip.test.ts
 * (split to keep each file readable).
 */
import type { DecisionContext, ExistingUser, RowCells } from './rowDecision';
import { annRow, decide, existingUser, failedWith } from './rowDecision.fixtures';

describe('every cell is trimmed and loses the export formula guard', () => {
  test.each<[string, Partial<RowCells>, Record<string, unknown>]>([
    ['an email between non-breaking spaces', { email: '\u00a0ann@example.com\u00a0', username: '' }, { email: 'ann@example.com', username: 'ann@example.com' }],
    ['a guarded email', { email: "'+tag@example.com", username: '' }, { email: '+tag@example.com', username: '+tag@example.com', usernameKey: '+tag@example.com' }],
    ['a guarded username', { username: "'@ann" }, { username: '@ann', usernameKey: '@ann' }],
    ['a guarded groups cell', { groups: "'-Operations; =Sales" }, { groupIds: ['g-minus-ops', 'g-eq-sales'] }],
    ['a groups cell with spaces around', { groups: '  Équipe R&D ;  ' }, { groupIds: ['g-rd'] }],
    ['a guarded custom field that itself starts with a quote', { custom: { jobtitle: "''=x" } }, { customFields: { jobtitle: "'=x" } }],
    ['a name with an apostrophe of its own', { firstName: "'Brien", lastName: "O'Brien" }, { firstName: "'Brien", lastName: "O'Brien" }],
  ])('%s', (_, cells, user) => {
    expect(decide(annRow(cells))).toMatchObject({ kind: 'create', user });
  });

  test.each(["'=Secret-pass1", '=Secret-pass1', 'pass  word  9'])('the password %j is passed on exactly as written', (password) => {
    expect(decide(annRow({ password }))).toMatchObject({ kind: 'create', password });
  });
});

describe('the password of a user who never set one', () => {
  test.each<[string, Partial<ExistingUser>, boolean | undefined, boolean]>([
    ['a user with a password, the current one given', { hasPassword: true }, true, false],
    ['a user with a password, another one given', { hasPassword: true }, false, true],
    ['a user who never set one, even if the caller claims a match', { hasPassword: false }, true, true],
    ['a user whose caller does not say, the current one given', { hasPassword: undefined }, true, false],
    ['a user whose caller did not check', { hasPassword: undefined }, undefined, true],
  ])('%s: the password is a change → %s', (_, user, passwordIsCurrent, changes) => {
    const decision = decide(annRow({ password: 'Secret-pass1' }), { existing: existingUser(user), passwordIsCurrent });
    expect(decision).toEqual(changes ? { kind: 'update', userId: 'u-ann', changes: {}, changedFields: ['password'], password: 'Secret-pass1' } : { kind: 'unchanged', userId: 'u-ann' });
  });
});

describe('roles stored in another spelling', () => {
  test('adding a role stores every role in canonical spelling, once', () => {
    const existing = existingUser({ roles: ['learner', 'PRIZING USER', 'admin'] });
    expect(decide(annRow({ roles: 'Reviewer' }), { existing })).toEqual({
      kind: 'update',
      userId: 'u-ann',
      changes: { roles: ['Admin', 'Learner', 'Prizing User', 'Reviewer'] },
      changedFields: ['roles'],
    });
  });
});

describe('usernames', () => {
  test.each([
    ['a line break', 'ann\nlee'],
    ['a tab', 'ann\tlee'],
  ])('a username with %s fails and says to type it on one line', (_, username) => {
    expect(decide(annRow({ username }))).toEqual(failedWith(`Username "${username}" contains a line break or tab: type it again on one line.`));
  });

  test('a blank username takes on an email longer than 100 characters: the email rules apply', () => {
    const email = `${'a'.repeat(150)}@example.com`;
    expect(decide(annRow({ email, username: '' }))).toMatchObject({ kind: 'create', user: { username: email } });
  });

  test('an email with a line break and a blank username is reported once, as an email problem', () => {
    expect(decide(annRow({ email: 'ann\n@example.com', username: '' }))).toEqual(failedWith('Email "ann\n@example.com" is not a valid address: write it as name@example.com.'));
  });
});

describe('failure messages tell the admin what is wrong, where, and what to do', () => {
  const PASSWORD = 'Pw1';
  test.each<[string, Partial<RowCells>, Partial<DecisionContext>, string]>([
    ['an invalid email', { email: 'ann@example' }, {}, '"ann@example"'],
    ['a long username', { username: 'u'.repeat(101) }, {}, `"${'u'.repeat(20)}…"`],
    ['a duplicate', {}, { duplicateOfRow: 3 }, 'row 3'],
    ['a long first name', { firstName: 'f'.repeat(101) }, {}, `"${'f'.repeat(20)}…"`],
    ['an unknown group', { groups: 'marketing' }, {}, '"marketing"'],
    ['an unknown role', { roles: 'Owner' }, {}, '"Owner"'],
    ['a held external ID', { externalId: 'EXT-9' }, { externalIdHolder: { id: 'u-bob', username: 'bob' } }, '"EXT-9" already belongs to user "bob"'],
    ['a short password', { password: PASSWORD }, {}, 'at least 8 characters'],
  ])('%s: the message names %s and says what to do', (_, cells, ctx, named) => {
    const decision = decide(annRow(cells), ctx);
    expect(decision.kind).toBe('failed');
    const [message] = decision.kind === 'failed' ? decision.problems.map((problem) => problem.message) : [];
    expect(message).toContain(named);
    // "<what is wrong>: <what to do>."
    expect(message).toMatch(/^[A-Z][^]*: [^]+\.$/);
    expect(message).not.toContain(PASSWORD);
  });
});
