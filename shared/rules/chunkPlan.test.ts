/**
 * README, "replay", and the rules of a chunk beyond one row: an external ID given to two rows of
 * one file, a replayed row counted as the first time, the passwords worth verifying, the writes
 * a plan describes, and what a refused write means to the admin. One row's own rules are the
 * rowDecision tests'.
 */
import { MAX_ROUNDS, addOutcome, emptyOutcome, passwordChecks, planChunk, settleWrites, writeRefusalProblem, type ChunkContext, type ChunkRow, type FoundUser, type FoundUsers, type UserWrite, type WriteRefusal } from './chunkPlan';
import { rowProblem } from './failureCauses';
import type { RowCells } from './rowDecision';
import { DEFAULT_ROLES, GROUPS, foundUser } from './rowDecision.fixtures';

const IMPORT = 'import-1';

const ANN: FoundUser = foundUser({ externalId: 'EXT-ANN' });

/** Data row `row` of the file, naming the user of `cells` (by username, else email). */
function row(at: number, cells: Partial<RowCells> = {}, extra: Partial<ChunkRow> = {}): ChunkRow {
  const all: RowCells = { email: 'ann@example.com', username: 'ann', ...cells, custom: cells.custom ?? {} };
  return { row: at, record: [`record of row ${at}`], cells: all, usernameKey: (all.username || all.email || '').toLowerCase(), problems: [], ...extra };
}

const newUser = (name: string, cells: Partial<RowCells> = {}) => ({ email: `${name}@example.com`, username: name, ...cells });

function found(users: FoundUser[] = [], holders: [string, FoundUser][] = []): FoundUsers {
  return {
    byKey: new Map(users.map((user) => [user.username, user])),
    holders: new Map(holders.map(([externalId, user]) => [externalId, { id: user.id, username: user.username }])),
  };
}

function context(overrides: Partial<ChunkContext> = {}): ChunkContext {
  let drawn = 0;
  return {
    importId: IMPORT,
    settings: { groupsMode: 'add', rolesMode: 'add' },
    groupIdsByName: GROUPS,
    customFieldKeys: ['jobtitle'],
    claimedExternalIds: new Map(),
    passwordIsCurrent: new Map(),
    newUserId: () => `new-${(drawn += 1)}`,
    ...overrides,
  };
}

const counts = (plan: { outcome: { created: number; updated: number; unchanged: number; failed: number } }) => {
  const { created, updated, unchanged, failed } = plan.outcome;
  return { created, updated, unchanged, failed };
};
const messagesOf = (plan: ReturnType<typeof planChunk>) => plan.outcome.failures.map((failure) => [failure.row, ...failure.problems.map((problem) => problem.message)]);
const causesOf = (plan: ReturnType<typeof planChunk>) => plan.outcome.failures.map((failure) => [failure.row, ...failure.problems.flatMap((problem) => problem.causes)]);
const idClash = (externalId: string, earlier: number) => `External ID "${externalId}" is also given to row ${earlier} of this file. Each user needs a different external ID.`;

describe('a replayed row is counted as it was the first time', () => {
  test.each<[string, FoundUser['lastImport'], object, string[]]>([
    ['a user this import created at this row counts as created', { importId: IMPORT, row: 7, outcome: 'created' }, { created: 1, updated: 0, unchanged: 0, failed: 0 }, ['u-ann']],
    ['a user this import updated at this row counts as updated', { importId: IMPORT, row: 7, outcome: 'updated' }, { created: 0, updated: 1, unchanged: 0, failed: 0 }, []],
  ])('%s, with no write, although the user now holds its values', (_, lastImport, expected, createdUserIds) => {
    const plan = planChunk([row(7)], found([{ ...ANN, lastImport }]), context());
    expect(counts(plan)).toEqual(expected);
    expect(plan.outcome.createdUserIds).toEqual(createdUserIds);
    expect(plan.writes).toEqual([]);
    // Its change record was written with its user: the shell keeps it.
    expect(plan.replayed).toEqual([7]);
  });

  test.each<[string, FoundUser['lastImport']]>([
    ['another import wrote', { importId: 'import-0', row: 7, outcome: 'created' }],
    ['this import wrote from another row', { importId: IMPORT, row: 6, outcome: 'created' }],
    ['no import wrote', undefined],
  ])('a row whose user %s is decided as usual', (_, lastImport) => {
    const plan = planChunk([row(7, { firstName: 'Annie' })], found([{ ...ANN, lastImport }]), context());
    expect(counts(plan)).toEqual({ created: 0, updated: 0, unchanged: 0, failed: 0 });
    expect(plan.writes).toEqual([expect.objectContaining({ kind: 'update', userId: 'u-ann', set: { firstName: 'Annie' } })]);
    expect(plan.replayed).toEqual([]);
  });

  test('a replayed row counts as before even when its cells would now fail', () => {
    const plan = planChunk([row(7, { groups: 'Deleted group' })], found([{ ...ANN, lastImport: { importId: IMPORT, row: 7, outcome: 'updated' } }]), context());
    expect(counts(plan)).toEqual({ created: 0, updated: 1, unchanged: 0, failed: 0 });
  });
});

