import { isDuplicateKey, writeRefusalOf } from './databaseErrors';

describe("MongoDB's refusals in the product's words", () => {
  test.each<[string, unknown, boolean]>([
    ['a write refused by a unique index', { code: 11000, errmsg: 'E11000 duplicate key error' }, true],
    ['a write refused for another reason', { code: 121, errmsg: 'Document failed validation' }, false],
    ['an error without a code', new Error('boom'), false],
    ['no error at all', undefined, false],
  ])('%s: duplicate key %s', (_, error, duplicate) => {
    expect(isDuplicateKey(error)).toBe(duplicate);
  });

  test.each<[string, { code?: number; errmsg?: string }, ReturnType<typeof writeRefusalOf>]>([
    ['a duplicate key', { code: 11000, errmsg: 'E11000 duplicate key error index: externalId_unique' }, { reason: 'duplicate_key', errmsg: 'E11000 duplicate key error index: externalId_unique' }],
    ['a write conflict', { code: 112, errmsg: 'WriteConflict' }, { reason: 'write_conflict', errmsg: 'WriteConflict' }],
    ['any other refusal, described', { code: 121, errmsg: 'Document failed validation' }, { errmsg: 'Document failed validation' }],
    ['a refusal without words', { code: 2 }, { errmsg: '' }],
  ])('a refused write of a chunk: %s', (_, refusal, words) => {
    expect(writeRefusalOf(refusal)).toEqual(words);
  });
});
