/**
 * Why rows fail, counted per cause: each failing row names the causes it is counted under, and
 * an import's counts read as "N rows: what went wrong: what to do about all of them".
 */
import { FAILURE_CAUSE_CODES, summariseFailureCauses, UNCLASSIFIED_CAUSE } from './failureCauses';
import type { DecisionContext, RowCells } from './rowDecision';
import { BOB, annRow, decide, emailRow } from './rowDecision.fixtures';
import { createRowBinder } from './rowBinder';
import { resolveColumns } from './userColumns';

const causesOf = (cells: RowCells, ctx: Partial<DecisionContext> = {}) => {
  const decision = decide(cells, ctx);
  return decision.kind === 'failed' ? decision.problems.flatMap((problem) => problem.causes) : [];
};

describe('each failing row names what it is counted under', () => {
  test.each<[string, RowCells, Partial<DecisionContext>, string[]]>([
    ['no email', emailRow({ email: '' }), {}, ['missing_email']],
    ['an address that is not one', emailRow({ email: 'ann@@example.com' }), {}, ['invalid_email']],
    ['an address past 254 characters', emailRow({ email: `${'a'.repeat(250)}@example.com` }), {}, ['email_too_long']],
    ['a username past 100 characters', annRow({ username: 'u'.repeat(101) }), {}, ['username_too_long']],
    ['a username over two lines', annRow({ username: 'ann\nlee' }), {}, ['username_line_break']],
    ['a username with a zero-width space', annRow({ username: 'an\u200bn' }), {}, ['username_invisible_character']],
    ['a username an earlier row has', annRow(), { duplicateOfRow: 2 }, ['duplicate_username']],
    ['a long last name, by its column', annRow({ lastName: 'l'.repeat(101) }), {}, ['name_too_long:Last name']],
    ['two unknown groups, each by its name', annRow({ groups: 'Finance; Marketing; Legal' }), {}, ['unknown_group:Finance', 'unknown_group:Legal']],
    ['an unknown role, by its name', annRow({ roles: 'Owner' }), {}, ['unknown_role:Owner']],
    ['a short password', annRow({ password: 'short' }), {}, ['password_too_short']],
    ['a long password', annRow({ password: 'p'.repeat(129) }), {}, ['password_too_long']],
    ['a password with a trailing space', annRow({ password: 'long-enough ' }), {}, ['password_spaces']],
    ['a password with a tab inside', annRow({ password: 'long\tenough' }), {}, ['password_invisible_character']],
    ['an external ID past 255 characters', annRow({ externalId: 'x'.repeat(256) }), {}, ['external_id_too_long']],
    ['an external ID over two lines', annRow({ externalId: 'EXT\n9' }), {}, ['external_id_line_break']],
    ["another user's external ID", annRow({ externalId: 'EXT-9' }), { externalIdHolder: BOB }, ['external_id_taken']],
    ['a custom value past 2,000 characters, by its key', annRow({ custom: { jobtitle: 'j'.repeat(2001) } }), {}, ['custom_value_too_long:jobtitle']],
    ['three problems at once, each counted', emailRow({ email: '', groups: 'Nowhere', roles: 'Owner' }), {}, ['missing_email', 'unknown_group:Nowhere', 'unknown_role:Owner']],
  ])('%s', (_, cells, ctx, causes) => {
    expect(causesOf(cells, ctx)).toEqual(causes);
  });

  test('problems found while reading a row are counted too: extra cells, and unreadable rows by reason', () => {
    const headers = ['Email', 'Username'];
    const resolved = resolveColumns(headers, []);
    if (!resolved.ok) throw new Error('the header must resolve');
    const bind = createRowBinder(headers, resolved.columns);
    const causes = (record: string[], unreadable?: 'unclosed_quote' | 'too_long') => bind(record, unreadable).problems.flatMap((problem) => problem.causes);
    expect(causes(['a@example.com', 'a', 'extra'])).toEqual(['extra_cells']);
    expect(causes(['a@example.com', 'a\u0007'])).toEqual(['control_character:Username']);
    expect(causes(['a@example.com'], 'unclosed_quote')).toEqual(['unclosed_quote']);
    expect(causes(['a@example.com'], 'too_long')).toEqual(['row_too_long']);
  });
});

describe('the counts per cause, in the admin’s words', () => {
  test('most rows first; a group that does not exist says to create it, then retry', () => {
    const summaries = summariseFailureCauses([
      { cause: 'invalid_email', rows: 7 },
      { cause: 'unknown_group:marketing', rows: 2993 },
    ]);
    expect(summaries.map((summary) => summary.cause)).toEqual(['unknown_group:marketing', 'invalid_email']);
    expect(summaries[0]).toEqual({
      cause: 'unknown_group:marketing',
      rows: 2993,
      summary: 'group "marketing" does not exist',
      action: 'create it under Groups & fields (or fix the spelling: names must match exactly), then Retry failed rows',
    });
    expect(summaries[1].action).toBe('write each as name@example.com in the failed rows file, then Upload corrected rows');
  });

  test('equal counts are ordered by cause, so the list does not jump between polls', () => {
    const order = (counts: { cause: string; rows: number }[]) => summariseFailureCauses(counts).map((summary) => summary.cause);
    expect(order([{ cause: 'unknown_role:Owner', rows: 3 }, { cause: 'extra_cells', rows: 3 }])).toEqual(['extra_cells', 'unknown_role:Owner']);
  });

  test.each(FAILURE_CAUSE_CODES.map((code) => [code]))('%s has words for what went wrong and what to do', (code) => {
    const [summary] = summariseFailureCauses([{ cause: `${code}:Subject`, rows: 1 }]);
    // Shown as "N rows: <summary>: <action>", so neither starts upper-case nor ends with a full stop.
    expect(summary.summary).toMatch(/^[a-z"][^]*[^.]$/);
    expect(summary.action).toMatch(/^[a-z][^]*[^.]$/);
  });

  test('rows recorded before causes existed, or a cause this version does not know, point to the failed rows file', () => {
    const [old, unknown] = summariseFailureCauses([{ cause: UNCLASSIFIED_CAUSE, rows: 4 }, { cause: 'from_a_newer_version', rows: 1 }]);
    expect(old).toMatchObject({ rows: 4, summary: 'see each row in the failed rows file' });
    expect(unknown.action).toBe('download the failed rows to read why each failed');
  });
});
