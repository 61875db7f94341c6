import type { ChangeRecord, ChangedField, FieldChange, FieldValue, PasswordHashes } from './changeRecords';
import { HIDDEN_PASSWORD, REMOVE_USER, UNDO_MESSAGES, decideUndo, notPutBack, type UndoContext, type UserNow } from './undoDecision';

const CONTEXT: UndoContext = { groupExists: (name) => name !== 'Deleted', customFieldExists: (key) => key !== 'deleted', removedByUndo: false };

function updated(changes: FieldChange[], passwordHashes?: PasswordHashes): ChangeRecord & { passwordHashes?: PasswordHashes } {
  return { importId: 'i1', row: 7, userId: 'u1', username: 'ann', outcome: 'updated', changes, passwordHashes };
}
function created(changes: FieldChange[], passwordHashes?: PasswordHashes): ChangeRecord & { passwordHashes?: PasswordHashes } {
  return { importId: 'i1', row: 3, userId: 'u2', username: 'bob', outcome: 'created', changes, passwordHashes };
}
const ANN: UserNow = { email: 'ann@example.com', firstName: 'Ann', groups: ['Sales', 'Marketing'], roles: ['Learner'], customFields: { team: 'Blue' }, passwordHash: 'hash-new' };

describe('undo of an updated user', () => {
  test.each<[string, FieldChange, UserNow, unknown]>([
    ['When the user still holds what the import wrote, then the value before is put back', { field: 'lastName', before: 'Old', after: 'New' }, { ...ANN, lastName: 'New' }, ['lastName', 'Old']],
    ['When the field had no value before, then it is unset', { field: 'externalId', before: null, after: 'E-1' }, { ...ANN, externalId: 'E-1' }, ['externalId', null]],
    ['When a custom field had no value before, then it is unset', { field: 'customFields.team', before: null, after: 'Blue' }, ANN, ['customFields.team', null]],
    ['When groups were only reordered since, then they still count as what the import wrote', { field: 'groups', before: ['Sales'], after: ['Marketing', 'Sales'] }, ANN, ['groups', ['Sales']]],
    ['When a group the user had before was deleted since, then the others are put back', { field: 'groups', before: ['Deleted', 'Sales'], after: ['Sales', 'Marketing'] }, ANN, ['groups', ['Sales']]],
    ['When roles were added in Add mode, then the roles before are put back', { field: 'roles', before: ['Learner', 'Admin'], after: ['Learner'] }, ANN, ['roles', ['Learner', 'Admin']]],
  ])('%s', (_name, change, user, expected) => {
    const decision = decideUndo(updated([change]), user, CONTEXT);
    expect(decision.outcome).toBe('restored');
    expect(decision.outcome === 'restored' && [...decision.restore]).toEqual([expected]);
  });

  test('When a field already holds its value before (an earlier attempt put it back), then nothing is written and the user counts as restored', () => {
    const decision = decideUndo(updated([{ field: 'lastName', before: 'Old', after: 'New' }]), { ...ANN, lastName: 'Old' }, CONTEXT);
    expect(decision).toEqual({ outcome: 'restored', restore: new Map() });
  });

  test('When a field was changed since, then it is a conflict naming the field, its current value and what the undo would have written, and the other fields are still put back', () => {
    const decision = decideUndo(
      updated([
        { field: 'lastName', before: 'Old', after: 'New' },
        { field: 'roles', before: ['Learner', 'Admin'], after: ['Learner', 'Admin', 'Manager'] },
      ]),
      { ...ANN, lastName: 'Newer', roles: ['Learner', 'Admin', 'Manager'] },
      CONTEXT,
    );
    expect(decision).toEqual({
      outcome: 'conflict',
      restore: new Map([['roles', ['Learner', 'Admin']]]),
      problems: [{ field: 'lastName', current: 'Newer', wouldWrite: 'Old', message: UNDO_MESSAGES.changedSince }],
    });
  });

  test.each<[string, PasswordHashes | undefined, string | null, unknown]>([
    ['When the password is still the one the import set, then the hash before is put back', { before: 'hash-old', after: 'hash-new' }, 'hash-new', { outcome: 'restored', passwordHash: { hash: 'hash-old' } }],
    ['When the user had no password before, then it is unset', { before: null, after: 'hash-new' }, 'hash-new', { outcome: 'restored', passwordHash: { hash: null } }],
    ['When the password was already put back, then nothing is written', { before: 'hash-old', after: 'hash-new' }, 'hash-old', { outcome: 'restored' }],
    ['When the password was changed since, then it is a conflict', { before: 'hash-old', after: 'hash-new' }, 'hash-later', { outcome: 'conflict', problems: [expect.objectContaining({ field: 'password', message: UNDO_MESSAGES.passwordChangedSince })] }],
    ['When the hashes were not kept, then it is a conflict', undefined, 'hash-new', { outcome: 'conflict', problems: [expect.objectContaining({ field: 'password', message: UNDO_MESSAGES.passwordNotKept })] }],
  ])('%s', (_name, hashes, current, expected) => {
    const decision = decideUndo(updated([{ field: 'password', before: null, after: null }], hashes), { ...ANN, passwordHash: current }, CONTEXT);
    expect(decision).toMatchObject(expected as object);
    if (!('passwordHash' in (expected as object))) expect(decision).not.toHaveProperty('passwordHash');
  });

  test('When a custom field the import changed was deleted since, then it is left out: the other fields are put back and no conflict is reported', () => {
    const decision = decideUndo(
      updated([
        { field: 'lastName', before: 'Old', after: 'New' },
        { field: 'customFields.deleted', before: 'Before', after: 'After' },
      ]),
      { ...ANN, lastName: 'New' },
      CONTEXT,
    );
    expect(decision).toEqual({ outcome: 'restored', restore: new Map([['lastName', 'Old']]) });
  });

  test('When the user no longer exists, then the row fails and says so', () => {
    expect(decideUndo(updated([{ field: 'lastName', before: 'Old', after: 'New' }]), undefined, CONTEXT)).toEqual({
      outcome: 'failed',
      problems: [{ field: null, current: '', wouldWrite: '', message: UNDO_MESSAGES.updatedUserGone }],
    });
  });
});

