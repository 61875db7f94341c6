/**
 * An undo and an import over the same users at the same time (issue 20): every user write of
 * either is conditional on the user as it was read, so neither overwrites what the other wrote
 * in between. Whatever the interleaving, each user ends as one order or the other would leave
 * it, and the undo reports exactly the users it could not put back.
 */
import { UserModel } from '../../shared/data/userModel';
import { ImportRowErrorModel } from '../../shared/data/importRowErrorModel';
import { createGroups, importCsv, uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

const USERS = 30;
const ROUNDS = 20;

let service: TestService;
let groups: Record<string, string>;
beforeAll(async () => {
  // Small chunks, two imports at once in one worker: the undo and the import interleave.
  service = await startTestService({ IMPORT_CHUNK_SIZE: '3', WORKER_CONCURRENCY: '2' }, { worker: true });
  groups = await createGroups(service, 'Before', 'Taken back', 'Added after');
}, 60_000);
afterAll(() => service.stop());

const csv = (round: number, group: string) =>
  `Email,Username,User groups\n${Array.from({ length: USERS }, (_, i) => `r${round}u${i}@example.com,r${round}u${i},${group}`).join('\n')}\n`;

describe('an undo and an import of the same users at once', () => {
  test(`When an Add-mode import runs while the import before it is undone, ${ROUNDS} times, then no import overwrites what the undo put back, and the undo reports exactly the users it left`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      await importCsv(service, csv(round, 'Before'));
      const taken = await importCsv(service, csv(round, 'Taken back'), { groupsMode: 'add' });
      expect(taken.counts.updated).toBe(USERS);

      // Both at once: the undo takes "Taken back" away, the import adds "Added after".
      const [undo, next] = await Promise.all([service.asAdmin().post(`/api/imports/${taken.id}/undo`), uploadCsv(service, csv(round, 'Added after'), { groupsMode: 'add' })]);
      expect([undo.status, next.status]).toEqual([202, 202]);
      const [undone, added] = await Promise.all([waitForImport(service, undo.body.id), waitForImport(service, next.body.id)]);
      expect(added.counts).toMatchObject({ updated: USERS, failed: 0 });
      expect(undone.counts.restored + undone.counts.conflicts).toBe(USERS);

      const users = await UserModel.find({ usernameKey: new RegExp(`^r${round}u`) }, { usernameKey: 1, groupIds: 1 }).lean();
      const conflicts = new Set((await ImportRowErrorModel.find({ importId: undone.id }, { cells: 1 }).lean()).map((error) => error.cells[0]));
      for (const user of users) {
        const held = new Set(user.groupIds.map(String));
        // Either order leaves "Before" and "Added after"; only "import, then undo" leaves "Taken back" too.
        expect([held.has(groups['Before']), held.has(groups['Added after'])]).toEqual([true, true]);
        // Kept exactly when the undo says it left the user as it was (the import wrote first).
        expect({ user: user.usernameKey, keptTakenBack: held.has(groups['Taken back']) }).toEqual({ user: user.usernameKey, keptTakenBack: conflicts.has(user.usernameKey) });
      }
      expect(conflicts.size).toBe(undone.counts.conflicts);
    }
  }, 240_000);
});
