/**
 * Custom field keys are data. A key named like an Object property (`constructor`, possible
 * before keys were checked) must behave like any other key in every rule that reads one.
 */
import type { ExistingUser, RowCells } from './rowDecision';
import { annRow, decide, existingUser } from './rowDecision.fixtures';

const KEYS = ['constructor', 'jobtitle'];
const ANN = existingUser({ customFields: { jobtitle: 'Chef' } });

/** Cells as the row binder makes them: no prototype. */
const custom = (values: Record<string, string>) => Object.assign(Object.create(null) as Record<string, string>, values);

describe('a custom field whose key names an Object property', () => {
  // [case, cells, matched user, decision kind, custom field values written]
  test.each<[string, Partial<RowCells>, ExistingUser | undefined, string, Record<string, string> | undefined]>([
    ['a new user from a file without that column', { custom: custom({}) }, undefined, 'create', {}],
    ['a new user with a value for it', { custom: custom({ constructor: 'Builder' }) }, undefined, 'create', { constructor: 'Builder' }],
    ['an existing user, no column for it', { custom: custom({ jobtitle: 'Chef' }) }, ANN, 'unchanged', undefined],
    ['an existing user, a value for it', { custom: custom({ constructor: 'Builder' }) }, ANN, 'update', { constructor: 'Builder' }],
    ['an existing user that already holds the value', { custom: custom({ constructor: 'Builder' }) }, { ...ANN, customFields: { constructor: 'Builder' } }, 'unchanged', undefined],
    ['cells built as a plain object (the prototype is not a value)', { custom: {} }, ANN, 'unchanged', undefined],
  ])('%s', (_name, cells, existing, kind, written) => {
    const decision = decide(annRow(cells), { customFieldKeys: KEYS, existing });
    expect(decision.kind).toBe(kind);
    const values = decision.kind === 'create' ? decision.user.customFields : decision.kind === 'update' ? decision.changes.customFields : undefined;
    expect(values === undefined ? undefined : { ...values }).toEqual(written);
  });
});
