/**
 * README, "The CSV format", rows that fail: unknown groups and roles, the password policy, duplicates in
 * one file, external IDs, lengths, and every reason of a row reported at once.
 */
import { ROLES } from './roles';
import type { ExistingUser, RowCells } from './rowDecision';
import { BOB, annRow, decide, existingUser, failedWith } from './rowDecision.fixtures';

const ALLOWED_ROLES = 'Admin, Content Author, Manager Analytics, Learner, Prizing User, Excluded from Analytics, Reviewer, Facilitator';
const ANN = existingUser();

const failed = failedWith;
/** Each case runs for a new user and for an existing one: the rules are the same. */
const WHO: [string, ExistingUser | undefined][] = [
  ['a new user', undefined],
  ['an existing user', ANN],
];
const forBoth = <T extends object>(cases: T[]) => cases.flatMap((c) => WHO.map(([who, existing]) => ({ ...c, who, existing })));

describe('unknown groups fail the row and are named', () => {
  test.each(
    forBoth([
      { case: 'a group in the wrong case', groups: 'marketing', message: 'Unknown group "marketing": create it first, or fix the spelling (names must match exactly).' },
      { case: 'one unknown group among known ones', groups: 'Marketing; Operations; Finance', message: 'Unknown group "Finance": create it first, or fix the spelling (names must match exactly).' },
      { case: 'two unknown groups', groups: 'Finance; Marketing; Legal;', message: 'Unknown groups "Finance", "Legal": create them first, or fix the spelling (names must match exactly).' },
      { case: 'only wrong-case groups', groups: 'MARKETING; operations', message: 'Unknown groups "MARKETING", "operations": create them first, or fix the spelling (names must match exactly).' },
    ]),
  )('$case in $groups fails the row and is named ($who)', ({ groups, message, existing }) => {
    expect(decide(annRow({ groups }), { existing })).toEqual(failed(message));
  });

  test('replace mode does not let an unknown group through', () => {
    expect(decide(annRow({ groups: 'Finance' }), { existing: ANN, settings: { groupsMode: 'replace', rolesMode: 'replace' } })).toEqual(
      failed('Unknown group "Finance": create it first, or fix the spelling (names must match exactly).'),
    );
  });
});

describe('unknown roles fail the row, named with the allowed list', () => {
  test('the message lists exactly the eight roles of the article', () => {
    expect(ROLES.join(', ')).toBe(ALLOWED_ROLES);
  });

  test.each(
    forBoth([
      { roles: 'Superuser', start: 'Unknown role "Superuser"' },
      { roles: 'Admin; Owner; Guest;', start: 'Unknown roles "Owner", "Guest"' },
      { roles: 'ContentAuthor', start: 'Unknown role "ContentAuthor"' },
      { roles: 'Admin, Reviewer', start: 'Unknown role "Admin, Reviewer"' },
    ]),
  )('the roles cell $roles fails with $start and the allowed roles ($who)', ({ roles, start, existing }) => {
    expect(decide(annRow({ roles }), { existing })).toEqual(failed(`${start}: use only ${ALLOWED_ROLES}.`));
  });
});

describe('the password policy: 8 to 128 characters, never repeated', () => {
  const TOO_SHORT = 'The password is too short: use at least 8 characters.';
  const TOO_LONG = 'The password is too long: use at most 128 characters.';
  const SPACES = 'The password starts or ends with a space: remove it (spreadsheets often add one by accident).';

  test.each(
    forBoth([
      { what: '7 characters', password: 'Secret7', message: TOO_SHORT },
      { what: '129 characters', password: 'p'.repeat(129), message: TOO_LONG },
      { what: 'a leading space', password: ' Secret-password', message: SPACES },
      { what: 'a trailing space', password: 'Secret-password ', message: SPACES },
    ]),
  )('a password with $what fails without repeating it ($who)', ({ password, message, existing }) => {
    const decision = decide(annRow({ password }), { existing });
    expect(decision).toEqual(failed(message));
    expect(JSON.stringify(decision)).not.toContain(password.trim());
  });

  test.each(
    forBoth([
      { what: '8 characters', password: 'Secret-8' },
      { what: '128 characters', password: 'p'.repeat(128) },
    ]),
  )('a password of $what is accepted and passed on ($who)', ({ password, existing }) => {
    expect(decide(annRow({ password }), { existing })).toMatchObject({ kind: existing ? 'update' : 'create', password });
  });

  test('a password that fails among other problems is still not repeated anywhere', () => {
    const decision = decide(annRow({ email: 'not-an-email', groups: 'Finance', password: 'Hunter2' }), { existing: ANN });
    expect(decision).toMatchObject({ kind: 'failed', problems: expect.arrayContaining([expect.objectContaining({ message: TOO_SHORT })]) });
    expect(JSON.stringify(decision)).not.toContain('Hunter2');
  });
});

