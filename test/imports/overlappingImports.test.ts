import { UserModel } from '../../shared/data/userModel';
import { uploadCsv, waitForImport } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  // Two imports run side by side, chunk against chunk.
  service = await startTestService({ WORKER_CONCURRENCY: '2', IMPORT_CHUNK_SIZE: '50' }, { worker: true });
});
afterAll(() => service.stop());

const ROWS = 1500;
function csv(firstName: string): string {
  const lines = ['Email,Username,First Name'];
  for (let i = 0; i < ROWS; i++) lines.push(`both${i}@example.com,both${i},${firstName}`);
  return `${lines.join('\n')}\n`;
}

describe('two imports of the same new users at the same time', () => {
  test('When both create the same users at once, then a row whose user the other import created meanwhile is applied to that user, and no row fails', async () => {
    const [first, second] = await Promise.all([uploadCsv(service, csv('Ann')), uploadCsv(service, csv('Bea'))]);
    const jobs = await Promise.all([waitForImport(service, first.body.id, 120_000), waitForImport(service, second.body.id, 120_000)]);

    for (const job of jobs) {
      expect(job.status).toBe('completed');
      expect(job.counts).toMatchObject({ processed: ROWS, failed: 0 });
      expect(job.counts.created + job.counts.updated + job.counts.unchanged).toBe(ROWS);
    }
    // Each user was created by exactly one of the two.
    expect(jobs[0].counts.created + jobs[1].counts.created).toBe(ROWS);
    expect(await UserModel.countDocuments({ usernameKey: { $regex: '^both' } })).toBe(ROWS);
    // Whichever wrote last, every user holds one file's values, never a mix of fields.
    expect(await UserModel.countDocuments({ usernameKey: { $regex: '^both' }, firstName: { $in: ['Ann', 'Bea'] } })).toBe(ROWS);
  }, 150_000);
});