describe('undo of a created user', () => {
  const BOB_CHANGES: FieldChange[] = [
    { field: 'email', before: null, after: 'bob@example.com' },
    { field: 'firstName', before: null, after: 'Bob' },
    { field: 'groups', before: null, after: ['Sales'] },
    { field: 'roles', before: null, after: ['Learner'] },
    { field: 'customFields.team', before: null, after: 'Red' },
  ];
  const BOB: UserNow = { email: 'bob@example.com', firstName: 'Bob', lastName: '', groups: ['Sales'], roles: ['Learner'], customFields: { team: 'Red' } };

  test.each<[string, UserNow, PasswordHashes | undefined, FieldChange[]]>([
    ['When it is exactly as the import made it, then it is removed', BOB, undefined, BOB_CHANGES],
    ['When it still has the password the import set, then it is removed', { ...BOB, passwordHash: 'hash-row' }, { before: null, after: 'hash-row' }, [...BOB_CHANGES, { field: 'password', before: null, after: null }]],
    ['When a group it was put in was deleted since, then it is still removed', { ...BOB, groups: [] }, undefined, BOB_CHANGES.map((change) => (change.field === 'groups' ? { ...change, after: ['Deleted'] } : change))],
    ['When a custom field its row set was deleted since, then it is still removed', BOB, undefined, [...BOB_CHANGES, { field: 'customFields.deleted', before: null, after: 'X' }]],
  ])('%s', (_name, user, hashes, changes) => {
    expect(decideUndo(created(changes, hashes), user, CONTEXT)).toEqual({ outcome: 'removed', remove: true });
  });

  test('When a later import set its password (no invitation was ever sent), then the report says a password was set without claiming an invitation was accepted', () => {
    const decision = decideUndo(created(BOB_CHANGES, { before: null, after: 'hash-row' }), { ...BOB, passwordHash: 'hash-later-import' }, CONTEXT);
    expect(decision.outcome).toBe('conflict');
    const messages = decision.outcome === 'conflict' ? decision.problems.map((problem) => problem.message) : [];
    expect(messages).toEqual([expect.stringMatching(/password was set since the import/)]);
    expect(messages.join(' ')).not.toMatch(/invitation/i);
  });

  test.each<[string, UserNow, PasswordHashes | undefined, Partial<{ field: string; current: string; message: string }>]>([
    ['When it accepted its invitation and set a password, then it is kept and reported', { ...BOB, passwordHash: 'hash-chosen' }, undefined, { field: 'password', message: UNDO_MESSAGES.createdSignedUp }],
    ['When it changed its password since, then it is kept and reported', { ...BOB, passwordHash: 'hash-chosen' }, { before: null, after: 'hash-row' }, { field: 'password', message: UNDO_MESSAGES.createdSignedUp }],
    ['When a field the row set was changed since, then it is kept and reported', { ...BOB, firstName: 'Robert' }, undefined, { field: 'firstName', current: 'Robert', message: UNDO_MESSAGES.createdChangedSince }],
    ['When a field the row did not set was set since, then it is kept and reported', { ...BOB, externalId: 'E-9' }, undefined, { field: 'externalId', current: 'E-9', message: UNDO_MESSAGES.createdSetSince }],
    ['When a custom field the row did not set was set since, then it is kept and reported', { ...BOB, customFields: { team: 'Red', site: 'Lyon' } }, undefined, { field: 'customFields.site', current: 'Lyon', message: UNDO_MESSAGES.createdSetSince }],
  ])('%s', (_name, user, hashes, problem) => {
    const decision = decideUndo(created(BOB_CHANGES, hashes), user, CONTEXT);
    expect(decision).toEqual({ outcome: 'conflict', restore: new Map(), problems: [expect.objectContaining({ ...problem, wouldWrite: REMOVE_USER })] });
  });

  test('When it is gone and the record says an undo of this import removed it, then it counts as removed again without a write (a replayed chunk)', () => {
    expect(decideUndo(created(BOB_CHANGES), undefined, { ...CONTEXT, removedByUndo: true })).toEqual({ outcome: 'removed', remove: false });
  });

  test('When it is gone for another reason, then the row fails and says so', () => {
    expect(decideUndo(created(BOB_CHANGES), undefined, CONTEXT)).toMatchObject({ outcome: 'failed', problems: [{ message: UNDO_MESSAGES.createdUserGone }] });
  });
});

describe('a restore the database refused', () => {
  test('When putting back an external ID was refused (another user holds it), then every field of that write is reported as not put back', () => {
    const restore = new Map<ChangedField, FieldValue>([['lastName', 'Old'], ['externalId', 'E-1']]);
    expect(notPutBack(restore, { ...ANN, lastName: 'New', externalId: 'E-2' }, true)).toEqual([
      { field: 'lastName', current: 'New', wouldWrite: 'Old', message: UNDO_MESSAGES.notWrittenWithExternalId },
      { field: 'externalId', current: 'E-2', wouldWrite: 'E-1', message: UNDO_MESSAGES.externalIdTaken },
      { field: 'password', current: HIDDEN_PASSWORD, wouldWrite: HIDDEN_PASSWORD, message: UNDO_MESSAGES.notWrittenWithExternalId },
    ]);
  });
});
