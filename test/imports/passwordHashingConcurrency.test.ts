import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import * as passwordHashing from '../../shared/directory/passwordHashing';
import { UserModel } from '../../shared/data/userModel';
import { importCsv } from '../support/importHelpers';
import { startTestService, type TestService } from '../support/testService';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ IMPORT_CHUNK_SIZE: '8' }, { worker: true });
});
afterAll(() => service.stop());

describe('hashing the passwords of an import', () => {
  test('When a chunk sets eight passwords, then they are hashed at once on the thread pool, not one after another', async () => {
    const hash = passwordHashing.hashPassword;
    let inFlight = 0;
    let mostAtOnce = 0;
    const spy = jest.spyOn(passwordHashing, 'hashPassword').mockImplementation(async (password) => {
      inFlight += 1;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      try {
        return await hash(password);
      } finally {
        inFlight -= 1;
      }
    });
    try {
      const rows = Array.from({ length: 8 }, (_, i) => `hash${i}@example.com,hash${i},Secret-${i}-horse`);
      const job = await importCsv(service, `Email,Username,Password\n${rows.join('\n')}\n`);
      expect(job.counts).toMatchObject({ created: 8, failed: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(mostAtOnce).toBe(8);
    const stored = await UserModel.findOne({ usernameKey: 'hash3' }).select('+passwordHash').lean();
    expect(await passwordHashing.passwordMatches(stored?.passwordHash, 'Secret-3-horse')).toBe(true);
  });

  test('When the worker starts without UV_THREADPOOL_SIZE, then its thread pool has one thread per core; a value given is kept', () => {
    const run = (env: NodeJS.ProcessEnv) =>
      execFileSync(process.execPath, ['--import', 'tsx', '-e', "require('./worker/threadPoolSize'); console.log(process.env.UV_THREADPOOL_SIZE)"], {
        cwd: path.join(__dirname, '..', '..'),
        env,
      }).toString().trim();
    const { UV_THREADPOOL_SIZE: _ignored, ...withoutSize } = process.env;
    expect(run(withoutSize)).toBe(String(os.availableParallelism()));
    expect(run({ ...withoutSize, UV_THREADPOOL_SIZE: '7' })).toBe('7');
  });
});