describe('an external ID is given to one row of a file', () => {
  test('a second row of the chunk giving the same external ID fails, naming the first', () => {
    const plan = planChunk([row(2, newUser('bob', { externalId: 'EXT-9' })), row(3, newUser('cy', { externalId: ' EXT-9 ' }))], found(), context());
    expect(plan.writes.map((write) => write.row.row)).toEqual([2]);
    expect(messagesOf(plan)).toEqual([[3, idClash('EXT-9', 2)]]);
    expect(causesOf(plan)).toEqual([[3, 'external_id_repeated']]);
    expect(plan.claims).toEqual(new Map([['EXT-9', 2]]));
  });

  test.each<[string, Partial<RowCells>, FoundUser[]]>([
    ['a new user', newUser('bob', { externalId: 'EXT-9' }), []],
    ['an existing user', { externalId: 'EXT-9' }, [ANN]],
  ])('an external ID an earlier chunk or round gave to another row fails for %s', (_, cells, users) => {
    const plan = planChunk([row(8, cells)], found(users), context({ claimedExternalIds: new Map([['EXT-9', 4]]) }));
    expect(messagesOf(plan)).toEqual([[8, idClash('EXT-9', 4)]]);
    expect(plan.writes).toEqual([]);
    expect(plan.claims.size).toBe(0);
  });

  test('a row planned again in a later round keeps the external ID it claimed', () => {
    const plan = planChunk([row(4, { externalId: 'EXT-9' })], found([ANN]), context({ claimedExternalIds: new Map([['EXT-9', 4]]) }));
    expect(plan.outcome.failures).toEqual([]);
    expect(plan.writes).toEqual([expect.objectContaining({ kind: 'update', set: { externalId: 'EXT-9' } })]);
  });

  test("a row that keeps its user's own external ID claims nothing", () => {
    const plan = planChunk([row(2, { externalId: 'EXT-ANN', firstName: 'Annie' })], found([ANN]), context());
    expect(plan.claims.size).toBe(0);
    expect(plan.outcome.failures).toEqual([]);
  });

  test('a row that fails for another reason gives its external ID to no one', () => {
    const plan = planChunk([row(2, newUser('bob', { externalId: 'EXT-9', roles: 'Owner' })), row(3, newUser('cy', { externalId: 'EXT-9' }))], found(), context());
    expect(plan.writes.map((write) => write.row.row)).toEqual([3]);
    expect(plan.claims).toEqual(new Map([['EXT-9', 3]]));
  });
});

describe('rows settled without a write', () => {
  test('a row with problems found before the decision fails with them, though it names a user', () => {
    const plan = planChunk([row(5, {}, { problems: [rowProblem('extra_cells', 'Row 5 has 9 cells but the header has 4 columns.')] })], found([ANN]), context());
    expect(messagesOf(plan)).toEqual([[5, 'Row 5 has 9 cells but the header has 4 columns.']]);
    expect(causesOf(plan)).toEqual([[5, 'extra_cells']]);
    expect(plan.outcome.failures[0].record).toEqual(['record of row 5']);
  });

  test.each<[string, ChunkRow[], FoundUsers, object]>([
    ['a row repeating the user changes nothing', [row(2, { firstName: 'Ann' })], found([ANN]), { created: 0, updated: 0, unchanged: 1, failed: 0 }],
    ['a row the decision refuses fails', [row(2, { email: 'not an address' })], found([ANN]), { created: 0, updated: 0, unchanged: 0, failed: 1 }],
    ["a row giving away another user's external ID fails", [row(2, newUser('bob', { externalId: 'EXT-ANN' }))], found([], [['EXT-ANN', ANN]]), { created: 0, updated: 0, unchanged: 0, failed: 1 }],
    ['a repeated username fails', [row(2, newUser('bob'), { duplicateOfRow: 1 })], found(), { created: 0, updated: 0, unchanged: 0, failed: 1 }],
    ['an empty chunk counts nothing', [], found(), { created: 0, updated: 0, unchanged: 0, failed: 0 }],
  ])('%s', (_, rows, users, expected) => {
    const plan = planChunk(rows, users, context());
    expect(counts(plan)).toEqual(expected);
    expect(plan.writes).toEqual([]);
  });
});

