import { openConformanceDatabase, type ConformanceDatabase } from './support';

let mongo: ConformanceDatabase;

beforeAll(async () => {
  mongo = await openConformanceDatabase('aggregation');
  await mongo.db.collection('orders').insertMany([
    { _id: 1, user: 'u1', category: 'books', amount: 10 },
    { _id: 2, user: 'u2', category: 'books', amount: 5 },
    { _id: 3, user: 'u1', category: 'games', amount: 30 },
    { _id: 4, user: 'u3', category: 'music', amount: 7 },
    { _id: 5, user: 'u2', category: 'games', amount: 1 },
  ] as never[]);
  await mongo.db.collection('users').insertMany([
    { _id: 'u1', name: 'Ada' },
    { _id: 'u2', name: 'Bob' },
  ] as never[]);
});

afterAll(async () => {
  await mongo.close();
});

describe('aggregate', () => {
  test('$group with $sum, then $sort, computes totals per key', async () => {
    const totals = await mongo.db
      .collection('orders')
      .aggregate([{ $group: { _id: '$category', total: { $sum: '$amount' }, orders: { $sum: 1 } } }, { $sort: { total: -1 } }])
      .toArray();
    expect(totals).toEqual([
      { _id: 'games', total: 31, orders: 2 },
      { _id: 'books', total: 15, orders: 2 },
      { _id: 'music', total: 7, orders: 1 },
    ]);
  });

  test('$match, $sort, $skip, $limit and $project shape the pipeline output', async () => {
    const rows = await mongo.db
      .collection('orders')
      .aggregate([
        { $match: { amount: { $gte: 5 } } },
        { $sort: { amount: 1 } },
        { $skip: 1 },
        { $limit: 2 },
        { $project: { _id: 0, id: '$_id', doubled: { $multiply: ['$amount', 2] } } },
      ])
      .toArray();
    expect(rows).toEqual([
      { id: 4, doubled: 14 },
      { id: 1, doubled: 20 },
    ]);
  });

  test('$count returns one document with the number of inputs', async () => {
    const [counted] = await mongo.db.collection('orders').aggregate([{ $match: { user: 'u1' } }, { $count: 'n' }]).toArray();
    expect(counted).toEqual({ n: 2 });
  });

  test('$lookup joins documents from another collection of the same database', async () => {
    const joined = await mongo.db
      .collection('orders')
      .aggregate([
        { $match: { _id: { $in: [1, 4] } } },
        { $sort: { _id: 1 } },
        { $lookup: { from: 'users', localField: 'user', foreignField: '_id', as: 'buyer' } },
        { $project: { _id: 1, buyer: '$buyer.name' } },
      ])
      .toArray();
    expect(joined).toEqual([
      { _id: 1, buyer: ['Ada'] },
      { _id: 4, buyer: [] },
    ]);
  });

  test('pipeline stages that add fields do not alter the stored documents', async () => {
    await mongo.db.collection('orders').aggregate([{ $addFields: { amount: 0, extra: true } }, { $unwind: '$user' }]).toArray();
    await expect(mongo.db.collection('orders').findOne({ _id: 1 as never })).resolves.toEqual({ _id: 1, user: 'u1', category: 'books', amount: 10 });
  });

  test('countDocuments goes through aggregate and counts matches', async () => {
    await expect(mongo.db.collection('orders').countDocuments({ category: 'games' })).resolves.toBe(2);
  });

  test('an aggregate over a missing collection returns no documents', async () => {
    await expect(mongo.db.collection('nothing_here').aggregate([{ $match: {} }]).toArray()).resolves.toEqual([]);
  });

  test('aggregate results beyond the first batch arrive through getMore', async () => {
    const many = mongo.db.collection('many');
    await many.insertMany(Array.from({ length: 450 }, (_, i) => ({ i })));
    const all = await many.aggregate([{ $sort: { i: -1 } }], { batchSize: 100 }).toArray();
    expect(all).toHaveLength(450);
    expect(all[0].i).toBe(449);
    expect(all[449].i).toBe(0);
  });
});
