/**
 * What a change record says about a planned write: every field a created user is given, before
 * null; exactly the fields an update changes, with the user's values before (groups by name,
 * roles as lists, unset as null); a password only as "changed", its hashes kept apart.
 */
import { changeRecordOf, groupNamesById, type FieldChange, type RecordingContext } from './changeRecords';
import { planChunk, type ChunkContext, type ChunkRow, type FoundUser, type UserWrite } from './chunkPlan';
import type { GroupsMode, RowCells } from './rowDecision';
import { DEFAULT_ROLES, GROUPS, foundUser } from './rowDecision.fixtures';

const IMPORT = 'import-1';
const RECORDING: RecordingContext = { importId: IMPORT, groupNamesById: groupNamesById(GROUPS) };

const ANN: FoundUser = foundUser();

function row(cells: Partial<RowCells>): ChunkRow {
  const all: RowCells = { email: 'ann@example.com', username: 'ann', ...cells, custom: cells.custom ?? {} };
  return { row: 7, record: [], cells: all, usernameKey: (all.username || all.email || '').toLowerCase(), problems: [] };
}

/** The one write rowDecision and chunkPlan plan for a row, as the shell gets it. */
function plannedWrite(cells: Partial<RowCells>, found: FoundUser | undefined, modes: { groupsMode?: GroupsMode; rolesMode?: GroupsMode } = {}, passwordIsCurrent = false): UserWrite {
  const context: ChunkContext = {
    importId: IMPORT,
    settings: { groupsMode: modes.groupsMode ?? 'add', rolesMode: modes.rolesMode ?? 'add' },
    groupIdsByName: GROUPS,
    customFieldKeys: ['jobtitle', 'site'],
    claimedExternalIds: new Map(),
    passwordIsCurrent: new Map([[7, passwordIsCurrent]]),
    newUserId: () => 'u-new',
  };
  const byKey = new Map(found ? [[found.username, found]] : []);
  const plan = planChunk([row(cells)], { byKey, holders: new Map() }, context);
  expect(plan.writes).toHaveLength(1);
  return plan.writes[0];
}

function changesOf(cells: Partial<RowCells>, found: FoundUser | undefined, modes: { groupsMode?: GroupsMode; rolesMode?: GroupsMode } = {}): FieldChange[] {
  return changeRecordOf(plannedWrite(cells, found, modes), found, RECORDING).record.changes;
}

describe('the record of a created user', () => {
  test('When a row creates a user, then the record lists every field the user is given, each with before null', () => {
    const cells = { email: 'new@example.com', username: 'new', firstName: 'Nia', lastName: 'Ng', groups: 'Sales; Marketing', roles: 'Reviewer', externalId: 'EXT-1', custom: { jobtitle: 'Chemist' } };
    const recorded = changeRecordOf(plannedWrite(cells, undefined), undefined, RECORDING);
    expect(recorded.record).toEqual({
      importId: IMPORT,
      row: 7,
      userId: 'u-new',
      username: 'new',
      outcome: 'created',
      changes: [
        { field: 'email', before: null, after: 'new@example.com' },
        { field: 'firstName', before: null, after: 'Nia' },
        { field: 'lastName', before: null, after: 'Ng' },
        { field: 'externalId', before: null, after: 'EXT-1' },
        { field: 'groups', before: null, after: ['Sales', 'Marketing'] },
        { field: 'roles', before: null, after: ['Learner', 'Prizing User', 'Reviewer'] },
        { field: 'customFields.jobtitle', before: null, after: 'Chemist' },
      ],
    });
    expect(recorded.passwordHashes).toBeUndefined();
  });

  test('When a created user is given only an email, then the record names the email and the default roles, and no empty field', () => {
    expect(changesOf({ email: 'bare@example.com', username: 'bare', groups: '', firstName: '' }, undefined)).toEqual([
      { field: 'email', before: null, after: 'bare@example.com' },
      { field: 'roles', before: null, after: DEFAULT_ROLES },
    ]);
  });

  test('When a created user is given a password, then the record says only that it changed, and the hash is kept apart', () => {
    const write = plannedWrite({ email: 'pw@example.com', username: 'pw', password: 'Correct-Horse-7' }, undefined);
    const recorded = changeRecordOf(write, undefined, RECORDING, 'hash-new');
    expect(recorded.record.changes).toContainEqual({ field: 'password', before: null, after: null });
    expect(JSON.stringify(recorded.record)).not.toMatch(/Correct-Horse|hash-new/);
    expect(recorded.passwordHashes).toEqual({ before: null, after: 'hash-new' });
  });
});