describe('the writes a plan describes', () => {
  test('a new user is one insert with a new id, stamped with this import and row', () => {
    const plan = planChunk([row(3, newUser('bob', { groups: 'Sales', externalId: 'EXT-B', password: 'Tr0ub4dor&3x!' }))], found(), context());
    expect(plan.writes).toEqual<UserWrite[]>([
      {
        kind: 'insert',
        row: expect.objectContaining({ row: 3 }),
        userId: 'new-1',
        user: { username: 'bob', usernameKey: 'bob', email: 'bob@example.com', groupIds: ['g-sales'], roles: DEFAULT_ROLES, externalId: 'EXT-B', customFields: {} },
        lastImport: { importId: IMPORT, row: 3, outcome: 'created' },
        passwordToHash: 'Tr0ub4dor&3x!',
      },
    ]);
  });

  test('an update sets exactly the changed fields, each custom field on its own, on the user as the query read it', () => {
    const readAt = new Date('2026-12-01T10:00:00Z');
    const plan = planChunk([row(4, { firstName: 'Annie', groups: 'Sales', custom: { jobtitle: 'Manager' } })], found([{ ...ANN, updatedAt: readAt }]), context());
    expect(plan.writes).toEqual<UserWrite[]>([
      {
        kind: 'update',
        row: expect.objectContaining({ row: 4 }),
        userId: 'u-ann',
        set: { firstName: 'Annie', groupIds: ['g-mkt', 'g-sales'], 'customFields.jobtitle': 'Manager' },
        lastImport: { importId: IMPORT, row: 4, outcome: 'updated' },
        readUpdatedAt: readAt,
      },
    ]);
  });

  test.each<[string, boolean | undefined, string | undefined]>([
    ['matches the stored hash is not written again', true, undefined],
    ['does not match the stored hash is written', false, 'Tr0ub4dor&3x!'],
    ['was not verified is written', undefined, 'Tr0ub4dor&3x!'],
  ])('a password that %s', (_, current, toHash) => {
    const passwordIsCurrent = new Map(current === undefined ? [] : [[2, current]]);
    const plan = planChunk([row(2, { password: 'Tr0ub4dor&3x!', firstName: 'Annie' })], found([ANN]), context({ passwordIsCurrent }));
    expect(plan.writes[0].passwordToHash).toBe(toHash);
  });

  test('rows of one chunk become writes in file order, each new user with an id of its own', () => {
    const plan = planChunk([row(2, newUser('bob')), row(3, { firstName: 'Annie' }), row(4, newUser('cy'))], found([ANN]), context());
    expect(plan.writes.map((write) => [write.row.row, write.kind, write.userId])).toEqual([
      [2, 'insert', 'new-1'],
      [3, 'update', 'u-ann'],
      [4, 'insert', 'new-2'],
    ]);
  });
});

describe('the passwords worth verifying', () => {
  const withPassword = (cells: Partial<RowCells> = {}, extra: Partial<ChunkRow> = {}) => row(6, { password: 'Tr0ub4dor&3x!', ...cells }, extra);
  test.each<[string, ChunkRow, FoundUser[], boolean]>([
    ["a row's password, against the hash of the user it names", withPassword(), [ANN], true],
    ['none for a new user', withPassword(newUser('bob')), [ANN], false],
    ['none for a blank password', withPassword({ password: '   ' }), [ANN], false],
    ['none for a user without a hash', withPassword(), [{ ...ANN, passwordHash: undefined, hasPassword: false }], false],
    ['none for a row with problems', withPassword({}, { problems: [rowProblem('extra_cells', 'Broken row.')] }), [ANN], false],
    ['none for a replayed row', withPassword(), [{ ...ANN, lastImport: { importId: IMPORT, row: 6, outcome: 'updated' } }], false],
  ])('%s', (_, chunkRow, users, verified) => {
    expect(passwordChecks([chunkRow], found(users), IMPORT)).toEqual(verified ? [{ row: 6, password: 'Tr0ub4dor&3x!', hash: 'hash-of-ann' }] : []);
  });
});

