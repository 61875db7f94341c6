import type { Document } from 'mongodb';
import { UserModel } from '../../shared/data/userModel';
import { chunkUsersFilter } from '../../shared/data/userStore';
import { startTestService, type TestService } from '../support/testService';
import { winningPlanStages } from '../../scripts/embedded/mongoWire/conformance/support';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
  await UserModel.init();
});
afterAll(() => service.stop());

async function planOf(filter: Document) {
  return winningPlanStages(await UserModel.collection.find(filter).explain('queryPlanner'));
}

describe("a chunk's query for its users", () => {
  test('When a chunk names users by username and by external ID, then MongoDB answers it from the two unique indexes, never by scanning every user', async () => {
    const stages = await planOf(chunkUsersFilter(['ann', 'bob'], ['E-1', 'E-2'])!);
    expect(stages.map((stage) => stage.stage)).not.toContain('COLLSCAN');
    expect(stages.filter((stage) => stage.stage === 'IXSCAN').map((stage) => stage.indexName).sort()).toEqual(['externalId_unique', 'usernameKey_unique']);
  });

  test('When a chunk has external IDs only, then the partial index answers it', async () => {
    expect(await planOf(chunkUsersFilter([], ['E-1'])!)).toContainEqual(expect.objectContaining({ stage: 'IXSCAN', indexName: 'externalId_unique' }));
  });

  test('When a chunk has usernames only, then the username index answers it', async () => {
    expect(await planOf(chunkUsersFilter(['ann'], [])!)).toContainEqual(expect.objectContaining({ stage: 'IXSCAN', indexName: 'usernameKey_unique' }));
  });
});
