/**
 * README, "Upload corrected rows": which rows of a fixed failed rows file are applied as
 * corrections, and why any other row is refused.
 */
import { FailedRowMatcher, failedRowNamedBy, failedRowOf, type CorrectionRow, type FailedRow } from './failedRowCorrections';

const HEADERS = ['Email', 'Username', 'User groups'];
const failed = (row: number, email: string, username: string, causes: string[] = ['unknown_group:Nowhere']): FailedRow =>
  failedRowOf(row, HEADERS, [email, username, 'Nowhere'], causes);

/** The import that failed rows 2 (ann), 5 (bob, a bad email), 7 and 9 (cy, twice in the file). */
const FAILED = [
  failed(2, 'ann@example.com', 'ann'),
  failed(5, 'bob@@example.com', '', ['invalid_email']),
  failed(7, 'cy@example.com', 'cy'),
  failed(9, 'cy@example.com', 'cy', ['duplicate_username']),
];
const correction = (row: number, errorCell: string | undefined, usernameKey: string): CorrectionRow => ({ row, errorCell, usernameKey });
const causesOf = (matcher: FailedRowMatcher, rows: CorrectionRow[]) => rows.map((row) => matcher.match(row)?.causes[0] ?? 'applied');

describe('which failed row a corrected row corrects', () => {
  test.each<[string, string | undefined, number | undefined]>([
    ['the failed rows file’s own words', 'Row 17: Unknown group "Nowhere": create it first.', 17],
    ['a guard quote Excel kept', "'Row 3: Email is missing.", 3],
    ['another case and spacing', '  row  12 : whatever', 12],
    ['a blank cell', '', undefined],
    ['no Error column', undefined, undefined],
    ['text that names no row', 'fixed the group', undefined],
    ['a row number inside the text, not leading', 'see Row 4: it failed', undefined],
  ])('%s', (_, cell, row) => {
    expect(failedRowNamedBy(cell)).toBe(row);
  });
});

describe('the failed rows of an import, as corrections are matched to them', () => {
  test('its user is the username, or the email where the username is blank, whatever the columns are called', () => {
    expect(failedRowOf(4, ['e-mail', 'user name'], ['Ann@Example.com', ' Ann '], [])).toEqual({ row: 4, usernameKey: 'ann', identityFailed: false });
    expect(failedRowOf(4, ['E-mail', 'Groups'], ['Ann@Example.com', 'X'], [])).toMatchObject({ usernameKey: 'ann@example.com' });
  });

  test.each<[string, string[] | undefined, boolean]>([
    ['an unknown group is not about who the row is for', ['unknown_group:Nowhere'], false],
    ['a bad email is', ['invalid_email'], true],
    ['a username repeated in the file is', ['duplicate_username'], true],
    ['an unreadable Username cell is', ['unreadable_characters:Username'], true],
    ['a control character in the e-mail column is', ['control_character:e-mail'], true],
    ['a control character in First Name is not', ['control_character:First Name'], false],
    ['a row recorded before causes existed is not (the user must stay)', undefined, false],
  ])('%s', (_, causes, identityFailed) => {
    expect(failedRowOf(1, HEADERS, ['a@example.com', 'a'], causes).identityFailed).toBe(identityFailed);
  });
});

describe('matching a corrections file to the failed rows', () => {
  test('rows naming failed rows in their Error cell are applied, once each, whatever their order', () => {
    const matcher = new FailedRowMatcher(FAILED);
    expect(causesOf(matcher, [correction(1, 'Row 7: x', 'cy'), correction(2, 'Row 2: x', 'ann'), correction(3, 'Row 7: again', 'cy')])).toEqual([
      'applied',
      'applied',
      'failed_row_corrected_twice',
    ]);
  });

  test('a row whose Error cell names a row that did not fail is refused, saying only failed rows can be applied', () => {
    const problem = new FailedRowMatcher(FAILED).match(correction(1, 'Row 3: x', 'dan'));
    expect(problem?.causes).toEqual(['not_a_failed_row']);
    expect(problem?.message).toMatch(/names row 3, which did not fail .* An admin can upload other rows as a new import\.$/);
  });

  test('a row without an Error cell corrects the failed row of its user, the first not yet corrected', () => {
    const matcher = new FailedRowMatcher(FAILED);
    expect(causesOf(matcher, [correction(1, '', 'cy'), correction(2, undefined, 'cy'), correction(3, '', 'cy')])).toEqual(['applied', 'applied', 'failed_row_corrected_twice']);
  });

  test('a row for a user no failed row is for (a new user, another user) is refused', () => {
    const problem = new FailedRowMatcher(FAILED).match(correction(1, '', 'eve'));
    expect(problem?.causes).toEqual(['not_a_failed_row']);
    expect(problem?.message).toContain('no failed row of the import it corrects is for "eve"');
  });

  test('a correction may not name another user than the row it corrects', () => {
    const problem = new FailedRowMatcher(FAILED).match(correction(1, 'Row 2: x', 'admin'));
    expect(problem?.causes).toEqual(['identity_changed']);
    expect(problem?.message).toContain('which was for "ann", but it names "admin"');
  });

  test('unless the username or email was what failed: a bad address may be fixed, and a repeated username renamed', () => {
    const matcher = new FailedRowMatcher(FAILED);
    expect(causesOf(matcher, [correction(1, 'Row 5: x', 'bob@example.com'), correction(2, 'Row 9: x', 'cy2')])).toEqual(['applied', 'applied']);
  });

  test('the username is compared as a user is identified: case and spaces do not matter', () => {
    // usernameKey is what the row binder computes; the failed row's comes from the same rule.
    expect(failedRowOf(2, HEADERS, ['ann@example.com', ' ANN '], []).usernameKey).toBe(FAILED[0].usernameKey);
  });
});