describe('refused writes', () => {
  const DUPLICATE_USERNAME: WriteRefusal = { reason: 'duplicate_key', errmsg: 'E11000 duplicate key error collection: app.users index: usernameKey_unique dup key: { usernameKey: "bob" }' };
  const DUPLICATE_EXTERNAL_ID: WriteRefusal = { reason: 'duplicate_key', errmsg: 'E11000 duplicate key error collection: app.users index: externalId_unique dup key: { externalId: "EXT-9" }' };
  const plan = planChunk([row(2, newUser('bob')), row(3, { firstName: 'Annie' })], found([ANN]), context());
  const [insert, update] = plan.writes;

  test('writes MongoDB took count as what they planned, new users by their id', () => {
    const settled = settleWrites(plan.writes, new Map(), 1);
    expect(counts(settled)).toEqual({ created: 1, updated: 1, unchanged: 0, failed: 0 });
    expect(settled.outcome.createdUserIds).toEqual(['new-1']);
    expect(settled.again).toEqual([]);
  });

  test.each(Array.from({ length: MAX_ROUNDS - 1 }, (_, index) => index + 1))('an update whose user changed after the query read it is decided again after round %i, uncounted', (round) => {
    const settled = settleWrites(plan.writes, new Map([[1, { reason: 'write_conflict', errmsg: 'the user changed after the chunk read it' }]]), round);
    expect(settled.again).toEqual([update.row]);
    expect(counts(settled)).toEqual({ created: 1, updated: 0, unchanged: 0, failed: 0 });
  });

  test('an update whose user keeps changing fails in the last round, saying to retry the row', () => {
    const settled = settleWrites([update], new Map([[0, { reason: 'write_conflict', errmsg: '' }]]), MAX_ROUNDS);
    expect(settled.outcome.failures[0].problems).toEqual([{ causes: ['changed_meanwhile'], message: expect.stringMatching(/kept being changed by someone else .*Retry this row\.$/) }]);
  });

  test.each(Array.from({ length: MAX_ROUNDS - 1 }, (_, index) => index + 1))('an insert whose user was created meanwhile is decided again after round %i, uncounted', (round) => {
    const settled = settleWrites(plan.writes, new Map([[0, DUPLICATE_USERNAME]]), round);
    expect(settled.again).toEqual([insert.row]);
    expect(counts(settled)).toEqual({ created: 0, updated: 1, unchanged: 0, failed: 0 });
  });

  test.each<[string, UserWrite, WriteRefusal, number, string, string]>([
    ['an insert whose user is still taken in the last round', insert, DUPLICATE_USERNAME, MAX_ROUNDS, 'This username was created by someone else while the import ran. Re-run this row to update that user.', 'created_meanwhile'],
    ['an update whose external ID was taken meanwhile', update, DUPLICATE_EXTERNAL_ID, 1, 'Another user took this external ID while the import ran. Give this user a different external ID, or re-run this row.', 'external_id_taken_meanwhile'],
    ['a write refused for another reason', insert, { errmsg: 'Document failed validation' }, 1, 'The database refused this row (Document failed validation). Re-run it; if it fails again, contact support.', 'write_refused'],
  ])('%s fails its row with the reason', (_, write, refusal, round, message, cause) => {
    const settled = settleWrites([write], new Map([[0, refusal]]), round);
    expect(settled.again).toEqual([]);
    expect(settled.outcome.failures).toEqual([{ row: write.row.row, record: write.row.record, problems: [{ message, causes: [cause] }] }]);
    expect(counts(settled)).toEqual({ created: 0, updated: 0, unchanged: 0, failed: 1 });
  });
});

describe('a refused write in the admin\'s words', () => {
  test.each<[string, WriteRefusal, string]>([
    ['an external ID taken meanwhile', { reason: 'duplicate_key', errmsg: 'E11000 duplicate key error index: externalId_unique' }, 'Another user took this external ID while the import ran. Give this user a different external ID, or re-run this row.'],
    ['a username taken meanwhile', { reason: 'duplicate_key', errmsg: 'E11000 duplicate key error index: usernameKey_unique' }, 'This username was created by someone else while the import ran. Re-run this row to update that user.'],
    ['a duplicate key MongoDB did not describe', { reason: 'duplicate_key', errmsg: '' }, 'This username was created by someone else while the import ran. Re-run this row to update that user.'],
    ['a refusal without a code or words', { errmsg: '' }, 'The database refused this row (). Re-run it; if it fails again, contact support.'],
    ['a refusal whose words run long, cut at 200 characters', { errmsg: 'x'.repeat(500) }, `The database refused this row (${'x'.repeat(200)}). Re-run it; if it fails again, contact support.`],
  ])('%s', (_, refusal, message) => {
    expect(writeRefusalProblem(refusal).message).toBe(message);
  });
});

describe("a chunk's outcome over its rounds", () => {
  test('adding a round keeps every count, and failures and new users in order', () => {
    const a = [rowProblem('missing_email', 'a')];
    const b = [rowProblem('invalid_email', 'b')];
    const first = { ...emptyOutcome(), created: 1, failed: 1, createdUserIds: ['u-1'], failures: [{ row: 2, record: [], problems: a }] };
    const second = { ...emptyOutcome(), created: 1, updated: 2, unchanged: 3, failed: 1, createdUserIds: ['u-2'], failures: [{ row: 9, record: [], problems: b }] };
    addOutcome(first, second);
    expect(first).toEqual({ created: 2, updated: 2, unchanged: 3, failed: 2, createdUserIds: ['u-1', 'u-2'], failures: [{ row: 2, record: [], problems: a }, { row: 9, record: [], problems: b }] });
  });
});
