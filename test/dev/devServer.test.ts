import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../scripts/embedded/embeddedRedis';

const root = path.join(__dirname, '..', '..');

function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run dev', () => {
  test('When started with nothing configured, then it is ready within 30 s, logs readable lines, and Ctrl-C stops it with nothing left running', async () => {
    const port = await freePort();
    // A prefix of the test's own: the checkout's dev prefix may be in use by a developer's npm run dev.
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LOG_LEVEL: 'info', QUEUE_PREFIX: `test-dev-${port}` };
    delete env.MONGO_URL;
    delete env.LOG_FORMAT;
    const dev = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    dev.stdout.on('data', (part) => (output += part));
    dev.stderr.on('data', (part) => (output += part));
    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      let ready = false;
      while (!ready && Date.now() < deadline) {
        ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((response) => response.ok, () => false);
        if (!ready) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(ready).toBe(true);
      expect(output).toContain('ALL DATA IS LOST ON EXIT');
      expect(output).toContain('dev-admin-key');

      const family = descendants(dev.pid!);
      dev.kill('SIGINT');
      expect(await exited).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(family.filter(alive)).toEqual([]);
      // Pretty lines (pino-pretty), not production's JSON, and still flushed on the way out.
      expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|WARN): /m);
      expect(output).toMatch(/INFO: dev: shutting down/);
      expect(output).not.toMatch(/^\{"level"/m);
    } finally {
      if (dev.exitCode === null) dev.kill('SIGKILL');
    }
  }, 60_000);
});