describe('the record of an updated user', () => {
  test.each<[string, Partial<RowCells>, { groupsMode?: GroupsMode; rolesMode?: GroupsMode }, FieldChange[]]>([
    ['the email', { email: 'ann@new.example.com', username: 'ann' }, {}, [{ field: 'email', before: 'ann@example.com', after: 'ann@new.example.com' }]],
    ['the first name', { firstName: 'Anne' }, {}, [{ field: 'firstName', before: 'Ann', after: 'Anne' }]],
    ['a last name where none was', { lastName: 'Lee' }, {}, [{ field: 'lastName', before: null, after: 'Lee' }]],
    ['an external ID where none was', { externalId: 'EXT-ANN' }, {}, [{ field: 'externalId', before: null, after: 'EXT-ANN' }]],
    ['a custom field where none was', { custom: { site: 'Leeds' } }, {}, [{ field: 'customFields.site', before: null, after: 'Leeds' }]],
    ['a custom field', { custom: { jobtitle: 'Manager' } }, {}, [{ field: 'customFields.jobtitle', before: 'Engineer', after: 'Manager' }]],
    ['groups in Add mode', { groups: 'Sales' }, { groupsMode: 'add' }, [{ field: 'groups', before: ['Marketing'], after: ['Marketing', 'Sales'] }]],
    ['groups in Replace mode', { groups: 'Sales' }, { groupsMode: 'replace' }, [{ field: 'groups', before: ['Marketing'], after: ['Sales'] }]],
    ['groups emptied in Replace mode', { groups: '' }, { groupsMode: 'replace' }, [{ field: 'groups', before: ['Marketing'], after: [] }]],
    ['roles in Add mode', { roles: 'Reviewer' }, { rolesMode: 'add' }, [{ field: 'roles', before: DEFAULT_ROLES, after: ['Learner', 'Prizing User', 'Reviewer'] }]],
  ])('When a row changes %s, then the record holds that field alone, before and after in full', (_what, cells, modes, expected) => {
    const recorded = changeRecordOf(plannedWrite(cells, ANN, modes), ANN, RECORDING);
    expect(recorded.record).toMatchObject({ importId: IMPORT, row: 7, userId: 'u-ann', username: 'ann', outcome: 'updated' });
    expect(recorded.record.changes).toEqual(expected);
    expect(recorded.passwordHashes).toBeUndefined();
  });

  test('When roles are replaced, then the record holds the whole list before and after', () => {
    const reviewer: FoundUser = { ...ANN, roles: ['Admin', 'Learner', 'Prizing User', 'Reviewer'] };
    expect(changesOf({ roles: 'Facilitator' }, reviewer, { rolesMode: 'replace' })).toEqual([
      { field: 'roles', before: ['Admin', 'Learner', 'Prizing User', 'Reviewer'], after: ['Learner', 'Prizing User', 'Facilitator'] },
    ]);
  });

  test('When a row changes several fields, then the record lists each, in the fields\' order', () => {
    expect(changesOf({ lastName: 'Lee', email: 'ann@new.example.com', groups: 'Sales', custom: { site: 'Leeds', jobtitle: 'Manager' } }, ANN).map((change) => change.field)).toEqual([
      'email',
      'lastName',
      'groups',
      'customFields.jobtitle',
      'customFields.site',
    ]);
  });

  test('When a row changes a password, then the record says only that it changed, and keeps the hash before and after apart', () => {
    const write = plannedWrite({ password: 'Correct-Horse-7' }, ANN);
    const recorded = changeRecordOf(write, ANN, RECORDING, 'hash-new');
    expect(recorded.record.changes).toEqual([{ field: 'password', before: null, after: null }]);
    expect(JSON.stringify(recorded.record)).not.toMatch(/Correct-Horse|hash-/);
    expect(recorded.passwordHashes).toEqual({ before: 'hash-of-ann', after: 'hash-new' });
  });

  test('When a row sets a password for a user who had none, then the hash before is null', () => {
    const invited: FoundUser = { ...ANN, hasPassword: false, passwordHash: undefined };
    const recorded = changeRecordOf(plannedWrite({ password: 'Correct-Horse-7' }, invited), invited, RECORDING, 'hash-new');
    expect(recorded.record.changes).toEqual([{ field: 'password', before: null, after: null }]);
    expect(recorded.passwordHashes).toEqual({ before: null, after: 'hash-new' });
  });

  test('When no hash is given (a dry run), then the password change is recorded and no hash is kept', () => {
    const recorded = changeRecordOf(plannedWrite({ password: 'Correct-Horse-7' }, ANN), ANN, RECORDING);
    expect(recorded.record.changes).toEqual([{ field: 'password', before: null, after: null }]);
    expect(recorded.passwordHashes).toBeUndefined();
  });

  test('When the user holds a group deleted since, then the record leaves it out, as the export does', () => {
    const stale: FoundUser = { ...ANN, groupIds: ['g-gone', 'g-mkt'] };
    expect(changesOf({ groups: 'Sales' }, stale)).toEqual([{ field: 'groups', before: ['Marketing'], after: ['Marketing', 'Sales'] }]);
  });

  test('When an update only drops a group deleted since, then the groups read the same and the record names no change', () => {
    const stale: FoundUser = { ...ANN, groupIds: ['g-gone', 'g-mkt'] };
    const recorded = changeRecordOf(plannedWrite({ groups: 'Marketing' }, stale, { groupsMode: 'replace' }), stale, RECORDING);
    expect(recorded.record).toMatchObject({ outcome: 'updated', changes: [] });
  });
});

test('groupNamesById inverts the directory\'s names by id', () => {
  const directory = new Map([
    ['Marketing', 'g-mkt'],
    ['Sales', 'g-sales'],
  ]);
  expect(groupNamesById(directory)).toEqual(new Map([
    ['g-mkt', 'Marketing'],
    ['g-sales', 'Sales'],
  ]));
});
