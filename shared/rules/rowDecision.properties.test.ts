/**
 * Properties of the row rules over generated rows (fast-check): whatever a row holds, binding
 * it to columns and deciding it never throws, and the decision is one the worker can apply or
 * report: a failure always says why.
 */
import fc from 'fast-check';
import { exportHeader } from './exportRow';
import { ROLES } from './roles';
import { resolveColumns } from './userColumns';
import { createRowBinder } from './rowBinder';
import { decideRow, type ExistingUser, type RowCells } from './rowDecision';

const PROPERTY_RUNS = 2000;
const CUSTOM_FIELDS = [
  { key: 'constructor', label: 'Constructor' },
  { key: 'tostring', label: 'toString' },
  { key: 'notes', label: 'Notes' },
];
const GROUPS = new Map([
  ['Marketing', 'g-mkt'],
  ['hasOwnProperty', 'g-own'],
]);

/** What admins and attackers put in cells, mixed with anything at all. */
const cellText = fc.oneof(
  fc.constantFrom('', ' ', 'ann@example.com', 'ann', 'constructor', '__proto__', 'toString', 'valueOf', '{"$gt":""}', '=cmd|/c calc', "'-7", 'Admin; Learner', 'Marketing; hasOwnProperty', 'Secret-password', '\u0000', '\uFFFD', 'a\nb', '"'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ minLength: 90, maxLength: 300 }),
);
const customValues = fc.dictionary(fc.constantFrom('constructor', '__proto__', 'toString', 'tostring', 'notes', 'hasOwnProperty'), cellText);
const rowCells: fc.Arbitrary<RowCells> = fc.record(
  { email: cellText, username: cellText, firstName: cellText, lastName: cellText, groups: cellText, roles: cellText, password: cellText, externalId: cellText, custom: customValues },
  { requiredKeys: ['custom'] },
);
const existingUser: fc.Arbitrary<ExistingUser> = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 24 }),
    username: cellText,
    email: cellText,
    firstName: cellText,
    lastName: cellText,
    groupIds: fc.array(fc.constantFrom('g-mkt', 'g-own', 'g-gone')),
    roles: fc.array(fc.oneof(fc.constantFrom(...ROLES), cellText), { maxLength: 4 }),
    externalId: cellText,
    customFields: customValues,
    hasPassword: fc.boolean(),
  },
  { requiredKeys: ['id', 'username', 'email', 'groupIds', 'roles', 'customFields'] },
);
const context = fc.record({
  settings: fc.record({ groupsMode: fc.constantFrom('add' as const, 'replace' as const), rolesMode: fc.constantFrom('add' as const, 'replace' as const) }),
  existing: fc.option(existingUser, { nil: undefined }),
  duplicateOfRow: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
  externalIdHolder: fc.option(fc.record({ id: fc.string({ maxLength: 24 }), username: cellText }), { nil: undefined }),
  passwordIsCurrent: fc.option(fc.boolean(), { nil: undefined }),
});

function expectApplicable(decision: ReturnType<typeof decideRow>): void {
  expect(['create', 'update', 'unchanged', 'failed']).toContain(decision.kind);
  if (decision.kind === 'failed') {
    expect(decision.problems.length).toBeGreaterThan(0);
    for (const { message, causes } of decision.problems) {
      expect(message.trim()).not.toBe('');
      expect(causes.length).toBeGreaterThan(0);
    }
  }
}

describe('deciding any row', () => {
  test('decideRow never throws and a failure always says why', () => {
    fc.assert(
      fc.property(rowCells, context, (cells, ctx) => {
        expectApplicable(decideRow(cells, { ...ctx, groupIdsByName: GROUPS, customFieldKeys: CUSTOM_FIELDS.map((field) => field.key) }));
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  test('any record of cells, bound to the columns of a real header, binds and decides without throwing', () => {
    const headers = exportHeader(CUSTOM_FIELDS);
    const resolved = resolveColumns(headers, CUSTOM_FIELDS);
    if (!resolved.ok) throw new Error('the test header must resolve');
    const binder = createRowBinder(headers, resolved.columns);
    const record = fc.array(cellText, { maxLength: headers.length + 3 });
    const unreadable = fc.option(fc.constantFrom('unclosed_quote' as const, 'too_long' as const), { nil: undefined });
    fc.assert(
      fc.property(record, unreadable, context, (cells, reason, ctx) => {
        const bound = binder(cells, reason);
        if (reason) expect(bound.problems).toHaveLength(1);
        const decision = bound.problems.length
          ? ({ kind: 'failed', problems: bound.problems } as const)
          : decideRow(bound.cells, { ...ctx, groupIdsByName: GROUPS, customFieldKeys: CUSTOM_FIELDS.map((field) => field.key) });
        expectApplicable(decision);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });
});
