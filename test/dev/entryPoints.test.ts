import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

describe('production entry points', () => {
  test.each([
    ['api/main.ts', ['MONGO_URL', 'REDIS_URL', 'API_KEYS'], ['SMTP_URL', 'INVITE_SECRET']],
    ['worker/main.ts', ['MONGO_URL', 'REDIS_URL', 'SMTP_URL', 'INVITE_SECRET'], ['API_KEYS']],
    ['scripts/start.ts', ['MONGO_URL', 'REDIS_URL', 'SMTP_URL', 'API_KEYS', 'INVITE_SECRET'], []],
  ])(
    'When %s starts without configuration, then it exits 1 naming every variable it needs and none it does not read, without a stack trace',
    (entry, needed, notRead) => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
      expect(result.status).toBe(1);
      for (const variable of needed) expect(result.stderr).toContain(variable);
      for (const variable of notRead) expect(result.stderr).not.toContain(variable);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
