import type { Collection, Document } from 'mongodb';
import { openConformanceDatabase, rejectionOf, winningPlanStages, type ConformanceDatabase } from './support';

/**
 * Which index answers a query, as mongod's explain (queryPlanner) reports it. What matters for
 * predictions is the rule for partial indexes: mongod uses one only for a query whose predicates
 * imply its partialFilterExpression (expression::isSubsetOf), and a `$type` filter is implied
 * only by the same `$type` predicate, not by the values of an `$in`.
 */
let mongo: ConformanceDatabase;
let users: Collection;

beforeAll(async () => {
  mongo = await openConformanceDatabase('plans');
  users = mongo.db.collection('users');
  await users.createIndex({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });
  await users.createIndex({ externalId: 1 }, { unique: true, name: 'externalId_unique', partialFilterExpression: { externalId: { $type: 'string' } } });
  await users.insertMany([
    { usernameKey: 'ann', externalId: 'E-1' },
    { usernameKey: 'bob' },
    { usernameKey: 'cid', externalId: 'E-3' },
  ]);
});

afterAll(async () => {
  await mongo.close();
});

async function planOf(filter: Document) {
  return winningPlanStages(await users.find(filter).explain('queryPlanner'));
}

describe('query plans and partial indexes', () => {
  test('an $in on a partially indexed field that does not state the filter scans the collection', async () => {
    const stages = await planOf({ externalId: { $in: ['E-1', 'E-3'] } });
    expect(stages.map((stage) => stage.stage)).toContain('COLLSCAN');
    expect(stages.some((stage) => stage.indexName === 'externalId_unique')).toBe(false);
  });

  test('the same $in stating the partial filter ($type: string) is answered from the partial index', async () => {
    const stages = await planOf({ externalId: { $in: ['E-1', 'E-3'], $type: 'string' } });
    expect(stages.map((stage) => stage.stage)).not.toContain('COLLSCAN');
    expect(stages).toContainEqual(expect.objectContaining({ stage: 'IXSCAN', indexName: 'externalId_unique' }));
    expect((await users.find({ externalId: { $in: ['E-1', 'E-3'], $type: 'string' } }).toArray()).map((user) => user.usernameKey).sort()).toEqual(['ann', 'cid']);
  });

  test('an $or is answered from indexes only when every branch can be', async () => {
    const indexed = await planOf({ $or: [{ usernameKey: { $in: ['ann', 'bob'] } }, { externalId: { $in: ['E-3'], $type: 'string' } }] });
    expect(indexed.map((stage) => stage.stage)).not.toContain('COLLSCAN');
    expect(indexed.filter((stage) => stage.stage === 'IXSCAN').map((stage) => stage.indexName).sort()).toEqual(['externalId_unique', 'usernameKey_unique']);

    const scanned = await planOf({ $or: [{ usernameKey: { $in: ['ann', 'bob'] } }, { externalId: { $in: ['E-3'] } }] });
    expect(scanned.map((stage) => stage.stage)).toContain('COLLSCAN');
  });

  test('an equality on a fully indexed field is an index scan', async () => {
    expect(await planOf({ usernameKey: 'bob' })).toContainEqual(expect.objectContaining({ stage: 'IXSCAN', indexName: 'usernameKey_unique' }));
  });

  test('explain of an unknown command fails instead of answering', async () => {
    const error = await rejectionOf(mongo.db.command({ explain: { noSuchCommand: 'users' }, verbosity: 'queryPlanner' }));
    expect(error.ok ?? 0).toBe(0);
  });
});
