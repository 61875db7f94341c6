/**
 * What the row rules' tests (rowDecision.*, chunkPlan, changeRecords) decide rows against: one
 * directory, one existing user, the rows that name her, and the row an export writes for a user. It lives here,
 * not in a test, so that every file reads the same fixtures, and is pure like its neighbours.
 */
import { exportHeader, exportRow } from './exportRow';
import { createRowBinder } from './rowBinder';
import type { FoundUser } from './chunkPlan';
import { decideRow, type DecisionContext, type ExistingUser, type RowCells } from './rowDecision';
import { resolveColumns } from './userColumns';

/** Group name → id, as the directory snapshot holds them. */
export const GROUPS: ReadonlyMap<string, string> = new Map([
  ['Marketing', 'g-mkt'],
  ['Operations', 'g-ops'],
  ['Sales', 'g-sales'],
  // Names an export must guard against Excel, and one that must survive exactly as written. The
  // guarded ones sit beside their plain look-alikes, so a guard taken off too eagerly shows.
  ['-Operations', 'g-minus-ops'],
  ['=Sales', 'g-eq-sales'],
  ['Équipe R&D', 'g-rd'],
]);
const GROUP_NAMES: ReadonlyMap<string, string> = new Map([...GROUPS].map(([name, id]) => [id, name]));

export const CUSTOM_FIELDS = [
  { key: 'jobtitle', label: 'Job title' },
  { key: 'department', label: 'Department' },
];

/** The roles every user has. */
export const DEFAULT_ROLES = ['Learner', 'Prizing User'];

/** Ann as stored: every field set, so a row that leaves one out can be seen to keep it. */
export function existingUser(overrides: Partial<ExistingUser> = {}): ExistingUser {
  return {
    id: 'u-ann',
    username: 'ann',
    email: 'ann@example.com',
    firstName: 'Ann',
    lastName: 'Lee',
    groupIds: ['g-mkt'],
    roles: ['Admin', ...DEFAULT_ROLES],
    externalId: 'EXT-1',
    customFields: { jobtitle: 'Engineer' },
    ...overrides,
  };
}

/** Ann as a chunk's query finds her: a learner in Marketing with a password, no last name or external ID. */
export function foundUser(overrides: Partial<FoundUser> = {}): FoundUser {
  return {
    id: 'u-ann',
    username: 'ann',
    email: 'ann@example.com',
    firstName: 'Ann',
    groupIds: ['g-mkt'],
    roles: DEFAULT_ROLES,
    customFields: { jobtitle: 'Engineer' },
    hasPassword: true,
    passwordHash: 'hash-of-ann',
    ...overrides,
  };
}

/** Another user, for what one user may hold that another then cannot (an external ID). */
export const BOB = { id: 'u-bob', username: 'bob' };

/** A row with Ann's email and only the columns given (an absent key is an absent column). */
export function emailRow(fields: Partial<RowCells> = {}): RowCells {
  return { email: 'ann@example.com', ...fields, custom: fields.custom ?? {} };
}

/** A row naming Ann by email and username, with only the other columns given. */
export function annRow(fields: Partial<RowCells> = {}): RowCells {
  return emailRow({ username: 'ann', ...fields });
}

/** A row of a file uploaded with groups and roles in add mode, matching nobody unless told. */
export function context(overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    settings: { groupsMode: 'add', rolesMode: 'add' },
    groupIdsByName: GROUPS,
    customFieldKeys: CUSTOM_FIELDS.map((field) => field.key),
    existing: undefined,
    ...overrides,
  };
}

export const decide = (row: RowCells, overrides: Partial<DecisionContext> = {}) => decideRow(row, context(overrides));

/**
 * A failed decision with these messages, in this order, each counted under some cause: what the
 * admin reads is checked here, the causes in rowDecision.causes.test.ts.
 */
export const failedWith = (...messages: string[]) => ({ kind: 'failed', problems: messages.map((message) => ({ message, causes: expect.any(Array) })) });

const EXPORT_HEADER = exportHeader(CUSTOM_FIELDS);
const exportColumns = resolveColumns(EXPORT_HEADER, CUSTOM_FIELDS);
if (!exportColumns.ok) throw new Error(`the export header does not read back: ${JSON.stringify(exportColumns.problems)}`);
const bindExported = createRowBinder(EXPORT_HEADER, exportColumns.columns);

/**
 * The row an upload reads from a user's export line: exportRow's cells bound to the export
 * header, as the import binds any file. Throws where the upload would refuse the line.
 */
export function exportedCells(user: ExistingUser): RowCells {
  const bound = bindExported(exportRow(user, { groupNames: GROUP_NAMES, customFields: CUSTOM_FIELDS }));
  if (bound.problems.length) throw new Error(`an exported line would fail on upload: ${bound.problems.map((problem) => problem.message).join(' ')}`);
  return bound.cells;
}