describe('duplicates and external IDs', () => {
  test.each(forBoth([{ row: 2 }, { row: 17 }]))('a later row with the same username fails as a duplicate of row $row ($who)', ({ row, existing }) => {
    expect(decide(annRow(), { duplicateOfRow: row, existing })).toEqual(
      failed(`Username "ann" is already in row ${row} of this file (duplicate of row ${row}): keep one row per user.`),
    );
  });

  test.each(WHO)('an external ID already held by another user fails and names that username (%s)', (_, existing) => {
    expect(decide(annRow({ externalId: 'EXT-7' }), { existing, externalIdHolder: BOB })).toEqual(
      failed('External ID "EXT-7" already belongs to user "bob" (external IDs are unique): give this user a different one, or remove it from "bob" first.'),
    );
  });

  test('an external ID held by the matched user itself does not fail', () => {
    expect(decide(annRow({ externalId: 'EXT-1' }), { existing: existingUser({ externalId: 'EXT-1' }), externalIdHolder: { id: 'u-ann', username: 'ann' } })).toEqual({
      kind: 'unchanged',
      userId: 'u-ann',
    });
  });

  test.each([
    ['255 characters', 'x'.repeat(255)],
    ['a guarded leading minus', "'-7"],
  ])('an external ID of %s is accepted', (_, externalId) => {
    expect(decide(annRow({ externalId }))).toMatchObject({ kind: 'create', user: { externalId: externalId.replace(/^'/, '') } });
  });

  test.each([
    ['256 characters', 'x'.repeat(256), `External ID "${'x'.repeat(20)}…" is longer than 255 characters: shorten it.`],
    ['a tab inside', 'EXT\t7', 'External ID "EXT\t7" contains a line break or tab: type it again on one line.'],
    ['a line break inside', 'EXT\n7', 'External ID "EXT\n7" contains a line break or tab: type it again on one line.'],
    ['a guarded leading tab', "'\tEXT-7", 'External ID "\tEXT-7" contains a line break or tab: type it again on one line.'],
    ['an invisible control character', 'EXT\u00857', 'External ID "EXT\u00857" contains a line break or tab: type it again on one line.'],
  ])('an external ID with %s is refused', (_, externalId, message) => {
    expect(decide(annRow({ externalId }))).toEqual(failed(message));
  });
});

describe('usernames that would pass for another name', () => {
  test.each([
    ['a right-to-left override', 'rtl\u202enimda', '202E'],
    ['a zero-width space', 'ad\u200bmin', '200B'],
    ['a zero-width joiner', 'ad\u200dmin', '200D'],
    ['a byte order mark inside', 'ad\ufeffmin', 'FEFF'],
  ])('a username with %s fails and names the character', (_, username, code) => {
    expect(decide(annRow({ username }))).toEqual(failed(`Username "${username}" contains an invisible character (U+${code}) that would let it pass for another name: type it again.`));
  });
});

describe('lengths', () => {
  test.each<[string, Partial<RowCells>, string | undefined]>([
    ['a 100-character username', { username: 'u'.repeat(100) }, undefined],
    ['a 101-character username', { username: 'u'.repeat(101) }, `Username "${'u'.repeat(20)}…" is longer than 100 characters: shorten it.`],
    ['a 100-character first name', { firstName: 'f'.repeat(100) }, undefined],
    ['a 101-character first name', { firstName: 'f'.repeat(101) }, `First name "${'f'.repeat(20)}…" is longer than 100 characters: shorten it.`],
    ['a 101-character last name', { lastName: 'l'.repeat(101) }, `Last name "${'l'.repeat(20)}…" is longer than 100 characters: shorten it.`],
    ['a 2,000-character custom value', { custom: { notes: 'n'.repeat(2000) } }, undefined],
    ['a 2,001-character custom value', { custom: { notes: 'n'.repeat(2001) } }, `The notes value "${'n'.repeat(20)}…" is longer than 2000 characters: shorten it.`],
  ])('%s', (_, row, message) => {
    const decision = decide(annRow(row), { customFieldKeys: ['notes'] });
    if (message) expect(decision).toEqual(failed(message));
    else expect(decision.kind).toBe('create');
  });
});

describe('every reason of a failing row is reported at once', () => {
  test.each(WHO)('a row with seven problems reports all seven, in column order (%s)', (_, existing) => {
    const row = annRow({ email: 'not-an-email', firstName: 'f'.repeat(101), groups: 'Finance; Legal', roles: 'Owner', password: 'short', externalId: 'EXT-7' });
    expect(decide(row, { existing, duplicateOfRow: 4, externalIdHolder: BOB })).toEqual(
      failed(
        'Email "not-an-email" is not a valid address: write it as name@example.com.',
        'Username "ann" is already in row 4 of this file (duplicate of row 4): keep one row per user.',
        `First name "${'f'.repeat(20)}…" is longer than 100 characters: shorten it.`,
        'Unknown groups "Finance", "Legal": create them first, or fix the spelling (names must match exactly).',
        `Unknown role "Owner": use only ${ALLOWED_ROLES}.`,
        'The password is too short: use at least 8 characters.',
        'External ID "EXT-7" already belongs to user "bob" (external IDs are unique): give this user a different one, or remove it from "bob" first.',
      ),
    );
  });
});
