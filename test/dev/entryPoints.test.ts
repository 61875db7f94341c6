import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

describe('production entry points', () => {
  test.each(['api/main.ts', 'worker/main.ts', 'scripts/start.ts'])(
    'When %s starts without configuration, then it exits 1 naming every missing variable, without a stack trace',
    (entry) => {
      const result = spawnSync(process.execPath, ['--import', 'tsx', entry], { cwd: root, env: { PATH: process.env.PATH }, encoding: 'utf8', timeout: 30_000 });
      expect(result.status).toBe(1);
      for (const variable of ['MONGO_URL', 'REDIS_URL', 'SMTP_URL', 'API_KEYS', 'INVITE_SECRET']) expect(result.stderr).toContain(variable);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
