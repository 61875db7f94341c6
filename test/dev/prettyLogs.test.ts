import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

// Makes the child process behave as a production install (`npm ci --omit=dev`), which has no pino-pretty.
const WITHOUT_PINO_PRETTY = `
  const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'pino-pretty' || /[\\\\/]pino-pretty[\\\\/]/.test(request)) {
      throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
    }
    return resolve.call(this, request, ...rest);
  };
`;
const LOG_TWO_LINES = `
  const { logger } = require('./shared/platform/logger');
  logger.info({ user: { email: 'ada@example.com', password: 'hunter2-secret' } }, 'row applied');
  logger.warn('almost done');
  process.exit(0);
`;

function run(script: string, env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const configured = {
  MONGO_URL: 'mongodb://127.0.0.1:1/users',
  REDIS_URL: 'redis://127.0.0.1:1',
  SMTP_URL: 'smtp://127.0.0.1:1',
  API_KEYS: 'admin:s3cret-admin',
  INVITE_SECRET: 'a-test-secret-of-at-least-32-characters',
};

describe('log format', () => {
  test('When nothing asks for a format, then every line is one JSON object, passwords redacted', () => {
    const { status, stdout } = run(LOG_TWO_LINES, {});
    expect(status).toBe(0);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toMatchObject([{ level: 30, msg: 'row applied', user: { password: '[redacted]' } }, { level: 40, msg: 'almost done' }]);
    expect(stdout).not.toContain('hunter2');
  });

  test('When pino-pretty is not installed (a production install), then JSON logging does not need it', () => {
    const { status, stdout, stderr } = run(WITHOUT_PINO_PRETTY + LOG_TWO_LINES, {});
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line).msg)).toEqual(['row applied', 'almost done']);
  });

  test('When the process exits while password hashing fills the thread pool, then its last lines reach stdout, in the order they were logged', () => {
    // Four hashes occupy libuv's four threads, as an import hashing passwords does; a log line
    // written through the pool would wait behind them and land after the lines flushed at exit.
    const { status, stdout } = run(`
      const { logger } = require('./shared/platform/logger');
      const crypto = require('node:crypto');
      for (let i = 0; i < 4; i++) crypto.pbkdf2('x', 'y', 1000000, 64, 'sha512', () => {});
      logger.info('hashing started');
      logger.warn('database gone');
      logger.error('giving up');
      process.exit(1);
    `, {});
    expect(status).toBe(1);
    expect(stdout.trim().split('\n').map((line) => JSON.parse(line).msg)).toEqual(['hashing started', 'database gone', 'giving up']);
  });

  test('When LOG_FORMAT=pretty, then each entry is one readable line, not JSON, and passwords are still redacted', () => {
    const { status, stdout } = run(LOG_TWO_LINES, { LOG_FORMAT: 'pretty' });
    expect(status).toBe(0);
    // One line an entry, its fields on that line: an import's thousands of entries stay as many lines.
    expect(stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^\[[\d:.]+\] INFO: row applied \{"user":\{"email":"ada@example\.com","password":"\[redacted\]"\}\}$/),
      expect.stringMatching(/^\[[\d:.]+\] WARN: almost done$/),
    ]);
    expect(stdout).toContain('[redacted]');
    expect(stdout).not.toContain('hunter2');
    expect(stdout).not.toMatch(/^\{/m);
  });

  test('When LOG_FORMAT=pretty but pino-pretty is not installed, then an entry point refuses to start naming LOG_FORMAT, without a stack trace', () => {
    const { status, stdout, stderr } = run(`${WITHOUT_PINO_PRETTY} require('./scripts/start.ts');`, { ...configured, LOG_FORMAT: 'pretty' });
    expect(status).toBe(1);
    expect(stderr).toBe(
      'service cannot start. Invalid configuration:\n' +
        '  LOG_FORMAT is pretty, which needs pino-pretty, a devDependency that production installs (npm ci --omit=dev) leave out: install the devDependencies, or set LOG_FORMAT=json\n',
    );
    expect(stdout).toBe('');
  });
});
